"""Errors and notices from the search core carry a message template and its parameters; the
pages, the API, the feeds and the CLI say them in their reader's language."""
from __future__ import annotations


def test_query_errors_in_the_page_language(client):
    ar = client.get('/search?q=سوريا "خلية اتصال').get_data(as_text=True)
    assert "علامة التنصيص في الموضع 7 غير مغلقة" in ar and "never closed" not in ar
    en = client.get('/search?q=سوريا "خلية اتصال&lang=en').get_data(as_text=True)
    assert "the quotation mark at position 7 is never closed" in en and "غير مغلقة" not in en
    ar = client.get("/search?from=2019&to=2018&lang=ar").get_data(as_text=True)
    assert "تاريخ 'from' بعد تاريخ 'to'" in ar or "تاريخ &#39;from&#39; بعد تاريخ &#39;to&#39;" in ar


def test_api_and_feed_errors_follow_the_asked_language(client):
    assert "never closed" in client.get('/api/v1/search?q="خلية').get_json()["error"]
    assert "غير مغلقة" in client.get('/api/v1/search?q="خلية&lang=ar').get_json()["error"]
    assert "غير مغلقة" in client.get('/search.csv?q="خلية', headers={"Accept-Language": "ar"}).get_json()["error"]


def test_notices_are_translated(client):
    ar = client.get("/search?page=200&lang=ar").get_data(as_text=True)
    assert "لا يمكن التصفح إلا في أول 1,000 نتيجة" in ar and "Only the first" not in ar
    en = client.get("/search?page=200&lang=en").get_data(as_text=True)
    assert "Only the first 1,000 results can be paged through" in en
    assert client.get("/api/v1/search?page=200").get_json()["notices"][0].startswith("Only the first 1,000 results")


def test_a_query_of_only_common_words_is_searched_as_written_and_the_reader_told(client):
    import json

    from indexer.plan import exact_words
    from tests.conftest import FIXTURES

    rows = [json.loads(line) for line in (FIXTURES / "news.jsonl").read_text(encoding="utf-8").splitlines()]
    holding = {r["id"] for r in rows if "في" in exact_words(f"{r['title']} {r['body']}")}
    assert 0 < len(holding) < len(rows)            # the fixture can tell "as written" from "everything"
    api = client.get("/api/v1/search?q=في&per_page=100").get_json()
    assert {h["id"] for h in api["hits"]} == holding
    assert api["notices"] == ["The query has only very common words (such as في or من): they were searched "
                              "exactly as written, in the articles that contain them."]
    ar = client.get("/search?q=في&lang=ar").get_data(as_text=True)
    assert "كل كلمات البحث من الكلمات الشائعة جدًا" in ar and "very common" not in ar
    en = client.get("/search?q=في&lang=en").get_data(as_text=True)
    assert "The query has only very common words" in en
    assert "very common" not in client.get("/search?q=في سوريا&lang=en").get_data(as_text=True)
    nothing = client.get("/api/v1/search?q=؟؟").get_json()
    assert nothing["total"] == len(rows) and nothing["notices"] == [
        "The query has no word that can be searched; showing all articles."]


def test_stored_rejection_reasons_are_said_in_the_readers_language(tmp_path, monkeypatch):
    """Rejections and a run's reason are stored as template + parameters: the run page says them
    in Arabic or English (each parameter isolated in <bdi>), the JSON column is the same number in
    both, a row stored before 0009 (English text only) still shows, and the CLI follows ARSHIF_LANG."""
    from sqlalchemy import text

    from tests.conftest import FIXTURES, build_instance
    from tests.web.test_admin import PASSWORD, sign_in

    app = build_instance(tmp_path / "instance", RATELIMIT_ENABLED=False)
    runner = app.test_cli_runner()
    runner.invoke(args=["user", "add", "mona", "--password-stdin"], input=PASSWORD + "\n")
    assert runner.invoke(args=["ingest", str(FIXTURES / "bad.jsonl")]).exit_code == 0
    db = app.extensions["arshif.db"]
    with db.engine.begin() as conn:  # as 0008 and earlier stored it: English words only
        conn.execute(text("INSERT INTO rejections (run_id, ref, code, reason, created_at) VALUES "
                          "(1, 'old.jsonl:9', 'bad-json', 'an old reason in English', '2025-01-01')"))
    client = app.test_client()
    sign_in(client, lang="ar")
    ar = client.get("/admin/runs/1").get_data(as_text=True)
    column = len('{"id": "b-002", "title": "سطر مكسور", "body": ') + 1
    assert f"ليس JSON صالحًا: كان المتوقع قيمة عند العمود <bdi>{column}</bdi>، نهاية السطر" in ar
    assert "ليس للسجل نص" in ar
    assert "تاريخ غير صالح <bdi>&#39;31 فبراير 2019&#39;</bdi>: اليوم <bdi>31</bdi> خارج النطاق" in ar
    assert "فعدد أيام فبراير <bdi>2019</bdi> هو <bdi>28</bdi>" in ar
    assert "<bdi>an old reason in English</bdi>" in ar                      # never lost
    assert not [w for w in ("not valid JSON", "Expecting", "no body", "out of range", "February") if w in ar]
    en = client.get("/admin/runs/1?lang=en").get_data(as_text=True)
    assert f"not valid JSON: Expecting value at column <bdi>{column}</bdi>, the end of the line" in en
    assert "February <bdi>2019</bdi> has <bdi>28</bdi> days" in en
    monkeypatch.setenv("ARSHIF_LANG", "ar")
    listed = runner.invoke(args=["rejections", "--run", "1"]).output
    assert f"bad-json: ليس JSON صالحًا: كان المتوقع قيمة عند العمود {column}" in listed
    assert "no-body: ليس للسجل نص" in listed and "an old reason in English" in listed
    monkeypatch.setenv("ARSHIF_LANG", "en")
    assert "no-body: the record has no body text" in runner.invoke(args=["rejections", "--run", "1"]).output
