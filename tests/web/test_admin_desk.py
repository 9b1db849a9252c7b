"""The librarian's desk: how many stored articles are not searchable yet, and going back to the
previous index generation from the status page (a page that asks first)."""
from __future__ import annotations

import json

from tests.web.test_admin import admin_app, sign_in  # noqa: F401 (fixture)


def test_status_counts_articles_not_yet_searchable(admin_app, tmp_path):  # noqa: F811
    client = admin_app.test_client()
    sign_in(client)
    page = client.get("/admin/").get_data(as_text=True)
    assert "كل المقالات المخزنة قابلة للبحث." in page
    rows = [{"id": f"n-{i}", "title": f"خبر جديد {i}", "body": "نص الخبر الجديد", "date": f"2019-01-0{i}",
             "section": "politic", "source": "x"} for i in (1, 2)]
    path = tmp_path / "new.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    r = admin_app.test_cli_runner().invoke(args=["ingest", str(path), "--no-reindex"])   # stored, not indexed
    assert r.exit_code == 0, r.output
    page = client.get("/admin/").get_data(as_text=True)
    assert "مقالتان مخزنتان لا يمكن البحث فيهما بعد" in page
    assert admin_app.test_cli_runner().invoke(args=["reindex"]).exit_code == 0
    assert "كل المقالات المخزنة قابلة للبحث." in client.get("/admin/").get_data(as_text=True)


def test_rollback_button_asks_then_switches(admin_app):  # noqa: F811
    client = admin_app.test_client()
    csrf = sign_in(client, lang="en")
    page = client.get("/admin/rollback").get_data(as_text=True)
    assert "there is no earlier complete generation" in page and "Yes, go back" not in page
    before = client.get("/healthz").get_json()["generation"]
    assert admin_app.test_cli_runner().invoke(args=["reindex", "--full"]).exit_code == 0
    after = client.get("/healthz").get_json()["generation"]
    assert after != before
    status = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/rollback"' in status
    page = client.get("/admin/rollback").get_data(as_text=True)
    assert f"Yes, go back to {before}" in page
    assert client.get("/healthz").get_json()["generation"] == after      # asking changed nothing
    assert client.post("/admin/rollback", data={}).status_code == 400    # no CSRF token
    r = client.post("/admin/rollback", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert client.get("/healthz").get_json()["generation"] == before
    assert f"Now serving generation {before}." in client.get(r.location).get_data(as_text=True)


def test_engine_errors_are_said_in_the_readers_language(admin_app, tmp_path, monkeypatch):  # noqa: F811
    """No earlier generation, a search cluster that does not answer, no index yet: the status and
    rollback pages, the API and the CLI say them in Arabic or English (codes + parameters)."""
    client = admin_app.test_client()
    csrf = sign_in(client)                                                   # Arabic pages
    r = client.post("/admin/rollback", data={"csrf_token": csrf})            # one generation only
    assert r.status_code == 409 and "لا يوجد جيل كامل أقدم للعودة إليه" in r.get_data(as_text=True)
    monkeypatch.setenv("ARSHIF_LANG", "ar")
    out = admin_app.test_cli_runner().invoke(args=["index", "rollback"]).output
    assert "لا يوجد جيل كامل أقدم للعودة إليه" in out and "earlier" not in out, out
    monkeypatch.setitem(admin_app.config, "SEARCH_BACKEND", "solr")          # a cluster nobody answers at
    monkeypatch.setitem(admin_app.config, "SOLR_URL", "http://127.0.0.1:9/solr")
    monkeypatch.setitem(admin_app.config, "SOLR_COLLECTION", "arshif")
    page = client.get("/admin/").get_data(as_text=True)
    assert "عنقود Solr: " in page and "the Solr cluster" not in page
    assert client.get("/admin/api/status").get_json()["index_error"].startswith("the Solr cluster: ")  # programs: English
    page = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "the Solr cluster: " in page
    monkeypatch.setenv("ARSHIF_LANG", "en")               # a job that fails at the command line, in English …
    out = admin_app.test_cli_runner().invoke(args=["reindex"])
    assert out.exit_code != 0 and "the Solr cluster: " in out.output
    job = client.get("/admin/api/jobs/3").get_json()
    assert job["status"] == "failed" and job["message"].startswith("the Solr cluster: ")
    page = client.get("/admin/jobs/3?lang=ar").get_data(as_text=True)  # … is said in Arabic on its page
    assert "عنقود Solr: " in page and "the Solr cluster" not in page


def test_no_index_yet_is_said_in_the_asked_language(tmp_path):
    from tests.conftest import build_instance

    app = build_instance(tmp_path / "instance")
    client = app.test_client()
    r = client.get("/api/v1/search?q=العراق&lang=ar")
    assert r.status_code == 503 and r.get_json()["error"] == "لا فهرس بحث بعد: شغّل 'arshif reindex'"
    assert client.get("/api/v1/search?q=العراق").get_json()["error"] == "there is no search index yet: run 'arshif reindex'"


def test_sizes_and_who_started_a_job_are_in_the_page_language(admin_app):  # noqa: F811
    import re

    client = admin_app.test_client()
    sign_in(client)
    ar = client.get("/admin/").get_data(as_text=True)
    assert re.search(r"<td>[\d.,]+ (بايت|كيلوبايت|ميغابايت|غيغابايت)</td>", ar)
    assert not re.search(r"\d (B|KB|MB|GB)<", ar)
    assert "(من سطر الأوامر)" in ar and "(command line)" not in ar          # the reindex build_instance ran
    en = client.get("/admin/?lang=en").get_data(as_text=True)
    assert re.search(r"<td>[\d.,]+ (B|KB|MB|GB)</td>", en) and "</bdi> (command line)" in en
