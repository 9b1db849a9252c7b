"""An install from a wheel (not only the editable install `make run` uses) carries every file the
app reads at run time: setup.cfg's package_data must name each template, static file,
catalogue, migration and model, including those in sub-folders added later."""
from __future__ import annotations

import configparser
from pathlib import Path, PurePosixPath

from tests.conftest import ROOT

# The data files each package reads, by folder (relative to the package).
READ_AT_RUN_TIME = {
    "web": ("templates", "static", "translations"),
    "archive": ("migrations",),
    "indexer": ("data",),
}
SKIP_SUFFIXES = {".pyc"}


def _package_data() -> dict[str, list[str]]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return {pkg: [g.strip() for g in globs.replace("\n", ",").split(",") if g.strip()]
            for pkg, globs in cfg["options.package_data"].items()}


def test_package_data_names_every_file_read_at_run_time():
    globs = _package_data()
    missing = []
    for package, folders in READ_AT_RUN_TIME.items():
        base = ROOT / package
        for folder in folders:
            for path in (base / folder).rglob("*"):
                if not path.is_file() or path.suffix in SKIP_SUFFIXES or "__pycache__" in path.parts:
                    continue
                relative = PurePosixPath(path.relative_to(base).as_posix())
                # setuptools globs: '*' does not cross a '/', so each sub-folder needs its own entry
                if relative.suffix == ".py" and (path.parent / "__init__.py").exists():
                    continue  # a module of a package setuptools finds by itself
                if not any(relative.match(g) and len(relative.parts) == len(PurePosixPath(g).parts)
                           for g in globs.get(package, [])):
                    missing.append(f"{package}/{relative}")
    assert not missing, f"not in setup.cfg's [options.package_data]: {missing}"
