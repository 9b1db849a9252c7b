"""The arshif CLI end to end: init, ingest --json, reindex, search --json, rejections, rollback."""
from __future__ import annotations

import json
import re

from tests.conftest import FIXTURES, build_instance, make_app


def test_ingest_json_report_and_exit_codes(tmp_path):
    app = make_app(tmp_path / "instance")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    assert runner.invoke(args=["init"]).exit_code == 0  # safe to repeat
    r = runner.invoke(args=["ingest", str(FIXTURES / "bad.jsonl"), "--json"])
    assert r.exit_code == 0  # completed, even with rejections
    report = json.loads(r.stdout)
    assert list(report) == ["read", "added", "updated", "unchanged", "duplicates", "rejected", "rejections"]
    assert report["read"] == 5 and report["added"] == 2 and report["rejected"] == 3
    assert report["rejections"][0] == {"ref": f"{FIXTURES / 'bad.jsonl'}:2", "code": "bad-json",
                                       "reason": report["rejections"][0]["reason"]}
    r = runner.invoke(args=["rejections", "--json"])
    assert [x["code"] for x in json.loads(r.stdout)["rejections"]] == ["bad-json", "no-body", "bad-date"]
    r = runner.invoke(args=["ingest", str(tmp_path / "nothing-here.jsonl")])
    assert r.exit_code != 0 and "no such file" in r.output


def test_commands_before_init_say_what_to_do(tmp_path):
    app = make_app(tmp_path / "instance")
    r = app.test_cli_runner().invoke(args=["ingest", str(FIXTURES / "news.jsonl")])
    assert r.exit_code != 0 and "arshif init" in r.output


def test_search_json_is_the_api_document(news_app):
    runner = news_app.test_cli_runner()
    r = runner.invoke(args=["search", "اسرائيل", "--section", "politic", "--json"])
    assert r.exit_code == 0, r.output
    cli = json.loads(r.stdout)
    api = news_app.test_client().get("/api/v1/search?q=اسرائيل&section=politic").get_json()
    cli.pop("took_ms"), api.pop("took_ms")
    assert cli == api and cli["total"] == 2
    r = runner.invoke(args=["search", "(سوريا"])
    assert r.exit_code != 0 and "never closed" in r.output


def test_search_counts_in_the_language_of_arshif_lang_or_the_locale(news_app, monkeypatch):
    runner = news_app.test_cli_runner()
    for name in ("ARSHIF_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert runner.invoke(args=["search", "مهرجان"]).output.startswith("1 article (")      # not "1 articles"
    assert runner.invoke(args=["search", "اسرائيل"]).output.startswith("2 articles (")
    monkeypatch.setenv("LANG", "ar_EG.UTF-8")                                             # the locale
    assert runner.invoke(args=["search", "مهرجان"]).output.startswith("مقالة واحدة (")
    monkeypatch.setenv("ARSHIF_LANG", "en")                                               # ARSHIF_LANG wins
    assert runner.invoke(args=["search", "اسرائيل"]).output.startswith("2 articles (")
    monkeypatch.setenv("ARSHIF_LANG", "ar")
    assert runner.invoke(args=["search", "اسرائيل"]).output.startswith("مقالتان (")
    r = runner.invoke(args=["entities", "merge", "e999999", "e1"])
    assert r.exit_code != 0 and "معرّف مدخل غير معروف: e999999" in r.output


def test_reindex_incremental_full_and_rollback(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl")
    runner = app.test_cli_runner()
    client = app.test_client()
    first = client.get("/healthz").get_json()["generation"]
    assert runner.invoke(args=["ingest", str(FIXTURES / "bad.jsonl")]).exit_code == 0
    r = runner.invoke(args=["reindex", "--json"])  # incremental: only the two new articles
    out = json.loads(r.stdout)
    assert out["generation"] == first and out["articles"] == 2 and set(out) == {"generation", "articles", "seconds"}
    assert client.get("/healthz").get_json()["indexed"] == 8  # picked up without a restart
    out = json.loads(runner.invoke(args=["reindex", "--full", "--json"]).stdout)
    assert out["generation"] != first and out["articles"] == 8
    health = client.get("/healthz").get_json()
    assert health["generation"] == out["generation"] and health["indexed"] == 8
    r = runner.invoke(args=["index", "rollback"])
    assert r.exit_code == 0 and first in r.output
    assert client.get("/healthz").get_json()["generation"] == first


def test_arshif_help_lists_arshifs_commands_only():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", "from web.cli import main; main()", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("init", "ingest", "reindex", "search", "sections", "entities", "user", "jobs", "serve"):
        assert f"  {command} " in out, command
    for flask_only in ("--env-file", "--app", "\n  routes ", "\n  shell ", "\n  limiter ", "\n  run "):
        assert flask_only not in out, flask_only
    out = subprocess.run([sys.executable, "-c", "from web.cli import main; main()", "search", "--help"],
                         capture_output=True, text=True, check=True).stdout
    options = [line.strip() for line in out.splitlines() if line.startswith("  --")]
    assert len(options) >= 12
    assert all(len(re.split(r"\s{2,}", line)) >= 2 for line in options), options   # each has its help
