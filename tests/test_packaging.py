"""An install from a wheel (not only the editable install `make run` uses) carries every file the
app reads at run time: setup.cfg's package_data must name each template, static file,
catalogue, migration and model, including those in sub-folders added later."""
from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

from tests.conftest import ROOT

# The data files each package reads, by folder (relative to the package).
READ_AT_RUN_TIME = {
    "web": ("templates", "static", "translations"),
    "archive": ("migrations",),
    "indexer": ("data", "solr/configset"),
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


# What a wheel is built from: the packages and the files setup.cfg names beside them.
SOURCES = ("setup.cfg", "pyproject.toml", "README.md", "LICENSE", "NOTICE", "arabic_text", "archive", "indexer", "web")


def test_a_built_wheel_carries_the_solr_configset(tmp_path):
    """A wheel built from the tree (offline, as `pip wheel` does) holds the Solr configset a
    SolrCloud build uploads, byte for byte, beside the package that reads it."""
    source = tmp_path / "source"
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(path, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                            "--no-index", "--wheel-dir", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("arshif-*.whl")
    configset = ROOT / "indexer" / "solr" / "configset"
    expected = sorted(f.name for f in configset.iterdir() if f.is_file())
    assert expected == ["schema.xml", "solrconfig.xml"]
    with zipfile.ZipFile(wheel) as z:
        shipped = sorted(PurePosixPath(n).name for n in z.namelist() if n.startswith("indexer/solr/configset/"))
        assert shipped == expected
        for name in expected:
            assert z.read(f"indexer/solr/configset/{name}") == (configset / name).read_bytes()
