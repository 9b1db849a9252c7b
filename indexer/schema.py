"""The Whoosh schema of an Arshif index generation, and how an article becomes a document."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from archive.dates import bucket_of
from indexer.analysis import exact_analyzer, stemmed_analyzer
from indexer.query import ENTITY_KINDS

# Facet columns: one sortable ID column each, read once per generation into numpy arrays.
FACET_FIELDS = ("section", "source", "year", "month")
TITLE_BOOST = 2.0


def make_schema() -> Schema:
    stemmed = stemmed_analyzer()
    exact = exact_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        # Stemmed fields carry no positions: phrases run on the exact fields.
        title=TEXT(analyzer=stemmed, stored=True, phrase=False),
        body=TEXT(analyzer=stemmed, stored=True, phrase=False),
        title_exact=TEXT(analyzer=exact, phrase=True),
        body_exact=TEXT(analyzer=exact, phrase=True),
        section=ID(stored=True, sortable=True),
        source=ID(stored=True, sortable=True),
        year=ID(sortable=True),
        month=ID(sortable=True),
        # Seconds since the epoch, UTC: sorting and date ranges.
        published=NUMERIC(numtype=int, bits=64, signed=True, stored=True, sortable=True),
        # Entity ids per kind (person, org, place), comma-separated.
        **{kind: KEYWORD(commas=True, scorable=False) for kind in ENTITY_KINDS},
        url=STORED(),
        author=STORED(),
        date_precision=STORED(),
        # [{"id", "name", "type"}] as the archive linked them at ingest, for hits and exports.
        entities=STORED(),
    )


def to_document(article: dict, tz: ZoneInfo) -> dict:
    """The Whoosh document for an article dict from ``archive.store``."""
    published: datetime = article["published_at"]
    if published.tzinfo is None:
        published = published.replace(tzinfo=timezone.utc)
    year, month = bucket_of(published, tz.key)
    body = article["body"]
    if article.get("subtitle"):
        body = article["subtitle"] + "\n\n" + body
    doc = {
        "id": article["id"],
        "title": article["title"],
        "body": body,
        "title_exact": article["title"],
        "body_exact": body,
        "published": int(published.timestamp()),
        "year": year,
        "month": month,
        "date_precision": article.get("date_precision") or "minute",
    }
    for key in ("section", "source", "url", "author"):
        if article.get(key):
            doc[key] = article[key]
    for key in ENTITY_KINDS:
        ids = article.get(key) or ()
        if ids:
            doc[key] = ",".join(ids)
    if article.get("entities"):
        doc["entities"] = article["entities"]
    return doc
