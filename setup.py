"""The wheel carries samanom's SQL, templates and register beside its code (`pipelines/_data/`).

Everything else is declared in pyproject.toml. These folders stay at the top of the source checkout,
where people read and review them, and `pipelines.paths` finds them in either place.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_FOLDERS = ("sql", "report_templates", "data/reference")  # as pipelines.paths.DATA_FOLDERS


class BuildWithData(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's own folders
            return
        target = Path(self.build_lib) / "pipelines" / "_data"
        for folder in DATA_FOLDERS:
            shutil.copytree(
                folder, target / folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )


setup(cmdclass={"build_py": BuildWithData})
