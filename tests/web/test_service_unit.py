"""docs/arshif.service: systemd restarts Arshif whatever stops it, and it starts a command that
exists with options `arshif serve` takes."""
from __future__ import annotations

import configparser
import shlex

from tests.conftest import ROOT
from web.cli import serve_command


def test_the_shipped_systemd_unit_restarts_arshif_serve():
    unit = configparser.ConfigParser(interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(ROOT / "docs" / "arshif.service", encoding="utf-8")
    service = unit["Service"]
    assert service["Restart"] == "always"
    argv = shlex.split(service["ExecStart"])
    assert argv[0].endswith("/.venv/bin/arshif") and argv[1] == "serve"
    options = {opt for param in serve_command.params for opt in param.opts}
    assert {a for a in argv[2:] if a.startswith("--")} <= options
    assert unit["Install"]["WantedBy"] == "multi-user.target"
