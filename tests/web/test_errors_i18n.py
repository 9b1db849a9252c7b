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
