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
