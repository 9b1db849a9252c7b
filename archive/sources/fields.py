"""Mapping of export column names (JSONL keys, CSV headers) onto RawArticle fields."""
from __future__ import annotations

from typing import Mapping

from archive.sources import RawArticle

# Common names CMS exports use for each field, lower-cased; first match wins.
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "article_id", "guid", "uid", "identifier"),
    "title": ("title", "headline", "العنوان", "عنوان"),
    "body": ("body", "text", "content", "article_body", "articlebody", "النص", "المحتوى"),
    "date": ("date", "published", "published_at", "pubdate", "datepublished", "publication_date",
             "created", "التاريخ"),
    "section": ("section", "category", "desk", "القسم"),
    "source": ("source", "outlet", "publisher", "المصدر"),
    "url": ("url", "link", "href", "canonical_url", "الرابط"),
    "author": ("author", "byline", "by", "الكاتب"),
    "subtitle": ("subtitle", "subheadline", "deck", "summary", "description"),
}


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = "\n".join(str(v) for v in value if v is not None)
    text = str(value).strip()
    return text or None


def record_from_mapping(obj: Mapping, ref: str, raw: str) -> RawArticle:
    """Build a RawArticle from a dict whose keys are any of the known column names."""
    lowered = {str(k).strip().lower(): v for k, v in obj.items()}
    values = {}
    for field, names in FIELD_NAMES.items():
        for name in names:
            if name in lowered and lowered[name] not in (None, ""):
                values[field] = _text(lowered[name])
                break
    return RawArticle(ref=ref, raw=raw, **values)
