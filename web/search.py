"""Public pages: the search page and the article page (right-to-left, Arabic first)."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request

from archive.store import get_article
from indexer.generations import NoIndex
from indexer.search import SearchError, SearchRequest, SearchTimeout

bp = Blueprint("search", __name__)

FACET_TITLES = {
    "ar": {"date": "التاريخ", "section": "القسم", "source": "المصدر", "person": "أشخاص",
           "org": "منظمات", "place": "أماكن"},
    "en": {"date": "Date", "section": "Section", "source": "Source", "person": "People",
           "org": "Organisations", "place": "Places"},
}
FACET_ORDER = ("date", "section", "source", "person", "org", "place")


def current_lang() -> str:
    lang = request.args.get("lang")
    return lang if lang in ("ar", "en") else "ar"


def _url(params: list[tuple[str, str]]) -> str:
    lang = current_lang()
    if lang != "ar":
        params = params + [("lang", lang)]
    return "/search" + ("?" + urlencode(params) if params else "")


def _toggle(req: SearchRequest, facet: str, value: str) -> str:
    values = list(getattr(req, facet))
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    if facet == "date":
        # Picking a month replaces its year, and the other way round: one date bucket at a time.
        values = [v for v in values if v == value or not (v.startswith(value) or value.startswith(v))]
    return _url(req.params(**{facet: values, "page": 1}))


@bp.get("/")
@bp.get("/search")
def search_page():
    lang = current_lang()
    service = current_app.extensions["arshif.search"]
    error = None
    status = 200
    result = None
    req = SearchRequest()
    try:
        req = SearchRequest.from_params(request.args.getlist)
        result = service.search(req)
    except SearchError as exc:
        error = exc.message_ar if lang == "ar" else exc.message
        status = 400
        req.query = request.args.get("q", "")[:1000]
    except SearchTimeout as exc:
        error = exc.message_ar if lang == "ar" else exc.message
        status = 503
    except NoIndex:
        error = ("لا يوجد فهرس بعد: شغّل ‎arshif reindex‎" if lang == "ar"
                 else "There is no search index yet: run 'arshif reindex'.")
        status = 503
    facets = []
    if result is not None:
        for name in FACET_ORDER:
            facet = result.facets[name]
            if facet.values:
                facets.append((name, FACET_TITLES[lang][name],
                               [(v, _toggle(req, name, v.value)) for v in facet.values]))
    pages = []
    if result is not None and result.total:
        last = result.pages
        window = range(max(1, result.page - 3), min(last, result.page + 3) + 1)
        pages = [(p, _url(req.params(page=p)), p == result.page) for p in window]
    return render_template(
        "search.html", lang=lang, req=req, result=result, error=error, facets=facets,
        pages=pages, any_filter=any(getattr(req, f) for f in ("section", "source", "person", "org",
                                                                  "place", "date"))
        or bool(req.date_from or req.date_to),
        clear_url=_url([("q", req.query)] if req.query else []),
        sort_urls={s: _url(req.params(sort=s, page=1)) for s in ("relevance", "newest", "oldest")},
        prev_url=_url(req.params(page=result.page - 1)) if result and result.page > 1 else None,
        next_url=_url(req.params(page=result.page + 1)) if result and result.page < result.pages else None,
        suggestion_url=_url(req.params(query=result.suggestion, page=1)) if result and result.suggestion else None,
    ), status


@bp.get("/article/<article_id>")
def article_page(article_id: str):
    article = get_article(current_app.extensions["arshif.db"], article_id)
    if article is None:
        abort(404)
    paragraphs = [p.strip() for p in article["body"].split("\n") if p.strip()]
    try:
        related = current_app.extensions["arshif.search"].related(article_id)
    except NoIndex:
        related = []
    return render_template("article.html", lang=current_lang(), article=article, paragraphs=paragraphs,
                           related=related)
