#!/usr/bin/env bash
# Installs the Debian packages samanom needs, only those that are missing.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core
          poppler-utils qpdf chromium
          # LibreOffice Calc headless and its Python bridge (Debian's python3), for the tests that fill the form
          # in a real office suite (tests/test_libreoffice.py)
          libreoffice-calc-nogui python3-uno)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
