"""The archive's change numbers: which articles changed since the index last read the archive.

Every transaction that changes what the index shows of an article (ingest, entity merges and
renames) calls ``mark_changed``; when it commits, its articles get the next number of one
counter (``change_counter``). The number is taken at commit, as the transaction's last lock
(PostgreSQL's row lock on the counter, SQLite's single writer), so numbers become visible in
the order they were given: a reader that sees number N has every change up to N in view.
A build reads ``current_change`` *before* it reads any article, and the next incremental
update takes the articles numbered above it: whatever was stored while the build ran is in
that update, once. (Timestamps cannot promise this: two changes share a clock tick, and a
transaction stamped earlier can commit after a reader took a later one; docs/decisions.md.)
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from archive.models import Article, ChangeCounter

_PENDING = "arshif.changed_articles"
CHUNK = 500  # ids per UPDATE (SQLite allows at most 32,766 parameters per statement)


def mark_changed(session: Session, article_ids: Iterable[str] | Select) -> None:
    """Give these articles (ids, or a SELECT of ids, run at commit) the next change number
    when ``session`` commits."""
    ids, queries = session.info.setdefault(_PENDING, (set(), []))
    if isinstance(article_ids, Select):
        queries.append(article_ids)
    else:
        ids.update(article_ids)


def current_change(db) -> int:
    """The newest change number committed (0 for an archive nothing has changed yet)."""
    with db.session() as s:
        return s.scalar(select(ChangeCounter.value).where(ChangeCounter.id == 1)) or 0


@event.listens_for(Session, "before_commit")
def _number_changes(session: Session) -> None:
    ids, queries = session.info.pop(_PENDING, (set(), []))
    if not ids and not queries:
        return
    session.flush()
    session.execute(update(ChangeCounter).where(ChangeCounter.id == 1)
                    .values(value=ChangeCounter.value + 1))
    number = session.scalar(select(ChangeCounter.value).where(ChangeCounter.id == 1))
    ordered = sorted(ids)
    for where in [ordered[i:i + CHUNK] for i in range(0, len(ordered), CHUNK)] + queries:
        session.execute(update(Article).where(Article.id.in_(where)).values(change_seq=number)
                        .execution_options(synchronize_session=False))


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)
