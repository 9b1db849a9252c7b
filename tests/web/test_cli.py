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
    assert list(report) == ["read", "added", "updated", "unchanged", "duplicates", "rejected", "rejections",
                            "reindex"]
    assert report["read"] == 5 and report["added"] == 2 and report["rejected"] == 3
    # the reindex that followed (a full one: there was no index yet)
    assert report["reindex"]["articles"] == 2 and isinstance(report["reindex"]["job"], int)
    assert report["rejections"][0] == {"ref": f"{FIXTURES / 'bad.jsonl'}:2", "code": "bad-json",
                                       "reason": report["rejections"][0]["reason"]}
    r = runner.invoke(args=["rejections", "--json"])
    assert [x["code"] for x in json.loads(r.stdout)["rejections"]] == ["bad-json", "no-body", "bad-date"]
    r = runner.invoke(args=["ingest", str(tmp_path / "nothing-here.jsonl")])
    assert r.exit_code != 0 and "no such file" in r.output


def test_a_failed_ingest_says_why_here_in_the_jobs_and_on_the_runs_page(tmp_path, monkeypatch):
    from tests.web.test_admin import sign_in

    app = build_instance(tmp_path / "instance", RATELIMIT_ENABLED=False)
    runner = app.test_cli_runner()
    runner.invoke(args=["user", "add", "mona", "--password-stdin"], input="a-long-password\n")
    missing = tmp_path / "nothing-here.jsonl"
    r = runner.invoke(args=["ingest", str(missing)])
    assert r.exit_code == 1
    why = f"nothing could be read: {missing}: no such file or directory"
    assert f"ingest run 1 failed: {why}" in r.output
    binary = tmp_path / "scan.jsonl"
    binary.write_bytes(bytes(range(256)) * 4)
    r = runner.invoke(args=["ingest", str(binary), "--json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["rejections"][0]["code"] == "bad-encoding"
    jobs = json.loads(runner.invoke(args=["jobs", "--json"]).stdout)
    assert [(j["kind"], j["status"]) for j in jobs] == [("ingest", "failed")] * 2
    assert jobs[1]["message"] == f"ingest run 1 failed: {why}"
    client = app.test_client()
    sign_in(client, lang="en")
    page = client.get("/admin/runs").get_data(as_text=True)
    assert page.count(">failed<") == 2 and f"<bdi>{missing}</bdi>: no such file or directory" in page
    assert "the file is binary" in page
    # the reasons are stored as templates with parameters, and said in the reader's language
    page = client.get("/admin/runs?lang=ar").get_data(as_text=True)
    assert f"لم يمكن قراءة شيء: <bdi>{missing}</bdi>: لا ملف ولا مجلد بهذا الاسم" in page
    assert "الملف ثنائي" in page and "no such file" not in page and "binary" not in page
    monkeypatch.setenv("ARSHIF_LANG", "ar")
    arabic = runner.invoke(args=["ingest", str(missing)]).output
    assert f"عملية الإدخال 3 فشلت: لم يمكن قراءة شيء: {missing}: لا ملف ولا مجلد بهذا الاسم" in arabic, arabic
    jobs = runner.invoke(args=["jobs"]).output
    assert f"فشلت عملية الإدخال 3: لم يمكن قراءة شيء: {missing}" in jobs and " failed " not in jobs, jobs


def test_new_articles_are_searchable_after_ingest_unless_told_otherwise(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl")
    runner = app.test_cli_runner()
    client = app.test_client()
    r = runner.invoke(args=["ingest", str(FIXTURES / "bad.jsonl")])
    assert r.exit_code == 0, r.output
    assert re.search(r"reindex job \d+: incremental update: 2 articles into generation", r.output)
    assert client.get("/api/v1/search?q=الرياضة").get_json()["total"] == 1  # b-005, no second step
    ingest_job, reindex_job = json.loads(runner.invoke(args=["jobs", "--json"]).stdout)[1::-1]
    assert ingest_job["result"]["reindex_job"] == reindex_job["id"] and reindex_job["status"] == "completed"
    assert reindex_job["started_by"] == ingest_job["started_by"]
    # An unchanged file stores nothing: no reindex job.
    out = json.loads(runner.invoke(args=["ingest", str(FIXTURES / "bad.jsonl"), "--json"]).stdout)
    assert out["unchanged"] == 2 and out["reindex"] is None
    # Off for one run, and off in the configuration: stored, not searchable yet.
    later = tmp_path / "later.jsonl"
    rows = [{"id": f"l-{i}", "title": f"مزاد الخيول العربية {i}", "body": "أقيم مزاد الخيول في الحلبة.",
             "date": "2019-03-0%d" % i} for i in (1, 2)]
    for i, row in enumerate(rows):
        later.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
        if i == 0:
            out = json.loads(runner.invoke(args=["ingest", str(later), "--json", "--no-reindex"]).stdout)
        else:
            app.config["AUTO_REINDEX"] = False
            out = json.loads(runner.invoke(args=["ingest", str(later), "--json"]).stdout)
        assert out["added"] == 1 and out["reindex"] is None
    assert client.get("/api/v1/search?q=مزاد").get_json()["total"] == 0
    assert client.get("/healthz").get_json()["indexed"] == 8


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
    out = runner.invoke(args=["search", "اسرائيل"]).output
    assert out.startswith("مقالتان (") and " ملي ثانية)" in out.splitlines()[0] and " ms)" not in out
    r = runner.invoke(args=["entities", "merge", "e999999", "e1"])
    assert r.exit_code != 0 and "معرّف مدخل غير معروف: e999999" in r.output


def test_reindex_incremental_full_and_rollback(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl")
    runner = app.test_cli_runner()
    client = app.test_client()
    first = client.get("/healthz").get_json()["generation"]
    assert runner.invoke(args=["ingest", str(FIXTURES / "bad.jsonl"), "--no-reindex"]).exit_code == 0
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



def test_librarian_commands_speak_arabic_under_arshif_lang(tmp_path, monkeypatch):
    """ingest (with its follow-up reindex), rejections, reindex, rollback and the housekeeping
    commands report in the command line's language, as search does."""
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl")
    runner = app.test_cli_runner()
    monkeypatch.setenv("ARSHIF_LANG", "ar")
    out = runner.invoke(args=["ingest", str(FIXTURES / "bad.jsonl")])
    assert out.exit_code == 0, out.output
    assert re.search(r"عملية الإدخال \d+ اكتملت: قُرئ 5، أُضيف 2، حُدّث 0، دون تغيير 0، مكرر 0، مرفوض 3", out.output), out.output
    assert "تحديث تدريجي: مقالتان في الجيل" in out.output  # the reindex that followed
    assert "  رُفض " in out.output
    rejected = runner.invoke(args=["rejections"]).output
    assert rejected.startswith("عملية الإدخال ") and "المرفوض" in rejected
    full = runner.invoke(args=["reindex", "--full"]).output
    assert full.startswith("إعادة بناء كاملة: ") and "8 مقالات في الجيل" in full
    assert runner.invoke(args=["index", "rollback"]).output.startswith("يُخدم الآن الجيل ")
    added = runner.invoke(args=["user", "add", "huda", "--password-stdin"], input="a long enough password\n")
    assert added.exit_code == 0 and added.output.startswith("أُضيف huda"), added.output
    assert runner.invoke(args=["user", "disable", "huda"]).output.startswith("عُطّل huda")
    for output in (out.output, rejected, full):
        english = re.findall(r"\b(ingest run|read|added|rejected|incremental|articles|generation)\b", output)
        assert not english, (english, output)
    monkeypatch.setenv("ARSHIF_LANG", "en")
    assert runner.invoke(args=["reindex", "--full"]).output.startswith("full rebuild: 8 articles into generation ")

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


def _help_page(lang: str, *args: str) -> str:
    import os
    import subprocess
    import sys
    env = {**os.environ, "ARSHIF_LANG": lang}
    return subprocess.run([sys.executable, "-c", "from web.cli import main; main()", *args, "--help"],
                          capture_output=True, text=True, check=True, env=env).stdout


def test_help_pages_speak_the_language_of_arshif_lang():
    """Help texts and Click's own words come from the catalogue (web/catalogs.py extracts them,
    so test_catalogs fails while one lacks its Arabic)."""
    import inspect
    from web.cli import ingest_command
    from web.console import help_texts

    english = list(help_texts(ingest_command))
    page = _help_page("ar", "ingest")
    assert page.startswith("الاستخدام: arshif ingest"), page
    for arabic in ("الخيارات", "طباعة التقرير كائنًا واحدًا بصيغة JSON.", "عرض هذه الرسالة والخروج."):
        assert arabic in page
    for text in english:  # no English sentence left (Click re-wraps lines: compare the first words)
        assert " ".join(text.split()[:4]) not in " ".join(page.split()), text
    top = _help_page("ar")
    assert "الأوامر" in top and "حسابات أمناء المكتبة." in top  # the command list's short help too
    page = _help_page("en", "ingest")
    assert page.startswith("Usage: arshif ingest")
    assert inspect.cleandoc(ingest_command.help).split()[0] in page and "Print the report as one JSON object." in page


def _usage_error(lang: str, *args: str) -> str:
    import os
    import subprocess
    import sys
    env = {**os.environ, "ARSHIF_LANG": lang}
    done = subprocess.run([sys.executable, "-c", "from web.cli import main; main()", *args],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 2, done
    return done.stderr


def test_click_usage_errors_speak_the_language_of_arshif_lang():
    """Click's own messages (an unknown option or command, a bad value, "Error:", "Try … for
    help") come from the catalogue too: web/catalogs.py extracts them from Click's source."""
    from web.console import click_messages

    page = _usage_error("ar", "ingest", "--bogus")
    assert "خطأ: لا يوجد خيار باسم '--bogus'." in page and "للمساعدة جرّب 'arshif ingest --help'." in page
    assert page.startswith("الاستخدام: arshif ingest")
    assert not any(english in page for english in ("Error", "No such option", "Try ", "Usage"))
    page = _usage_error("ar", "nosuch")
    assert "لا يوجد أمر باسم 'nosuch'." in page and "No such command" not in page
    page = _usage_error("ar", "ingest", "--format", "xml", "x")
    assert "قيمة غير صالحة لـ" in page and "Invalid value" not in page
    assert "Error: No such option '--bogus'." in _usage_error("en", "ingest", "--bogus")
    messages = [m[0] if isinstance(m, tuple) else m for m in click_messages()]
    assert "Error: {message}" in messages and "Got unexpected extra argument ({args})" in messages


def test_ingest_if_changed_reads_a_folder_again_only_when_its_files_changed(tmp_path):
    import shutil

    from archive.runs import list_runs

    app = build_instance(tmp_path / "instance")
    runner = app.test_cli_runner()
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(FIXTURES / "news.jsonl", folder / "news.jsonl")
    args = ["ingest", "--if-changed", str(folder), "--json", "--no-reindex"]
    assert json.loads(runner.invoke(args=args).stdout)["added"] == 6
    r = runner.invoke(args=args)
    assert r.exit_code == 0 and json.loads(r.stdout)["read"] == 0 and "nothing to do" in r.stderr
    assert runner.invoke(args=["ingest", str(folder), "--json", "--no-reindex"]).exit_code == 0  # without: read
    shutil.copy(FIXTURES / "bad.jsonl", folder / "more.jsonl")                                   # a new file
    assert json.loads(runner.invoke(args=args).stdout)["added"] == 2
    assert [r.added for r in list_runs(app.extensions["arshif.db"])] == [2, 0, 6]


def test_serve_gives_the_workers_fixed_mmap_and_trim_thresholds(tmp_path, monkeypatch):
    """`arshif serve` starts gunicorn with glibc's MALLOC_MMAP_THRESHOLD_ and
    MALLOC_TRIM_THRESHOLD_ set from SERVE_MMAP_THRESHOLD and SERVE_TRIM_THRESHOLD, unless the
    environment sets them; 0 leaves glibc's own."""
    import os

    variables = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
    started = []
    monkeypatch.delenv("ARSHIF_INSTANCE", raising=False)  # serve sets it for gunicorn: put back after
    monkeypatch.setattr(os, "execv", lambda path, argv: started.append(
        (argv, tuple(os.environ.get(v) for v in variables))))
    for config, preset, expected in (
            ({}, {}, (str(4 * 2**20), str(16 * 2**20))),
            ({}, {"MALLOC_MMAP_THRESHOLD_": "65536"}, ("65536", str(16 * 2**20))),
            ({"SERVE_MMAP_THRESHOLD": 0, "SERVE_TRIM_THRESHOLD": 0}, {}, (None, None)),
            ({"SERVE_TRIM_THRESHOLD": 2**20}, {}, (str(4 * 2**20), str(2**20)))):
        for v in variables:
            if v in preset:
                monkeypatch.setenv(v, preset[v])
            else:
                monkeypatch.delenv(v, raising=False)
        app = make_app(tmp_path / "instance", **config)
        assert app.test_cli_runner().invoke(args=["serve", "--port", "5999"]).exit_code == 0
        argv, thresholds = started.pop()
        assert "gunicorn" in argv and thresholds == expected
