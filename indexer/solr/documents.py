"""The Solr document of an article: ``indexer.schema.to_document`` (the same fields the Whoosh
engine indexes), with each text field's terms made by Arshif's own analysers and sent as
PreAnalyzedField JSON — terms, character offsets into the original text and position
increments — so Solr indexes exactly the terms Whoosh indexes."""
from __future__ import annotations

import json

from indexer.analysis import exact_analyzer, stemmed_analyzer
from indexer.query import ENTITY_KINDS

# Solr field → the analyser of its terms, and whether the original text is stored with it.
_STEMMED = stemmed_analyzer()
_EXACT = exact_analyzer()
TOKENLESS = '{"v":"1","tokens":[],"str":'   # how a stored value without tokens is kept
TEXT_FIELDS = {"title": (_STEMMED, True), "body": (_STEMMED, True),
               "title_exact": (_EXACT, False), "body_exact": (_EXACT, False)}


def preanalysed(analyzer, text: str, store: bool) -> str:
    """PreAnalyzedField JSON of ``text``: one token per term the analyser keeps, with its
    position increment (``i``, left out when 1) and, for a stored field, its offsets into the
    original text (``s``, ``e``; an unstored field has no text to point into, and leaving them
    out makes requests a third smaller). Stop words the stemmed analyser drops leave their
    positions empty, as in Whoosh (increments above 1)."""
    tokens = []
    last = -1
    for t in analyzer(text, positions=True, chars=store, removestops=True):
        token = {"t": t.text, "s": t.startchar, "e": t.endchar} if store else {"t": t.text}
        if t.pos - last != 1:
            token["i"] = t.pos - last
        last = t.pos
        tokens.append(token)
    out = {"v": "1", "tokens": tokens}
    if store:
        # A stored value that comes without tokens (a title of stop words only, a body of
        # punctuation) is analysed again by Solr, with the pre-analysed parser: it would fail
        # on plain text, so the text goes stored inside a token-less pre-analysed document.
        out["str"] = text if tokens else TOKENLESS + json.dumps(text, ensure_ascii=False) + "}"
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def stored_text(value: str) -> str:
    """The original text of a stored title or body (see ``preanalysed``)."""
    if value.startswith(TOKENLESS) and value.endswith("}"):
        try:
            return json.loads(value[len(TOKENLESS):-1])
        except ValueError:
            pass
    return value


def solr_document(doc: dict) -> dict:
    """The Solr document for a document from ``indexer.schema.to_document``."""
    out = {}
    for key, value in doc.items():
        if key in TEXT_FIELDS:
            analyzer, store = TEXT_FIELDS[key]
            out[key] = preanalysed(analyzer, value, store)
        elif key in ENTITY_KINDS:
            out[key] = [v for v in value.split(",") if v]
        elif key == "entities":
            out[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            out[key] = value
    return out
