"""Reader for HTML article pages: main text and metadata by trafilatura, with the page's own
machine-readable metadata (``<link rel=canonical>``, ``og:``/``article:`` meta, JSON-LD,
``<time datetime>``) where trafilatura has nothing or less.

``parse_html`` is the one function that reads a page; the WARC reader calls it for every HTML
response record. A page with no extractable main text gives a RawArticle whose body is None,
which ingest rejects as ``no-body`` (so the rejection says the same as for any other format).
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin

import lxml.html
import trafilatura
from lxml import etree

from archive.sources import BadRecord, RawArticle, Record, open_bytes
from archive.sources.encoding import UndecodableText, decode_text, printable_excerpt

# trafilatura logs every page it finds nothing in; the rejection row already says so.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Decode an HTML document: the charset the server declared, else the page's ``<meta charset>``,
    else the text-file detection of ``decode_text``. Raises UndecodableText."""
    declared = [charset] if charset else []
    m = _META_CHARSET.search(data[:4096])
    if m:
        declared.append(m.group(1).decode("ascii"))
    for name in declared:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_text(data)


def _first(values) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def _meta(tree, *names: str) -> str | None:
    """The content of the first ``<meta property|name|itemprop=…>`` among ``names``."""
    for name in names:
        found = tree.xpath("//meta[@property=$n or @name=$n or @itemprop=$n]/@content", n=name)
        if (value := _first(found)) is not None:
            return value
    return None


def _json_ld(tree) -> list[dict]:
    """The JSON-LD objects of the page (``@graph`` members flattened), unreadable blocks ignored."""
    objects: list[dict] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return objects


def _ld_name(value) -> str | None:
    """A JSON-LD person or organisation as a name: ``"…"``, ``{"name": …}`` or a list of them."""
    if isinstance(value, list):
        return _first([_ld_name(v) for v in value])
    if isinstance(value, dict):
        value = value.get("name")
    return value if isinstance(value, str) else None


def _canonical(tree, base: str | None) -> str | None:
    links = tree.xpath("//link[contains(concat(' ', translate(@rel, 'CANOICL', 'canoicl'), ' '),"
                       " ' canonical ')]/@href")
    for href in [*links, _meta(tree, "og:url")]:
        if not href or not href.strip():
            continue
        url = urljoin(base, href.strip()) if base else href.strip()
        if url.startswith(("http://", "https://")):
            return url
    return None


def _published(tree, ld: list[dict]) -> str | None:
    """A machine-readable publication timestamp, if the page has one."""
    return _first([
        _meta(tree, "article:published_time", "datePublished", "pubdate", "publishdate",
              "date", "dc.date", "DC.date.issued"),
        *(o.get("datePublished") for o in ld),
        *tree.xpath("//article//time/@datetime"),
        *tree.xpath("//time[@itemprop='datePublished' or @pubdate]/@datetime"),
    ])


def _link_texts(tree) -> list[str]:
    """The texts of the page's links, longest first."""
    texts = {" ".join(a.text_content().split()) for a in tree.iter("a")}
    return sorted((t for t in texts if len(t) > 1), key=len, reverse=True)


def _is_link_row(paragraph: str, links: list[str]) -> bool:
    """True for a paragraph made only of link texts (a menu row that extraction kept)."""
    rest = paragraph
    for link in links:
        if link in rest:
            rest = rest.replace(link, " ")
    return not re.search(r"\w", rest)


def _body(text: str | None, title: str | None, links: list[str]) -> str | None:
    """trafilatura's text as paragraphs separated by a blank line, a repeated title and menu
    rows dropped."""
    if not text:
        return None
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs = [p for p in paragraphs if p and not _is_link_row(p, links)]
    if paragraphs and title and paragraphs[0] == " ".join(title.split()):
        paragraphs.pop(0)
    return "\n\n".join(paragraphs) or None


def parse_html(data: bytes, ref: str, *, url: str | None = None,
               charset: str | None = None) -> RawArticle | BadRecord:
    """Read one HTML page. ``url`` is where it was fetched from (a WARC record's target URI):
    it becomes the article URL and the base for relative links; without it the page's
    canonical URL (``<link rel=canonical>``, else ``og:url``) is the article URL."""
    try:
        text = decode_html(data, charset)
    except UndecodableText as exc:
        return BadRecord(ref, "bad-encoding", exc.message, printable_excerpt(data))
    record = RawArticle(ref=ref, raw=text)
    markup = _XML_DECLARATION.sub("", text, count=1)
    try:
        tree = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return record  # an empty or markup-free document: no body, ingest says so
    ld = _json_ld(tree)
    doc = trafilatura.bare_extraction(markup, url=url, with_metadata=True, include_comments=False,
                                      favor_precision=True)
    found = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
    record.title = _first([found.get("title"), _meta(tree, "og:title"),
                           *tree.xpath("//title/text()"), *tree.xpath("//h1//text()")])
    record.body = _body(found.get("text"), record.title, _link_texts(tree))
    record.date = _published(tree, ld) or found.get("date")
    record.author = _first([found.get("author"), _meta(tree, "author", "article:author"),
                            *(_ld_name(o.get("author")) for o in ld)])
    record.section = _first([_meta(tree, "article:section", "articleSection"),
                             *(o.get("articleSection") for o in ld), *(found.get("categories") or [])])
    record.source = _first([_meta(tree, "og:site_name"), found.get("sitename")])
    record.url = url or _canonical(tree, None)
    return record


def read_html(path: Path, ref: str) -> Iterator[Record]:
    """Yield the one record of an HTML file (plain or gzipped)."""
    with open_bytes(path) as fh:
        data = fh.read()
    yield parse_html(data, ref)
