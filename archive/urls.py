"""Canonical article URLs: two spellings of one address are one article.

Scheme and host are lower-cased, default ports, the fragment, a trailing slash and tracking
parameters (``utm_*``, ``fbclid``, ``gclid`` …) are dropped, the remaining query parameters are
kept in their order, and the path is written in its readable (IRI) form: percent-escapes are
decoded, so ``/ar/%D8%A7…`` and ``/ar/ا…`` are the same path (only ``%``, ``?``, ``#`` and spaces
stay escaped; an escaped ``/`` reads as a path separator).
"""
from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that say how a reader arrived, not which article it is.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid",
                             "igshid", "ref", "ref_src", "_ga", "spm", "amp"})
TRACKING_PREFIXES = ("utm_",)
_REESCAPE = str.maketrans({"%": "%25", "?": "%3F", "#": "%23", " ": "%20"})


def _tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The canonical spelling of ``url`` (see the module docstring); text that is not an
    http(s) URL is returned trimmed."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.lower()
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    path = parts.path
    if "%" in path:
        path = unquote(path).translate(_REESCAPE)
    path = path.rstrip("/")
    query = parts.query
    if query:
        query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                           if not _tracking(k)])
    return urlunsplit((scheme, host, path, query, ""))


def is_web_url(url: str | None) -> bool:
    """Whether ``url`` is an absolute http(s) address with a host: the only kind stored and linked
    (``javascript:``, ``data:``, relative or malformed addresses are not)."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def url_key(url: str | None) -> str | None:
    """The indexed lookup key of an article URL: SHA-1 of its canonical spelling (None for none)."""
    if not url or not url.strip():
        return None
    return hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()
