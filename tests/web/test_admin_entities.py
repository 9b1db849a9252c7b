"""The authority-file editor in the admin pages: search and filter the entries, add an alias,
change a type, merge with a preview that changes nothing; sign-in, CSRF and plain-words errors."""
from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from archive import authority
from archive.models import Article, ArticleEntity, Entity, EntityAlias
from tests.conftest import ROOT, build_instance
from tests.web.test_admin import PASSWORD, sign_in, token


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory):
    """The sample archive, ingested (entities extracted) and indexed, built once per module."""
    instance = tmp_path_factory.mktemp("entities") / "instance"
    app = build_instance(instance, ROOT / "sample", RATELIMIT_ENABLED=False)
    r = app.test_cli_runner().invoke(args=["user", "add", "mona", "--password-stdin"], input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    return app


@pytest.fixture
def app(tmp_path):
    # each test edits the authority file: a fresh instance for each (the sample is small)
    app = build_instance(tmp_path / "instance", ROOT / "sample", RATELIMIT_ENABLED=False)
    r = app.test_cli_runner().invoke(args=["user", "add", "mona", "--password-stdin"], input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    return app


def _db(app):
    return app.extensions["arshif.db"]


def find(app, name: str) -> dict:
    _, rows = authority.list_entities(_db(app), q=name, limit=500)
    for row in rows:
        if row["name"] == name:
            return row
    raise AssertionError(f"no entry named {name} in the sample archive")


def counts(app) -> dict:
    with _db(app).session() as s:
        return {"mentions": sorted(s.execute(select(ArticleEntity.article_id, ArticleEntity.entity_id,
                                                    ArticleEntity.mentions)).all()),
                "aliases": sorted(s.execute(select(EntityAlias.entity_id, EntityAlias.key)).all()),
                "entities": sorted(s.execute(select(Entity.id, Entity.kind, Entity.provisional,
                                                    Entity.merged_into_id)).all())}


def text(r) -> str:
    return html.unescape(r.get_data(as_text=True))


def test_sign_in_required(sample_app):
    client = sample_app.test_client()
    e = find(sample_app, "العراق")["id"]
    for url in ("/admin/entities", f"/admin/entities/{e}", "/admin/entities?q=x"):
        r = client.get(url)
        assert r.status_code == 302 and r.location.startswith("/admin/login?next="), url
    csrf = token(client)
    for action, data in (("alias", {"alias": "عراق"}), ("type", {"type": "org"}), ("merge", {"other": "e1"})):
        r = client.post(f"/admin/entities/{e}/{action}", data={**data, "csrf_token": csrf})
        assert r.status_code == 302 and r.location.startswith("/admin/login?next="), action
    assert find(sample_app, "العراق")["type"] == "place"


def test_list_search_and_filters(sample_app):
    client = sample_app.test_client()
    sign_in(client, lang="en")
    assert 'href="/admin/entities"' in client.get("/admin/").get_data(as_text=True)  # in the navigation
    r = client.get("/admin/entities")
    page = text(r)
    assert r.status_code == 200 and '<html lang="en" dir="ltr">' in page
    iraq = find(sample_app, "العراق")
    assert f'href="/admin/entities/{iraq["id"]}"' in page and "العراق" in page
    # search by an alias, and in normalised form (no hamza, ta marbuta as ha, a clitic)
    un = find(sample_app, "الأمم المتحدة")
    for q in ("منظمة الأمم", "الامم المتحده", "والأمم المتحدة"):
        page = text(client.get("/admin/entities", query_string={"q": q}))
        assert f'/admin/entities/{un["id"]}"' in page, q
        assert f'/admin/entities/{iraq["id"]}"' not in page, q
    # type and provisional filters
    page = text(client.get("/admin/entities", query_string={"type": "org"}))
    assert f'/admin/entities/{un["id"]}"' in page and f'/admin/entities/{iraq["id"]}"' not in page
    page = text(client.get("/admin/entities", query_string={"provisional": "yes", "type": "person"}))
    ids = set(re.findall(r'/admin/entities/(e\d+)"', page))
    assert ids
    with _db(sample_app).session() as s:
        for eid in ids:
            e = s.get(Entity, int(eid[1:]))
            assert e.provisional and e.kind == "person"
    # paged
    total, _ = authority.list_entities(_db(sample_app))
    assert total > 50
    first = set(re.findall(r'/admin/entities/(e\d+)"', text(client.get("/admin/entities"))))
    second = set(re.findall(r'/admin/entities/(e\d+)"', text(client.get("/admin/entities?page=2"))))
    assert len(first) == len(second) == 50 and not first & second
    # a bad type is a message; markup in the query is escaped
    r = client.get("/admin/entities", query_string={"type": "planet"})
    assert r.status_code == 400 and "is not one of person, org, place, misc" in text(r)
    r = client.get("/admin/entities", query_string={"q": "<script>alert(1)</script>"})
    assert r.status_code == 200 and "<script>alert(1)</script>" not in r.get_data(as_text=True)


def test_entity_page(sample_app):
    client = sample_app.test_client()
    sign_in(client, lang="en")
    un = find(sample_app, "الأمم المتحدة")
    page = text(client.get(f"/admin/entities/{un['id']}"))
    assert "منظمة الأمم المتحدة" in page and "org" in page
    assert f'<td class="entity-articles">{un["articles"]}</td>' in page
    assert page.count('name="csrf_token"') >= 4
    for bad in ("e999999", "12", "x"):
        r = client.get(f"/admin/entities/{bad}")
        assert r.status_code == 404 and "there is no entity" in text(r), bad


def test_add_alias(app):
    client = app.test_client()
    csrf = sign_in(client, lang="en")
    iraq = find(app, "العراق")
    # (بلاد الرافدين is in the sample, found as a place of its own: a spelling no entry has yet)
    r = client.post(f"/admin/entities/{iraq['id']}/alias", data={"alias": "أرض السواد", "csrf_token": csrf})
    assert r.status_code == 303 and r.location == f"/admin/entities/{iraq['id']}"
    page = text(client.get(r.location))
    assert "أرض السواد" in page and "added the spelling" in page and "arshif reindex" in page
    assert "أرض السواد" in authority.entity_info(_db(app), iraq["id"])["aliases"]
    # the new spelling is found by search in the editor
    assert f'/admin/entities/{iraq["id"]}"' in text(client.get("/admin/entities?q=السواد"))
    # empty, already its own, or another entry's spelling: a message, nothing changed
    before = counts(app)
    for alias, message in (("   ", "the alias is empty"), ("العراق", "already a spelling of " + iraq["id"]),
                           ("بغداد", "already a spelling of " + find(app, "بغداد")["id"]),
                           ("؟!", "has no letters")):
        r = client.post(f"/admin/entities/{iraq['id']}/alias", data={"alias": alias, "csrf_token": csrf})
        assert r.status_code == 400 and message in text(r), alias
    r = client.post("/admin/entities/e999999/alias", data={"alias": "شيء", "csrf_token": csrf})
    assert r.status_code == 404 and "there is no entity" in text(r)
    assert counts(app) == before


def test_change_type(app):
    client = app.test_client()
    csrf = sign_in(client, lang="en")
    e = find(app, "البنك الدولي")
    r = client.post(f"/admin/entities/{e['id']}/type", data={"type": "misc", "csrf_token": csrf})
    assert r.status_code == 303
    page = text(client.get(r.location))
    assert f"is now of type Other (was Organisation); {e['articles']} articles change" in page and "arshif reindex" in page
    assert authority.entity_info(_db(app), e["id"])["type"] == "misc"
    before = counts(app)
    r = client.post(f"/admin/entities/{e['id']}/type", data={"type": "planet", "csrf_token": csrf})
    assert r.status_code == 400 and "is not one of person, org, place, misc" in text(r)
    r = client.post(f"/admin/entities/{e['id']}/type", data={"csrf_token": csrf})
    assert r.status_code == 400
    assert counts(app) == before


def test_merge_preview_changes_nothing_and_confirm_merges(app):
    client = app.test_client()
    csrf = sign_in(client, lang="en")
    keep, gone = find(app, "حيدر العبادي"), find(app, "عادل عبد المهدي")
    with _db(app).session() as s:
        gone_articles = set(s.scalars(select(ArticleEntity.article_id).where(ArticleEntity.entity_id == int(gone["id"][1:]))))
        keep_articles = set(s.scalars(select(ArticleEntity.article_id).where(ArticleEntity.entity_id == int(keep["id"][1:]))))
    assert gone_articles
    before = counts(app)
    r = client.post(f"/admin/entities/{keep['id']}/merge", data={"other": gone["id"], "csrf_token": csrf})
    page = text(r)
    assert r.status_code == 200
    assert (f"{len(gone_articles)} articles will change; the spellings of {gone['id']} (<bdi>عادل عبد المهدي</bdi>) "
            f"move to <bdi>حيدر العبادي</bdi>") in page
    assert 'name="confirm" value="1"' in page
    assert counts(app) == before  # the preview changed nothing
    # confirm
    r = client.post(f"/admin/entities/{keep['id']}/merge", data={"other": gone["id"], "confirm": "1", "csrf_token": csrf})
    assert r.status_code == 303 and r.location == f"/admin/entities/{keep['id']}"
    page = text(client.get(r.location))
    assert f"merged {gone['id']} into {keep['id']}: {len(gone_articles)} articles changed" in page
    assert "arshif reindex" in page
    info = authority.entity_info(_db(app), keep["id"])
    assert "عادل عبد المهدي" in info["aliases"] and info["articles"] == len(gone_articles | keep_articles)
    assert not info["provisional"]
    with _db(app).session() as s:
        assert s.scalar(select(func.count()).select_from(ArticleEntity)
                        .where(ArticleEntity.entity_id == int(gone["id"][1:]))) == 0
        assert set(s.scalars(select(ArticleEntity.article_id)
                             .where(ArticleEntity.entity_id == int(keep["id"][1:])))) == gone_articles | keep_articles
    # the merged id's page redirects to the entry it joined, and it leaves the list
    r = client.get(f"/admin/entities/{gone['id']}")
    assert r.status_code == 303 and r.location == f"/admin/entities/{keep['id']}"
    assert f"{gone['id']} was merged into {keep['id']}" in text(client.get(r.location))
    assert f'/admin/entities/{gone["id"]}"' not in text(client.get("/admin/entities?q=عادل"))
    # merging it again, or an entry into itself: a message, nothing changed
    before = counts(app)
    for other in (gone["id"], keep["id"]):
        r = client.post(f"/admin/entities/{keep['id']}/merge", data={"other": other, "confirm": "1", "csrf_token": csrf})
        assert r.status_code == 400 and "cannot be merged into itself" in text(r), other
    for other, message in (("e999999", "there is no entity"), ("", "give the name or the id"),
                           ("e12x", "no other entry is named"), ("اسم لا يحمله أحد", "no other entry is named")):
        r = client.post(f"/admin/entities/{keep['id']}/merge", data={"other": other, "csrf_token": csrf})
        assert r.status_code == 400 and message in text(r), other
    assert counts(app) == before


def test_merge_preview_lists_the_articles_that_change_with_links(app, monkeypatch):
    client = app.test_client()
    csrf = sign_in(client, lang="en")
    keep, gone = find(app, "حيدر العبادي"), find(app, "عادل عبد المهدي")
    with _db(app).session() as s:
        changing = {a.id: a.title for a in s.scalars(select(Article).join(ArticleEntity).where(
            ArticleEntity.entity_id == int(gone["id"][1:])))}
    assert len(changing) > 1
    page = text(client.post(f"/admin/entities/{keep['id']}/merge", data={"other": gone["id"], "csrf_token": csrf}))
    preview = preview_of(page)
    assert "The articles that change:" in preview
    assert set(re.findall(r'<a href="/article/([^"]+)">', preview)) == set(changing)
    for title in changing.values():
        assert str(escape(title)) in preview
    assert f'/admin/entities/{gone["id"]}#articles' not in preview  # all of them are on the page
    # more than a page: the newest page, and a link to the merged entry's own list of them
    monkeypatch.setattr("web.admin.entities.ARTICLES_PER_PAGE", 1)
    preview = preview_of(text(client.post(f"/admin/entities/{keep['id']}/merge",
                                          data={"other": gone["id"], "csrf_token": csrf})))
    assert len(re.findall(r'<a href="/article/', preview)) == 1
    assert f'<a href="/admin/entities/{gone["id"]}#articles">All {len(changing)} articles of {gone["id"]}</a>' in preview



def preview_of(page: str) -> str:
    """The merge preview of a page, without its CSRF token (which carries the time it was made)."""
    preview = re.search(r'<div class="merge-preview".*?</div>', page, re.S).group(0)
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', preview)


def test_merge_by_name_finds_the_entry_and_previews_it(app):
    """A librarian types the name (as it is spelled, or as readers type it), not an id."""
    client = app.test_client()
    csrf = sign_in(client, lang="en")
    keep, gone = find(app, "حيدر العبادي"), find(app, "عادل عبد المهدي")
    before = counts(app)
    by_id = text(client.post(f"/admin/entities/{keep['id']}/merge", data={"other": gone["id"], "csrf_token": csrf}))
    for typed in ("عادل عبد المهدي", "  عادل   عبد المهدى "):  # spaces and ى for ي: the same entry
        r = client.post(f"/admin/entities/{keep['id']}/merge", data={"other": typed, "csrf_token": csrf})
        page = text(r)
        assert r.status_code == 200 and f'name="other" value="{gone["id"]}"' in page, typed
        assert preview_of(page) == preview_of(by_id)
    # the entry's own name is not offered as something to merge into itself
    r = client.post(f"/admin/entities/{keep['id']}/merge", data={"other": "حيدر العبادي", "csrf_token": csrf})
    assert r.status_code == 400 and "no other entry is named" in text(r)
    assert counts(app) == before


def test_merge_by_a_name_several_entries_share_offers_a_choice(app):
    client = app.test_client()
    csrf = sign_in(client, lang="en")
    keep = find(app, "حيدر العبادي")
    _, named = authority.list_entities(_db(app), q="عبد", limit=500)
    others = [e for e in named if e["id"] != keep["id"]]
    assert len(others) >= 2  # the sample has several entries with عبد in a name
    before = counts(app)
    r = client.post(f"/admin/entities/{keep['id']}/merge", data={"other": "عبد", "csrf_token": csrf})
    page = text(r)
    assert r.status_code == 200 and 'class="merge-candidates"' in page
    offered = re.findall(r'<input type="hidden" name="other" value="(e\d+)">', page)
    assert set(offered) <= {e["id"] for e in others} and len(offered) == min(len(others), 10)
    assert keep["id"] not in offered and 'name="confirm"' not in page  # a choice, then a preview
    assert counts(app) == before


def test_entity_page_lists_the_articles_that_mention_it(sample_app, monkeypatch):
    from web.admin import entities as view
    client = sample_app.test_client()
    sign_in(client, lang="en")
    iraq = find(sample_app, "العراق")
    with _db(sample_app).session() as s:
        from archive.models import Article
        expected = [row.id for row in s.execute(
            select(Article.id).join(ArticleEntity, ArticleEntity.article_id == Article.id)
            .where(ArticleEntity.entity_id == int(iraq["id"][1:]))
            .order_by(Article.published_at.desc(), Article.id))]
    assert len(expected) == iraq["articles"] >= 3
    monkeypatch.setattr(view, "ARTICLES_PER_PAGE", 2)
    listed, page_no = [], 1
    while True:
        page = text(client.get(f"/admin/entities/{iraq['id']}?page={page_no}"))
        table = re.search(r'<table class="admin-table entity-article-list">.*?</table>', page, re.S).group(0)
        listed += re.findall(r'<a href="/article/([^"]+)">', table)
        if f"page={page_no + 1}#articles" not in page:
            break
        page_no += 1
    assert listed == expected  # every article once, newest first, over the pages
    last = text(client.get(f"/admin/entities/{iraq['id']}?page=999"))  # past the end: the last page
    assert re.findall(r'<a href="/article/([^"]+)">', last.split("entity-article-list", 1)[1].split("</table>")[0]) \
        == expected[(page_no - 1) * 2:]

def test_the_editor_speaks_arabic_with_arabic_counts(app):
    client = app.test_client()
    csrf = sign_in(client)                                   # no language chosen: Arabic
    un = find(app, "الأمم المتحدة")
    page = text(client.get(f"/admin/entities/{un['id']}"))
    assert '<html lang="ar" dir="rtl">' in page and "<td>منظمة</td>" in page   # the type's name, not "org"
    assert '<option value="misc">أخرى</option>' in page
    keep, gone = find(app, "حيدر العبادي"), find(app, "عادل عبد المهدي")
    n = gone["articles"]
    page = text(client.post(f"/admin/entities/{keep['id']}/merge", data={"other": gone["id"], "csrf_token": csrf}))
    words = {1: "ستتغير مقالة واحدة", 2: "ستتغير مقالتان"}.get(n, f"ستتغير {n} مقالات" if 3 <= n <= 10 else f"ستتغير {n} مقالة")
    assert words + "، وتنتقل تهجئات " + gone["id"] in page
    assert "articles will change" not in page and "ستتغير 3 مقالة" not in page
    e = find(app, "البنك الدولي")
    r = client.post(f"/admin/entities/{e['id']}/type", data={"type": "misc", "csrf_token": csrf})
    page = text(client.get(r.location))
    assert f"صار {e['id']} من نوع «أخرى» (كان «منظمة»)" in page and "is now of type" not in page
    total = text(client.get("/admin/entities"))
    assert re.search(r'<p class="hint">\d+ (مدخلًا|مداخل|مدخل)', total) and "entries" not in total


def test_csrf_missing_is_400(sample_app):
    client = sample_app.test_client()
    sign_in(client)
    before = counts(sample_app)
    e, other = find(sample_app, "العراق")["id"], find(sample_app, "بغداد")["id"]
    for action, data in (("alias", {"alias": "عراق"}), ("type", {"type": "org"}),
                         ("merge", {"other": other}), ("merge", {"other": other, "confirm": "1"})):
        assert client.post(f"/admin/entities/{e}/{action}", data=data).status_code == 400, action
        assert client.post(f"/admin/entities/{e}/{action}", data={**data, "csrf_token": "forged"}).status_code == 400
    assert counts(sample_app) == before
