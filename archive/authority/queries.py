"""Reading the authority file: the entries of articles, one entry with its spellings and the
articles that mention it, the table search needs (labels, alias groups, redirects of merged
ids), the librarians' list, and finding an entry by name."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from archive import models
from archive.authority.entries import KeyFn, final_id, follow_merges, merged_map
from archive.db import Database
from archive.models import Article, ArticleEntity, Entity, EntityAlias, Source, parse_id


def entities_of(session, article_ids: list[str]) -> dict[str, list[dict]]:
    """article id → [{"id", "name", "type"}], most mentioned first."""
    out: dict[str, list[dict]] = {a: [] for a in article_ids}
    if not article_ids:
        return out
    rows = session.execute(
        select(ArticleEntity.article_id, Entity.id, Entity.name, Entity.kind, ArticleEntity.mentions)
        .join(Entity, Entity.id == ArticleEntity.entity_id)
        .where(ArticleEntity.article_id.in_(article_ids))
        .order_by(ArticleEntity.article_id, ArticleEntity.mentions.desc(), Entity.id))
    for article_id, eid, name, kind, _n in rows:
        out[article_id].append({"id": models.public_id(eid), "name": name, "type": kind})
    return out


def entity_info(db: Database, public_id: str) -> dict | None:
    """An entry with its aliases and article count; ``merged_into`` names its successor."""
    eid = parse_id(public_id)
    if eid is None:
        return None
    with db.session() as s:
        e = s.get(Entity, eid)
        if e is None:
            return None
        count = s.scalar(select(func.count()).select_from(ArticleEntity).where(ArticleEntity.entity_id == eid))
        return {"id": e.public_id, "name": e.name, "type": e.kind, "provisional": e.provisional,
                "aliases": [a.alias for a in e.aliases], "articles": count or 0,
                "merged_into": models.public_id(final_id(s, e.id)) if e.merged_into_id else None}


def alias_table(db: Database) -> dict:
    """What search needs of the authority file: labels of every entry in use, and the
    spellings of confirmed entries with more than one (for alias expansion)."""
    with db.session() as s:
        labels = {models.public_id(eid): [name, kind] for eid, name, kind in
                  s.execute(select(Entity.id, Entity.name, Entity.kind).where(Entity.merged_into_id.is_(None)))}
        groups: dict[str, list[list[str]]] = {}
        for eid, alias, key in s.execute(
                select(EntityAlias.entity_id, EntityAlias.alias, EntityAlias.key).join(Entity)
                .where(Entity.provisional.is_(False), Entity.merged_into_id.is_(None))
                .order_by(EntityAlias.id)):
            groups.setdefault(models.public_id(eid), []).append([alias, key])
        merged = merged_map(s)
        redirects = {models.public_id(eid): models.public_id(follow_merges(eid, merged.get)) for eid in merged}
    return {"labels": labels, "aliases": {k: v for k, v in groups.items() if len(v) > 1},
            "redirects": redirects}


def list_entities(db: Database, q: str | None = None, kind: str | None = None, provisional: bool | None = None,
                  limit: int = 50, offset: int = 0, key: KeyFn | None = None) -> tuple[int, list[dict]]:
    """(total, page) of entries still standing (not merged away), most mentioned first.

    ``q`` matches the name or any alias, as typed or (with ``key``) in normalised form, so
    أحمد finds احمد and والعراق finds العراق."""
    counts = (select(ArticleEntity.entity_id.label("eid"), func.count().label("n"))
              .group_by(ArticleEntity.entity_id).subquery())
    n = func.coalesce(counts.c.n, 0)
    query = (select(Entity.id, Entity.name, Entity.kind, Entity.provisional, n.label("articles"))
             .outerjoin(counts, counts.c.eid == Entity.id).where(Entity.merged_into_id.is_(None)))
    if kind:
        query = query.where(Entity.kind == kind)
    if provisional is not None:
        query = query.where(Entity.provisional.is_(bool(provisional)))
    q = (q or "").strip()
    if q:
        patterns = {q}
        if key is not None and key(q):
            patterns.add(key(q))
        like = [EntityAlias.alias.contains(p, autoescape=True) for p in patterns]
        like += [EntityAlias.key.contains(p, autoescape=True) for p in patterns]
        matching = select(EntityAlias.entity_id).where(or_(*like))
        query = query.where(Entity.id.in_(matching) | Entity.name.contains(q, autoescape=True))
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = s.execute(query.order_by(n.desc(), Entity.id).limit(limit).offset(offset)).all()
        aliases: dict[int, list[str]] = {}
        if rows:
            for eid, alias in s.execute(select(EntityAlias.entity_id, EntityAlias.alias)
                                        .where(EntityAlias.entity_id.in_([r.id for r in rows]))
                                        .order_by(EntityAlias.id)):
                aliases.setdefault(eid, []).append(alias)
    return total, [{"id": models.public_id(r.id), "name": r.name, "type": r.kind, "provisional": r.provisional,
                    "articles": r.articles, "aliases": aliases.get(r.id, [])} for r in rows]


def articles_of(db: Database, public_id: str, limit: int = 20, offset: int = 0) -> tuple[int, list[dict]]:
    """(total, page) of the articles linked to an entry in the database, newest first: what the
    archive holds, indexed or not yet. Each: id, title, published_at, source, mentions."""
    eid = parse_id(public_id)
    if eid is None:
        return 0, []
    where = ArticleEntity.entity_id == eid
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(ArticleEntity).where(where)) or 0
        rows = s.execute(
            select(Article.id, Article.title, Article.published_at, Source.name, ArticleEntity.mentions)
            .join(ArticleEntity, ArticleEntity.article_id == Article.id)
            .outerjoin(Source, Source.id == Article.source_id)
            .where(where).order_by(Article.published_at.desc(), Article.id).limit(limit).offset(offset)).all()
    return total, [{"id": r[0], "title": r[1], "published_at": r[2], "source": r[3], "mentions": r[4]}
                   for r in rows]


def find_entities(db: Database, name: str, key: KeyFn | None = None, exclude: str | None = None,
                  limit: int = 10) -> list[dict]:
    """Entries standing under ``name`` (the name or a spelling, as typed or normalised with
    ``key``), best first: an exact spelling before a partial one, then the most mentioned;
    ``exclude`` leaves one entry out (the one being edited). Each row of ``list_entities`` with
    ``exact``: whether the name or one of its spellings is ``name`` itself."""
    _total, rows = list_entities(db, q=name, limit=max(200, limit + 1), key=key)
    wanted = {name.strip()} | ({key(name)} if key is not None and key(name) else set())
    rows = [r for r in rows if r["id"] != exclude]

    def exact(row: dict) -> bool:
        names = {row["name"], *row["aliases"]}
        return bool(wanted & (names | ({key(n) for n in names} if key is not None else set())))

    rows = [{**r, "exact": exact(r)} for r in rows]
    return sorted(rows, key=lambda r: not r["exact"])[:limit]
