"""Public pages: the search page and the article page (right-to-left, Arabic first)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext

from markupsafe import Markup, escape

from archive.authority import entity_info
from archive.store import get_article
from indexer.generations import NoIndex
from indexer.facets import FACET_NAMES
from indexer.highlight import highlight_all
from indexer.plan import prepare
from indexer.query import QueryError, parse
from indexer.search import (ENTITY_KINDS, FILTER_PARAMS, SORTS, SearchError, SearchRequest, SearchResult,
                            SearchTimeout)
from web.feeds import EXPORT_FORMATS, authors
from web.i18n import current_lang, date_label, long_date, month_name, number
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
        # A month bar is named by its month, as the hits' dates name it (ARABIC_LOCALE: يناير, or
        # كانون الثاني for ar_IQ, on two lines); "Jan" in English.
        short = label if unit == "year" else month_name(int(key[5:]), width="abbreviated")
        bars.append({"value": key, "label": label, "short": short.split(),
                     "count": count, "selected": bool(v and v.selected),
                     "url": _toggle(req, "date", key) if count or (v and v.selected) else None,
                     "title": _("%(label)s: %(count)s articles", label=label, count=number(count))})
    top = max(b["count"] for b in bars) or 1
    width, gap, height = (36 if unit == "year" else 44), 6, 120
    rtl = current_lang() == "ar"
    for i, b in enumerate(bars):
        pos = len(bars) - 1 - i if rtl else i  # time runs in the reading direction
        b["x"] = pos * (width + gap)
        b["h"] = max(2, round(b["count"] / top * height)) if b["count"] else 0
        b["y"] = height - b["h"] + 18
    return {"unit": unit, "bars": bars, "bar_width": width, "height": height + 54,
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
        active_filters=active_filters(req, result), latin_hint=latin_only(req.query),
        advice=advice(req) if result is not None and not result.total else [],
        toggle=lambda facet, value: _toggle(req, facet, value),
        article_url=lambda article_id: _keeping_back(f"/article/{article_id}", _url(search_params(req))),
        bylines=authors([h.id for h in result.hits]) if result else {},
    ), status


# Latin letters typed on an Arabic archive (field names and operators aside) get a hint.
_LATIN = re.compile(r"[A-Za-z]")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_SYNTAX = re.compile(r'\b(?:section|source|person|org|place|date):(?:"[^"]*"|\S*)|\b(?:OR|AND|NOT)\b|\btitle:')


def latin_only(query: str) -> bool:
    text = _SYNTAX.sub(" ", query or "")
    return bool(_LATIN.search(text)) and not _ARABIC.search(text)


def advice(req: SearchRequest) -> list[str]:
    """What to try when a search finds nothing, fitted to the query and filters."""
    tips = []
    if any(getattr(req, f) for f in FACET_ORDER) or req.date_from or req.date_to:
        tips.append(_("Remove some filters: the words may be in other sections, sources or dates."))
    if '"' in req.query:
        tips.append(_("Search without the quotation marks: the words then need not stand together."))
    if len(req.query.split()) > 2:
        tips.append(_("Try fewer words: every word must be in the article."))
    if not tips:
        tips.append(_("Check the spelling, or try another word for the same thing."))
    return tips


def active_filters(req: SearchRequest, result: SearchResult | None) -> list[dict]:
    """The filters in use, each with its label and the link that removes it."""
    out = []
    for name in FACET_ORDER:
        names = {v.value: v.label for v in result.facets[name].values} if result is not None else {}
        for value in getattr(req, name):
            label = (date_label(value) if name == "date" else section_label(value) if name == "section"
                     else names.get(value, value))
            out.append({"title": FACET_TITLES[name], "label": label, "url": _toggle(req, name, value)})
    for key, title in (("date_from", _("From")), ("date_to", _("To"))):
        value = getattr(req, key)
        if value:
            out.append({"title": title, "label": value, "url": _url(search_params(req, **{key: None, "page": 1}))})
    return out


HELP_EXAMPLES = (
    ("وزارة الخارجية", lazy_gettext("every word must match (spelling variants, diacritics and hamza forms match too)")),
    ('"البنك الدولي"', lazy_gettext("the exact phrase")),
    ("سوريا OR العراق", lazy_gettext("either word (also أو)")),
    ("حلب -داعش", lazy_gettext("without this word")),
    ("اقتصا*", lazy_gettext("words starting with this")),
    ("title:المنتخب", lazy_gettext("in the title only")),
    ("date:2018-01..2018-06", lazy_gettext("published in this period")),
    ('"مجلس النواب"~3', lazy_gettext("these words within three words of each other")),
    ("=الانتخابات", lazy_gettext("this exact spelling, no other forms of the word")),
    ("section:politic", lazy_gettext("one section, by its code or its Arabic or English label")),
    ('source:"Levant Daily Arabic"', lazy_gettext("one source")),
    ("(سوريا OR العراق) -داعش", lazy_gettext("grouping with parentheses")),
)


@bp.app_context_processor
def _help_examples():
    return {"help_examples": HELP_EXAMPLES}


@bp.get("/help")
def help_page():
    """The query language, each example a link to what it finds."""
    return render_template("help.html", req=SearchRequest(), examples=HELP_EXAMPLES,
                           example_url=lambda q: _url([("q", q)]))


@bp.get("/article/<article_id>")
def article_page(article_id: str):
    article = get_article(current_app.extensions["arshif.db"], article_id)
    if article is None:
        abort(404)
    back, back_req = _back()
    paragraphs = [p.strip() for p in article["body"].split("\n") if p.strip()]
    marked = highlighter(back_req.query)
    try:
        related = current_app.extensions["arshif.search"].related(article_id)
    except NoIndex:
        related = []
    permalink = public_url(request.path)
    return render_template("article.html", article=article, related=related, permalink=permalink,
                           paragraphs=[marked(p) for p in paragraphs], title=marked(article["title"]),
                           back=back, req=back_req, entity_url=lambda eid: _keeping_back(f"/entity/{eid}", back),
                           citations={lang: citation(article, lang) for lang in ("ar", "en")})


def _keeping_back(path: str, back: str | None) -> str:
    """A link to an article or entity page that keeps the way back to the search (``back``)."""
    return _url([("back", back)] if back else [], path)


def _back() -> tuple[str | None, SearchRequest]:
    """The search a reader came from (``?back=/search?...``, only a search on this site) and
    that search as a request (for the search box and the highlighting)."""
    back = request.args.get("back") or ""
    if not back.startswith("/search?") or "\\" in back:
        return None, SearchRequest()
    try:
        params = parse_qs(urlsplit(back).query)
        return back, SearchRequest.from_params(lambda name: params.get(name, []))
    except SearchError:
        return back, SearchRequest()


def highlighter(query: str):
    """A function marking the query's words in a text (escaped HTML), or escaping only."""
    try:
        matcher = prepare(parse(query)).matcher if query else None
    except QueryError:
        matcher = None
    if not matcher:
        return lambda text: escape(text)
    return lambda text: Markup(highlight_all(text, matcher))


def citation(article: dict, lang: str) -> tuple[list[Markup], str]:
    """Author, title, outlet and date as a journalist cites them in ``lang`` (the permalink
    follows), and the separator between them. Each part is its text isolated for the bidi
    algorithm (``<bdi>``), the title's quotation marks outside it: inside an Arabic title's
    right-to-left run they would stand at the wrong ends of an English citation."""
    date = long_date(article["published_at"], "day", article["source"], lang)
    with force_locale(lang):
        quoted = escape(_("“%(title)s”")) % {"title": isolated(article["title"])}
        parts = [isolated(article["author"]), quoted, isolated(article["source"]), isolated(date)]
        return [p for p in parts if p], _(", ")


def isolated(text: str | None) -> Markup | None:
    return Markup("<bdi>%s</bdi>") % text if text else None


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
    back, back_req = _back()
    return render_template(
        "entity.html", entity=info, kind_title=label("entity", info["type"]),
        result=result, histogram=histogram(req, result) if result and result.total else None,
        search_url=_url(search_params(req, sort="relevance")), req=back_req, back=back,
        article_url=lambda article_id: _keeping_back(f"/article/{article_id}", back))
