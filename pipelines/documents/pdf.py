"""Archival PDF from a document's HTML: WeasyPrint, the tag-tree finisher, the PDF cache and the pool.

Every PDF is PDF/A-2a (tagged, with ``/Lang`` and a title), and the same
context always gives the same bytes: the document dates come from
``context['rapportdato']``, never from the clock. WeasyPrint may fetch only
files inside ``report_templates/``; any other URL (http, data, files
elsewhere) is refused, so text from a submission can never make the renderer
fetch anything. One parsed stylesheet and one font configuration per process.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pipelines import versions
from pipelines.documents.formatting import phrases
from pipelines.documents.templating import TEMPLATES, environment, render_html
from pipelines.landing import fsync_dir
from pipelines.paths import TEMPLATES_DIR

STYLESHEET = "base.css"

#: The archival variant we write: tagged PDF/A-2a (WeasyPrint 70 has it).
PDF_VARIANT = "pdf/a-2a"

log = logging.getLogger(__name__)


class RenderError(RuntimeError):
    """A document could not be rendered (carries the output path)."""


class FetchRefused(ValueError):
    """WeasyPrint asked for a URL outside report_templates/."""


def _weasyprint():
    import weasyprint  # imported lazily: costly, and not every caller renders

    return weasyprint


@functools.cache
def url_fetcher():
    """A fetcher that serves files inside report_templates/ and refuses everything else.

    Every request is recorded in ``url_fetcher().requests`` (url, allowed) so
    tests can prove that nothing outside was asked for.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class TemplatesOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False)
            self.requests: list[tuple[str, bool]] = []

        def resolve(self, url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
                return None
            path = Path(unquote(parts.path)).resolve()
            if path.is_file() and path.is_relative_to(TEMPLATES_DIR):
                return path
            return None

        def fetch(self, url, headers=None):
            path = self.resolve(url)
            self.requests.append((url, path is not None))
            if path is None:
                raise FetchRefused(f"refused to fetch {url!r}: only files in report_templates/")
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes())

    return TemplatesOnlyFetcher()


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.cache
def stylesheet():
    """base.css, parsed once per process."""
    wp = _weasyprint()
    return wp.CSS(filename=str(TEMPLATES_DIR / STYLESHEET), url_fetcher=url_fetcher(), font_config=_font_config())


def _ref_number(ref: Any) -> int | None:
    """``b'12 0 R'`` → 12 (pydyf references are bytes or str)."""
    if isinstance(ref, (bytes, str)):
        parts = (ref.decode() if isinstance(ref, bytes) else ref).split()
        if len(parts) == 3 and parts[2] == "R" and parts[0].isdigit():
            return int(parts[0])
    return None


def _artifact_margin_content(document, pdf) -> None:
    """WeasyPrint finisher: mark running headers and page numbers as artifacts.

    WeasyPrint 70 tags the text of page margin boxes (our running header and
    «Side N av M») with structure elements that it deliberately leaves out of
    the structure tree (see weasyprint/pdf/tags.py). Tagged PDF (and so
    PDF/A-2a) wants every piece of content either in the tree or marked as an
    artifact, so this turns those orphaned marked-content sequences into
    ``/Artifact`` and drops the orphans from the parent tree. Anything
    unexpected leaves the PDF unchanged (and is logged).
    """
    import pydyf

    try:
        objects = pdf.objects
        root_number = _ref_number(pdf.catalog.get("StructTreeRoot"))
        if root_number is None:
            return
        root = objects[root_number]
        reachable: set[int] = set()
        todo = [n for n in (_ref_number(k) for k in root.get("K", ())) if n is not None]
        while todo:
            number = todo.pop()
            if number in reachable:
                continue
            reachable.add(number)
            kids = objects[number].get("K", ()) if isinstance(objects[number], dict) else ()
            todo.extend(n for n in (_ref_number(k) for k in kids) if n is not None)

        parent_tree = objects[_ref_number(root["ParentTree"])]
        nums = parent_tree["Nums"]
        page_numbers = [_ref_number(ref) for ref in pdf.page_references]
        changed = 0
        for i in range(0, len(nums), 2):
            key, refs = nums[i], nums[i + 1]
            if not isinstance(refs, list) or not (0 <= key < len(page_numbers)):
                continue  # annotation entries (a single reference) are left alone
            orphan_mcids = {
                mcid
                for mcid, ref in enumerate(refs)
                if _ref_number(ref) is not None and _ref_number(ref) not in reachable
            }
            if not orphan_mcids:
                continue
            stream = objects[_ref_number(objects[page_numbers[key]]["Contents"])]
            items = stream.stream
            for j in range(1, len(items) - 1):
                item = items[j]
                if isinstance(item, pydyf.Dictionary) and item.get("MCID") in orphan_mcids and items[j + 1] == b"BDC":
                    mcid = item["MCID"]
                    items[j - 1], items[j], items[j + 1] = "/Artifact", b"BMC", b""
                    objects[_ref_number(refs[mcid])].free = "f"
                    refs[mcid] = "null"
                    orphan_mcids.discard(mcid)
                    changed += 1
            if orphan_mcids:
                log.warning("untagged content left on page %d: MCIDs %s", key + 1, sorted(orphan_mcids))
        # Structure elements that only held margin content are now unreferenced: drop them.
        for number, obj in enumerate(objects):
            if number and isinstance(obj, dict) and obj.get("Type") == "/StructElem" and number not in reachable:
                obj.free = "f"
        log.debug("marked %d margin-box sequences as artifacts", changed)
    except Exception:  # pragma: no cover - defensive: never lose a document over this
        log.exception("could not mark margin boxes as artifacts; PDF left as WeasyPrint wrote it")


def warm_up() -> None:
    """Compile templates, load phrases and parse the CSS (e.g. in a pool worker)."""
    env = environment()
    for name in TEMPLATES:
        env.get_template(name)
    phrases()
    stylesheet()


def pdf_from_html(html: str) -> tuple[bytes, int]:
    """(PDF bytes, page count) for one document's HTML."""
    wp = _weasyprint()
    document = wp.HTML(string=html, base_url=str(TEMPLATES_DIR) + os.sep, url_fetcher=url_fetcher()).render(
        stylesheets=[stylesheet()], font_config=_font_config(), pdf_variant=PDF_VARIANT, pdf_tags=True
    )
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True, finisher=_artifact_margin_content)
    return pdf, len(document.pages)


@functools.cache
def _renderer_version() -> str:
    from importlib.metadata import version

    return f"{PDF_VARIANT}|weasyprint {version('weasyprint')}|pydyf {version('pydyf')}|samanom {versions.pdf()}"


def cache_key(html: str) -> str:
    """What a PDF's bytes depend on: its HTML and the renderer (WeasyPrint, the stylesheet, our finisher).

    The templates and phrases count through the HTML alone, so a changed phrase gives new keys to
    exactly the documents that print it.
    """
    return hashlib.sha256(f"{_renderer_version()}\n{html}".encode()).hexdigest()


class PdfCache:
    """Rendered PDFs by :func:`cache_key`: an unchanged document is copied, not rendered again.

    Re-runs after one corrected submission change a few letters; the others
    have the same HTML and so the same bytes. Each entry is verified against
    its recorded SHA-256 before use, so a damaged entry is rendered anew.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def get(self, key: str) -> tuple[bytes, int] | None:
        pdf_path, meta_path = self.folder / f"{key}.pdf", self.folder / f"{key}.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            pdf = pdf_path.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(pdf).hexdigest() != meta.get("sha256"):
            return None
        return pdf, int(meta["pages"])

    def put(self, key: str, pdf: bytes, pages: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / f"{key}.pdf", pdf)
        write_atomic(
            self.folder / f"{key}.json",
            json.dumps({"sha256": hashlib.sha256(pdf).hexdigest(), "pages": pages}).encode(),
        )


TEMP_SUFFIX = ".tmp"


def write_atomic(path: Path, data: bytes, durable: bool = False) -> None:
    """Write beside the file, then rename into place: a kill leaves the old file or the new one, never half.

    `durable` also syncs the bytes before the rename and the folder after it, for a file that must
    survive a power cut once written (a dispatched letter), not only a kill.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    with tmp.open("wb") as out:
        out.write(data)
        if durable:
            out.flush()
            os.fsync(out.fileno())
    os.replace(tmp, path)
    if durable:
        fsync_dir(path.parent)


def _html_for(template: str, context: Mapping[str, Any], form: str, out: Path) -> str:
    try:
        return render_html(template, context, form)
    except Exception as exc:
        raise RenderError(f"{out}: {type(exc).__name__}: {exc}") from exc


def _render_html_job(job: Sequence[Any]) -> dict[str, Any]:
    """Render one document's HTML to ``out`` (in this process or a pool worker)."""
    html, out, cache_folder = job
    out = Path(out)
    try:
        pdf, pages = pdf_from_html(html)
    except Exception as exc:
        raise RenderError(f"{out}: {type(exc).__name__}: {exc}") from exc
    if cache_folder is not None:
        PdfCache(cache_folder).put(cache_key(html), pdf, pages)
    return _written(out, pdf, pages, reused=False)


def _written(out: Path, pdf: bytes, pages: int, reused: bool) -> dict[str, Any]:
    write_atomic(out, pdf)
    return {
        "path": str(out),
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "pages": pages,
        "bytes": len(pdf),
        "reused": reused,
    }


def render_pdf(
    template: str, context: Mapping[str, Any], form: str, out: Path, cache: Path | None = None
) -> dict[str, Any]:
    """Render ``template`` with ``context`` in målform ``form`` to the PDF file ``out``.

    Returns ``{'path', 'sha256', 'pages', 'bytes', 'reused'}``. The file is
    written atomically (temporary file, then rename); the same context gives
    the same bytes. With a ``cache`` folder, a document whose HTML was rendered
    before is copied from the cache (``reused``).
    """
    return render_many([(template, context, form, Path(out))], processes=1, cache=cache)[0]


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's cpuset), not all of the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def render_many(
    jobs: Sequence[tuple[str, Mapping[str, Any], str, Path]], processes: int | None = None, cache: Path | None = None
) -> list[dict[str, Any]]:
    """Render many documents (letters) in a pool of spawned processes.

    Results come back in the order of ``jobs``. The HTML is made here (cheap);
    documents found in the ``cache`` folder are copied, and only the rest go
    to WeasyPrint. ``processes=None`` uses the CPUs this process may use; ``processes=1``
    (or a single document to render) renders in this process. The first
    failure stops the run with a :class:`RenderError` naming the file.
    """
    store = PdfCache(cache) if cache is not None else None
    results: list[dict[str, Any] | None] = []
    todo: list[tuple[int, tuple[str, Path, Path | None]]] = []
    for template, context, form, out in jobs:
        html = _html_for(template, context, form, Path(out))
        hit = store.get(cache_key(html)) if store else None
        if hit:
            results.append(_written(Path(out), *hit, reused=True))
        else:
            results.append(None)
            todo.append((len(results) - 1, (html, Path(out), cache)))
    workers = min(processes or usable_cpus(), len(todo))
    if workers <= 1:
        rendered = [_render_html_job(job) for _, job in todo]
    else:
        chunksize = max(1, len(todo) // (workers * 4))
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up
        ) as pool:
            rendered = list(pool.map(_render_html_job, [job for _, job in todo], chunksize=chunksize))
    for (index, _), result in zip(todo, rendered):
        results[index] = result
    return results
