"""Solr documents carry the Python analyser's own terms (no cluster needed)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from indexer.analysis import analyze, exact_analyzer, stemmed_analyzer
from indexer.schema import to_document
from indexer.solr.documents import preanalysed, solr_document


def test_tokens_are_the_analysers_terms_with_offsets_into_the_original():
    text = "قال وزير الخارجية إنّ المفاوضات في بغداد"
    data = json.loads(preanalysed(stemmed_analyzer(), text, store=True))
    assert data["str"] == text
    assert [t["t"] for t in data["tokens"]] == analyze(stemmed_analyzer(), text)
    for t in data["tokens"]:
        # each term comes from the characters its offsets point at in the original text
        assert analyze(stemmed_analyzer(), text[t["s"]:t["e"]]) == [t["t"]]


def test_dropped_stop_words_leave_their_positions_empty():
    text = "وزير في بغداد"  # في is a stop word
    stemmed = json.loads(preanalysed(stemmed_analyzer(), text, store=False))["tokens"]
    exact = json.loads(preanalysed(exact_analyzer(), text, store=False))["tokens"]
    assert [t.get("i", 1) for t in stemmed] == [1, 2]
    assert [t.get("i", 1) for t in exact] == [1, 1, 1]
    assert "str" not in json.loads(preanalysed(exact_analyzer(), text, store=False))


def test_solr_document_is_the_whoosh_document_with_lists_for_entities():
    article = {"id": "a1", "title": "عنوان", "body": "نص الخبر", "subtitle": "عنوان فرعي",
               "published_at": datetime(2020, 12, 31, 23, 30, tzinfo=timezone.utc), "section": "politic",
               "source": "مصدر", "person": ["e1", "e2"], "place": [],
               "entities": [{"id": "e1", "name": "أحمد", "type": "person"}]}
    doc = solr_document(to_document(article, ZoneInfo("Asia/Baghdad")))
    assert doc["id"] == "a1" and doc["section"] == "politic"
    assert doc["year"] == "2021" and doc["month"] == "2021-01"  # local time in Baghdad
    assert doc["person"] == ["e1", "e2"] and "place" not in doc
    assert json.loads(doc["entities"]) == article["entities"]
    body = json.loads(doc["body"])
    assert body["str"] == "عنوان فرعي\n\nنص الخبر"
    assert "str" not in json.loads(doc["body_exact"])


def test_a_stored_value_without_terms_goes_inside_a_tokenless_document_and_reads_back():
    from indexer.solr.documents import stored_text

    for text in ("من هو؟", '"', "؟ - « »"):
        data = json.loads(preanalysed(stemmed_analyzer(), text, store=True))
        assert data["tokens"] == []
        inner = json.loads(data["str"])   # what Solr analyses again: no tokens, no error
        assert inner["tokens"] == [] and stored_text(data["str"]) == text
    assert stored_text("وزير الثقافة") == "وزير الثقافة"
