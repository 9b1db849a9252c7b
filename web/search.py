"""Public pages: the search page and the article page (right-to-left, Arabic first)."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext

from archive.authority import entity_info
from archive.store import get_article
from indexer.generations import NoIndex
from indexer.facets import FACET_NAMES
from indexer.search import (ENTITY_KINDS, FILTER_PARAMS, SORTS, SearchError, SearchRequest, SearchResult,
                            SearchTimeout)
from web.feeds import EXPORT_FORMATS
from web.i18n import current_lang, date_label, digits, number
from web import sections
from web.labels import error_text, label
from web.sections import section_label
from web.links import search_params
from web.security import public_url

bp = Blueprint("search", __name__)

FACET_TITLES = {"date": lazy_gettext("Date"), "section": lazy_gettext("Section"),
                "source": lazy_gettext("Source"), "person": lazy_gettext("People"),
                "org": lazy_gettext("Organisations"), "place": lazy_gettext("Places")}
FACET_ORDER = ("date", *(name for name in FACET_NAMES if name != "date"))   # the page shows dates first


def _url(params: list[tuple[str, str]], path: str = "/search", keep_lang: bool = True) -> str:
    lang = current_lang()
    if keep_lang and lang != "ar":
        params = params + [("lang", lang)]
    return path + ("?" + urlencode(params) if params else "")


def histogram(req: SearchRequest, result: SearchResult) -> dict | None:
    """Bars of matching articles by year, or by month of the one selected year, with the
    date facet's toggle links (gaps filled with empty bars so that time reads evenly)."""
    values = result.facets["date"].values
    months = [v for v in values if len(v.value) == 7]
    if months:
        year = months[0].value[:4]
        by_value = {v.value: v for v in months}
        keys = [f"{year}-{m:02d}" for m in range(1, 13)]
        unit = "month"
    else:
        years = [v for v in values if len(v.value) == 4]
        if not years:
            return None
        by_value = {v.value: v for v in years}
        first, last = int(years[0].value), int(years[-1].value)
        keys = [str(y) for y in range(first, last + 1)]
        unit = "year"
    bars = []
    for key in keys:
        v = by_value.get(key)
        count = v.count if v else 0
        label = date_label(key)
        if unit == "year":
            short = label
        else:  # month names are too wide for a bar: "Jan" in English, the month's number in Arabic
            short = label[:3] if current_lang() == "en" else digits(key[5:])
        bars.append({"value": key, "label": label, "short": short,
                     "count": count, "selected": bool(v and v.selected),
                     "url": _toggle(req, "date", key) if count or (v and v.selected) else None,
                     "title": _("%(label)s: %(count)s articles", label=label, count=number(count))})
    top = max(b["count"] for b in bars) or 1
    width, gap, height = 36, 6, 120
    rtl = current_lang() == "ar"
    for i, b in enumerate(bars):
        pos = len(bars) - 1 - i if rtl else i  # time runs in the reading direction
        b["x"] = pos * (width + gap)
        b["h"] = max(2, round(b["count"] / top * height)) if b["count"] else 0
        b["y"] = height - b["h"] + 18
    return {"unit": unit, "bars": bars, "bar_width": width, "height": height + 40,
            "width": len(bars) * (width + gap) - gap, "label_y": height + 36}


def _toggle(req: SearchRequest, facet: str, value: str) -> str:
    values = list(getattr(req, facet))
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    if facet == "date":
        # Picking a month replaces its year, and the other way round: one date bucket at a time.
        values = [v for v in values if v == value or not (v.startswith(value) or value.startswith(v))]
    return _url(search_params(req, **{facet: values, "page": 1}))


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
        result = service.search(sections.resolve(req))
    except SearchError as exc:
        error = error_text(exc)
        status = 400
        req.query = request.args.get("q", "")[:1000]
    except SearchTimeout as exc:
        error = error_text(exc)
        status = 503
    except NoIndex:
        error = _("There is no search index yet: run 'arshif reindex'.")
        status = 503
    facets = []
    if result is not None:
        for name in FACET_ORDER:
            facet = result.facets[name]
            if facet.values:
                # The cached result is shared between languages: labels are made here, not stored.
                facets.append((name, FACET_TITLES[name],
                               [(v, _toggle(req, name, v.value),
                                 date_label(v.value) if name == "date"
                                 else section_label(v.value) if name == "section" else v.label)
                                for v in facet.values]))
    pages = []
    if result is not None and result.total:
        last = result.pages
        window = range(max(1, result.page - 3), min(last, result.page + 3) + 1)
        pages = [(p, _url(search_params(req, page=p)), p == result.page) for p in window]
    return render_template(
        "search.html", req=req, result=result, error=error, facets=facets,
        pages=pages, any_filter=any(getattr(req, f) for f in FILTER_PARAMS) or bool(req.date_from or req.date_to),
        clear_url=_url([("q", req.query)] if req.query else []),
        sort_urls={s: _url(search_params(req, sort=s, page=1)) for s in SORTS},
        prev_url=_url(search_params(req, page=result.page - 1)) if result and result.page > 1 else None,
        next_url=_url(search_params(req, page=result.page + 1)) if result and result.page < result.pages else None,
        suggestion_url=_url(search_params(req, query=result.suggestion, page=1)) if result and result.suggestion else None,
        histogram=histogram(req, result) if result is not None and result.total else None,
        # Not in the template: Jinja's ngettext would format the count before we could.
        count_text=ngettext("%(count)s result", "%(count)s results", result.total, count=number(result.total))
        if result is not None else "",
        permalink=public_url(_url(search_params(req))),
        export_urls={ext: _url(search_params(req, page=1, per_page=10), f"/search.{ext}", keep_lang=False)
                     for ext in EXPORT_FORMATS},
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
    return render_template("article.html", article=article, paragraphs=paragraphs, related=related,
                           permalink=public_url(request.path))


@bp.get("/entity/<entity_id>")
def entity_page(entity_id: str):
    """An authority entry: its name and spellings, how much the archive covers it and when,
    and the latest articles that mention it."""
    info = entity_info(current_app.extensions["arshif.db"], entity_id)
    if info is None:
        abort(404)
    if info["merged_into"]:
        return redirect(_url([], path=f"/entity/{info['merged_into']}"), code=301)
    req = SearchRequest(sort="newest")
    if info["type"] in ENTITY_KINDS:
        setattr(req, info["type"], [info["id"]])
    result = None
    try:
        if info["type"] in ENTITY_KINDS:
            result = current_app.extensions["arshif.search"].search(req)
    except (NoIndex, SearchTimeout):
        result = None
    return render_template(
        "entity.html", entity=info, kind_title=label("entity", info["type"]),
        result=result, histogram=histogram(req, result) if result and result.total else None,
        search_url=_url(search_params(req, sort="relevance")))
