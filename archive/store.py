"""Reading the archive: articles as plain dicts for the index builder, the pages and the API."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy import func, select

from archive.authority import entities_of
from archive.db import Database
from archive.errors import stored_message
from archive.models import FACET_KINDS, Article, ArticleRevision, IngestRun, Rejection, Section, Source


def _utc(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=timezone.utc) if dt is not None else None


def article_dict(a: Article, entities: list[dict] | None = None) -> dict:
    """An article as plain data; ``published_at`` is an aware UTC datetime; ``entities`` are
    the authority entries it mentions, also listed by type under person/org/place."""
    entities = entities or []
    return {
        "id": a.id,
        "title": a.title,
        "subtitle": a.subtitle,
        "body": a.body,
        "author": a.author,
        "url": a.url,
        "published_at": _utc(a.published_at),
        "date_precision": a.date_precision,
        "section": a.section.code if a.section else None,
        "source": a.source.name if a.source else None,
        "updated_at": _utc(a.updated_at),
        "entities": entities,
        **{kind: [e["id"] for e in entities if e["type"] == kind] for kind in FACET_KINDS},
    }


def iter_articles(db: Database, after_change: int | None = None,
                  batch: int = 1000) -> Iterator[dict]:
    """Every article (or those whose change number is above ``after_change``: see
    archive/changes.py), in id order, streamed in batches."""
    last_id = ""
    while True:
        with db.session() as s:
            q = select(Article).where(Article.id > last_id).order_by(Article.id).limit(batch)
            if after_change is not None:
                q = q.where(Article.change_seq > after_change)
            rows = s.scalars(q).unique().all()
            mentioned = entities_of(s, [a.id for a in rows])
            out = [article_dict(a, mentioned[a.id]) for a in rows]
        if not out:
            return
        yield from out
        last_id = out[-1]["id"]


def count_articles(db: Database, after_change: int | None = None) -> int:
    with db.session() as s:
        q = select(func.count(Article.id))
        if after_change is not None:
            q = q.where(Article.change_seq > after_change)
        return s.scalar(q) or 0


def get_article(db: Database, article_id: str) -> dict | None:
    with db.session() as s:
        a = s.get(Article, article_id)
        return article_dict(a, entities_of(s, [a.id])[a.id]) if a is not None else None


def bylines(db: Database, article_ids: list[str]) -> dict[str, str]:
    """article id → author, for the articles among ``article_ids`` that name one."""
    if not article_ids:
        return {}
    with db.session() as s:
        rows = s.execute(select(Article.id, Article.author).where(Article.id.in_(article_ids),
                                                                  Article.author.is_not(None)))
        return {r.id: r.author for r in rows if r.author}


def list_rejections(db: Database, run_id: int | None = None) -> tuple[int | None, list[dict]]:
    """Rejections of one ingest run (the latest run when ``run_id`` is None)."""
    with db.session() as s:
        if run_id is None:
            run_id = s.scalar(select(func.max(IngestRun.id)))
            if run_id is None:
                return None, []
        rows = s.scalars(select(Rejection).where(Rejection.run_id == run_id).order_by(Rejection.id)).all()
        return run_id, [{"ref": r.ref, "code": r.code, "reason": stored_message(r.reason, r.reason_params)}
                        for r in rows]


def archive_counts(db: Database) -> dict:
    with db.session() as s:
        return {
            "articles": s.scalar(select(func.count(Article.id))) or 0,
            "sections": s.scalar(select(func.count(Section.id))) or 0,
            "sources": s.scalar(select(func.count(Source.id))) or 0,
        }


def article_revisions(db: Database, article_id: str) -> list[dict]:
    """The previous versions of an article, oldest first (``published_at``/``replaced_at`` aware UTC)."""
    with db.session() as s:
        rows = s.scalars(select(ArticleRevision).where(ArticleRevision.article_id == article_id)
                         .order_by(ArticleRevision.id)).all()
        return [{"title": r.title, "subtitle": r.subtitle, "body": r.body, "author": r.author,
                 "url": r.url, "published_at": _utc(r.published_at), "date_precision": r.date_precision,
                 "changed": r.changed.split(",") if r.changed else [],
                 "replaced_at": _utc(r.replaced_at), "ingest_run_id": r.ingest_run_id} for r in rows]
