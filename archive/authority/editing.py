"""A librarian's changes to the authority file (``arshif entities merge``, web/admin/entities.py): merging
two entries (with a preview that changes nothing), adding a spelling, changing an entry's type.
Each marks the articles whose index documents change."""
from __future__ import annotations

from sqlalchemy import func, select

from archive import models
from archive.authority.entries import KINDS, AuthorityError, KeyFn, final_id, touch_articles_of
from archive.changes import mark_changed
from archive.db import Database
from archive.models import Article, ArticleEntity, Entity, EntityAlias, parse_id, utcnow


def _live(s, public_id: str) -> Entity:
    """The entry ``public_id`` names (merges followed), or AuthorityError in plain words."""
    eid = parse_id((public_id or "").strip())
    if eid is None or s.get(Entity, eid) is None:
        raise AuthorityError("there is no entity “%(id)s” (ids look like e12)", id=public_id)
    return s.get(Entity, final_id(s, eid))


def _article_count(s, eid: int) -> int:
    return s.scalar(select(func.count()).select_from(ArticleEntity).where(ArticleEntity.entity_id == eid)) or 0


def merge(db: Database, keep_id: str, merge_id: str) -> dict:
    """Merge entry ``merge_id`` into ``keep_id``: aliases and mentions move, the merged id
    keeps pointing at the kept one. Returns how many articles changed."""
    keep, gone = parse_id(keep_id), parse_id(merge_id)
    with db.session() as s:
        for eid, public in ((keep, keep_id), (gone, merge_id)):
            if eid is None or s.get(Entity, eid) is None:
                raise AuthorityError("unknown entity id: %(id)s", id=public)
        keep = final_id(s, keep)
        gone = final_id(s, gone)
        if keep == gone:
            raise AuthorityError("an entity cannot be merged into itself")
        for alias in s.scalars(select(EntityAlias).where(EntityAlias.entity_id == gone)):
            alias.entity_id = keep
        changed = 0
        for mention in s.scalars(select(ArticleEntity).where(ArticleEntity.entity_id == gone)).all():
            existing = s.get(ArticleEntity, (mention.article_id, keep))
            if existing is not None:
                existing.mentions += mention.mentions
                s.delete(mention)
            else:
                s.add(ArticleEntity(article_id=mention.article_id, entity_id=keep, mentions=mention.mentions))
                s.delete(mention)
            changed += 1
            s.execute(Article.__table__.update().where(Article.id == mention.article_id)
                      .values(updated_at=utcnow()))
            mark_changed(s, [mention.article_id])
        kept = s.get(Entity, keep)
        kept.provisional = False
        kept.updated_at = utcnow()
        s.get(Entity, gone).merged_into_id = keep
        return {"kept": models.public_id(keep), "merged": models.public_id(gone), "articles": changed}


def merge_preview(db: Database, keep_id: str, merge_id: str) -> dict:
    """What ``merge(db, keep_id, merge_id)`` would do, changing nothing: the two entries, how
    many articles change (those mentioning the merged entry) and the aliases that move."""
    with db.session() as s:
        keep, gone = _live(s, keep_id), _live(s, merge_id)
        if keep.id == gone.id:
            raise AuthorityError("%(merged)s is %(kept)s itself: an entity cannot be merged into itself",
                                 merged=merge_id, kept=keep.public_id)
        both = s.scalar(select(func.count()).select_from(ArticleEntity).where(
            ArticleEntity.entity_id == gone.id,
            ArticleEntity.article_id.in_(select(ArticleEntity.article_id).where(ArticleEntity.entity_id == keep.id))))
        return {"kept": keep.public_id, "kept_name": keep.name, "merged": gone.public_id, "merged_name": gone.name,
                "merged_type": gone.kind, "articles": _article_count(s, gone.id), "shared": both or 0,
                "aliases": [a.alias for a in gone.aliases]}


def add_alias(db: Database, public_id: str, alias: str, key: KeyFn) -> dict:
    """Add a spelling to an entry; refused when empty or when another entry already owns it."""
    alias = " ".join((alias or "").split())
    if not alias:
        raise AuthorityError("the alias is empty")
    if len(alias) > 300:
        raise AuthorityError("the alias is longer than 300 characters")
    k = key(alias)
    if not k or not any(ch.isalnum() for ch in k):
        raise AuthorityError("the alias “%(alias)s” has no letters to match on", alias=alias)
    with db.session() as s:
        entity = _live(s, public_id)
        owner = s.scalar(select(EntityAlias.entity_id).where(EntityAlias.key == k))
        if owner is not None:
            owner = final_id(s, owner)
            if owner == entity.id:
                raise AuthorityError("“%(alias)s” is already a spelling of %(id)s", alias=alias, id=entity.public_id)
            other = s.get(Entity, owner)
            raise AuthorityError("“%(alias)s” is already a spelling of %(owner)s (%(owner_name)s); merge %(owner)s "
                                 "into %(id)s instead", alias=alias, owner=other.public_id,
                                 owner_name=other.name, id=entity.public_id)
        s.add(EntityAlias(entity_id=entity.id, alias=alias, key=k))
        entity.updated_at = utcnow()
        return {"id": entity.public_id, "alias": alias, "key": k}


def set_kind(db: Database, public_id: str, kind: str) -> dict:
    """Change an entry's type; the articles mentioning it are marked changed (for reindex)."""
    kind = (kind or "").strip()
    if kind not in KINDS:
        raise AuthorityError("type “%(kind)s” is not one of %(kinds)s", kind=kind, kinds=", ".join(KINDS))
    with db.session() as s:
        entity = _live(s, public_id)
        before = entity.kind
        changed = 0
        if before != kind:
            entity.kind = kind
            entity.updated_at = utcnow()
            changed = touch_articles_of(s, entity.id)
        return {"id": entity.public_id, "before": before, "type": kind, "articles": changed}
