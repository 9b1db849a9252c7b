"""What every part of the authority file shares: the kinds of entry, the error a librarian's
request can get, following merges to the entry that stands for an id now, marking the articles
that mention an entry for the next incremental reindex, and computing the aliases' lookup keys
again when the key function has changed."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from archive.changes import mark_changed
from archive.errors import UserError
from archive.models import ENTITY_TYPES, Article, ArticleEntity, Entity, EntityAlias, public_id, utcnow

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


def rekey_aliases(session, key: KeyFn) -> dict:
    """Give every alias the lookup key ``key`` gives its spelling now (after a release changed
    how keys are made: بابل is no longer ب + أبل). A new key that an alias holds already stays
    with it: the alias that wanted it keeps its old key, and is reported when the holder is
    another entry's (the two entries name the same spelling: a librarian may merge them; an
    alias of the same entry finds it anyway). Repeated runs change nothing more. Returns
    {"rekeyed": n, "conflicts": [{"alias", "entry", "other"}]}, entries as public ids."""
    rows = session.execute(select(EntityAlias.id, EntityAlias.entity_id, EntityAlias.alias, EntityAlias.key)
                           .order_by(EntityAlias.id)).all()
    merged = merged_map(session)
    final = {eid: follow_merges(eid, merged.get) for eid in {r.entity_id for r in rows}}
    holder = {r.key: r for r in rows}
    rekeyed, conflicts = 0, []
    for r in rows:  # oldest first: of two aliases wanting one key, the older gets it
        new = key(r.alias)
        if not new or new == r.key:
            continue
        held = holder.get(new)
        if held is not None:
            if final[held.entity_id] != final[r.entity_id]:
                conflicts.append({"alias": r.alias, "entry": public_id(final[r.entity_id]),
                                  "other": public_id(final[held.entity_id])})
            continue
        session.execute(EntityAlias.__table__.update().where(EntityAlias.id == r.id).values(key=new))
        holder[new] = r
        rekeyed += 1
    return {"rekeyed": rekeyed, "conflicts": conflicts}
