"""What every part of the authority file shares: the kinds of entry, the error a librarian's
request can get, following merges to the entry that stands for an id now, and marking the articles
that mention an entry for the next incremental reindex."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from archive.changes import mark_changed
from archive.errors import UserError
from archive.models import ENTITY_TYPES, Article, ArticleEntity, Entity, utcnow

KINDS = ENTITY_TYPES

# The lookup key of a spelling (indexer.entity_keys.entity_key, passed in by the caller).
KeyFn = Callable[[str], str]


class AuthorityError(UserError, ValueError):
    """A librarian's request the authority file cannot honour (unknown id, bad file row…)."""


def follow_merges(entity_id: int, merged_into: Callable[[int], int | None]) -> int:
    """The entry that stands for ``entity_id`` now: ``merged_into(id)`` (the entry an id was
    merged into, None for a live one) followed to its end; a cycle stops where it closes."""
    seen = set()
    while entity_id not in seen:
        seen.add(entity_id)
        nxt = merged_into(entity_id)
        if nxt is None:
            return entity_id
        entity_id = nxt
    return entity_id


def merged_map(session) -> dict[int, int]:
    """Every merged entry → the entry it was merged into."""
    return dict(session.execute(select(Entity.id, Entity.merged_into_id)
                                .where(Entity.merged_into_id.is_not(None))).all())


def final_id(session, entity_id: int) -> int:
    """Follow merges to the entry that stands for ``entity_id`` now (one query a step)."""
    return follow_merges(entity_id, lambda eid: session.scalar(
        select(Entity.merged_into_id).where(Entity.id == eid)))


def touch_articles_of(session, entity_id: int) -> int:
    """Mark every article that mentions ``entity_id`` as changed (for incremental reindex)."""
    ids = select(ArticleEntity.article_id).where(ArticleEntity.entity_id == entity_id)
    mark_changed(session, ids)
    return session.execute(Article.__table__.update().where(Article.id.in_(ids))
                           .values(updated_at=utcnow())).rowcount or 0
