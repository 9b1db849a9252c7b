"""The authority file: one canonical entry per person, organisation and place, with the
spellings news uses for it; linking the mentions found in articles to entries (unknown names
become provisional entries a librarian can merge); merging; import and export.

The text functions it needs (the lookup key of a mention, the display form of a name, the
extractor itself) are passed in, so the archive stays free of analysis code.
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy import delete, func, insert, or_, select

from archive.changes import mark_changed
from archive.db import Database
from archive.errors import UserError
from archive import models
from archive.models import ENTITY_TYPES, Article, ArticleEntity, Entity, EntityAlias, parse_id, utcnow

KINDS = ENTITY_TYPES
LABEL_KIND = {"PER": "person", "ORG": "org", "LOC": "place", "MISC": "misc"}

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


def _merged_map(session) -> dict[int, int]:
    """Every merged entry → the entry it was merged into."""
    return dict(session.execute(select(Entity.id, Entity.merged_into_id)
                                .where(Entity.merged_into_id.is_not(None))).all())


def _final(session, entity_id: int) -> int:
    """Follow merges to the entry that stands for ``entity_id`` now (one query a step)."""
    return follow_merges(entity_id, lambda eid: session.scalar(
        select(Entity.merged_into_id).where(Entity.id == eid)))


def _touch_articles_of(session, entity_id: int) -> int:
    """Mark every article that mentions ``entity_id`` as changed (for incremental reindex)."""
    ids = select(ArticleEntity.article_id).where(ArticleEntity.entity_id == entity_id)
    mark_changed(session, ids)
    return session.execute(Article.__table__.update().where(Article.id.in_(ids))
                           .values(updated_at=utcnow())).rowcount or 0


def _add_aliases(session, entity: Entity, aliases: Iterable[str], key: KeyFn) -> int:
    added = 0
    for alias in aliases:
        k = key(alias)
        if not k or session.scalar(select(EntityAlias.id).where(EntityAlias.key == k)) is not None:
            continue
        session.add(EntityAlias(entity=entity, alias=alias, key=k))
        session.flush()
        added += 1
    return added


def seed(db: Database, entries: Iterable[tuple[str, str, list[str]]], key: KeyFn) -> int:
    """Add (name, kind, aliases) entries whose spellings are not known yet; returns how many.
    Safe to repeat: known spellings are left alone."""
    added = 0
    with db.session() as s:
        known = set(s.scalars(select(EntityAlias.key)))
        for name, kind, aliases in entries:
            keys = {key(a) for a in aliases} - {""}
            if not keys or keys & known:
                continue
            entity = Entity(kind=kind, name=name, provisional=False)
            s.add(entity)
            for alias in dict.fromkeys(aliases):
                k = key(alias)
                if k and k not in known:
                    s.add(EntityAlias(entity=entity, alias=alias, key=k))
                    known.add(k)
            added += 1
    return added


class Resolver:
    """Maps mentions to entry ids, creating provisional entries for unknown names.

    The alias table is read once (key → entry, merges followed) and kept for the run, so
    linking costs no query per mention. A mention links by its exact key only: which entry a
    mention gets depends on the article and the authority file, never on the articles linked
    before it in the run (a killed and re-run ingest links like a clean one). Short forms are
    the extractor's business (a surname takes the key of the full name in the same article)
    or the authority file's (an alias)."""

    def __init__(self, key: KeyFn, display: Callable[[str], str]):
        self.key = key
        self.display = display
        self._ids: dict[str, int] | None = None
        self.confirmed: list[tuple[str, str, int]] = []

    def _load(self, session) -> dict[str, int]:
        if self._ids is None:
            merged = _merged_map(session)
            entries = {eid: (kind, provisional) for eid, kind, provisional in
                       session.execute(select(Entity.id, Entity.kind, Entity.provisional))}
            self._ids = {}
            rows = session.execute(select(EntityAlias.key, EntityAlias.entity_id).order_by(EntityAlias.id))
            for k, eid in rows:
                eid = follow_merges(eid, merged.get)
                self._ids[k] = eid
                kind, provisional = entries[eid]
                if not provisional:
                    self.confirmed.append((k, kind, eid))
        return self._ids

    def resolve(self, session, text: str, label: str, key: str | None = None) -> int | None:
        """The entry of a mention (``key``: its lookup form when the extractor gave one)."""
        k = key or self.key(text)
        if len(k) < 2:
            return None
        ids = self._load(session)
        eid = ids.get(k)
        if eid is None:
            now = utcnow()
            name = self.display(text).strip() or text
            eid = session.execute(insert(Entity).values(kind=LABEL_KIND.get(label, "misc"), name=name,
                                                        provisional=True, created_at=now, updated_at=now)
                                  .returning(Entity.id)).scalar_one()
            session.execute(insert(EntityAlias).values(entity_id=eid, alias=name, key=k))
            ids[k] = eid
        return eid


class EntityLinker:
    """Runs the extractor on stored articles and records which entries each one mentions.
    Called by ingest for every added or updated article (entities are extracted once).

    ``known_names``, when given, builds the extractor's dictionary of the authority file from
    (key, kind, entry id) rows of the confirmed entries, read once per run; ``extract`` is
    then called as ``extract(text, dictionary)``. Provisional entries are left out of it so
    what one article adds does not change how the next is read."""

    def __init__(self, extract: Callable[..., list], key: KeyFn, display: Callable[[str], str],
                 known_names: Callable[[list[tuple[str, str, int]]], object] | None = None):
        self.extract = extract
        self.resolver = Resolver(key, display)
        self.known_names = known_names
        self._dictionary = None

    def _mentions(self, session, text: str) -> list:
        if self.known_names is None:
            return self.extract(text)
        if self._dictionary is None:
            self.resolver._load(session)
            self._dictionary = self.known_names(self.resolver.confirmed)
        return self.extract(text, self._dictionary)

    def __call__(self, session, articles: Iterable[Article]) -> None:
        articles = list(articles)
        rows = []
        with session.no_autoflush:
            for article in articles:
                counts: Counter[int] = Counter()
                text = article.title + "\n" + (article.subtitle + "\n" if article.subtitle else "") + article.body
                mentions = [(getattr(m, "key", None) or self.resolver.key(m.text), m) for m in
                            self._mentions(session, text)]
                # Full names first: a provisional entry takes its name from its longest mention.
                mentions.sort(key=lambda km: -len(km[1].text.split()))
                for k, mention in mentions:
                    eid = self.resolver.resolve(session, mention.text, mention.label, k)
                    if eid is not None:
                        counts[eid] += 1
                rows += [{"article_id": article.id, "entity_id": eid, "mentions": n}
                         for eid, n in counts.items()]
        session.execute(delete(ArticleEntity).where(ArticleEntity.article_id.in_([a.id for a in articles])))
        if rows:
            session.execute(insert(ArticleEntity), rows)


def reextract(db: Database, linker: EntityLinker, since: datetime | None = None,
              progress: Callable[[int, int], None] | None = None, batch: int = 500) -> dict:
    """Run ``linker`` again over stored articles (those stored or changed since ``since``, or
    all), one transaction per batch, after a model or authority-file change. A mention links
    by the authority file as it stands, so a librarian's merges (the merged entry's spellings
    belong to the kept one) and renames (names are not keys) hold. Articles whose entries
    change are marked for the next incremental reindex. Returns {"articles", "changed"}."""
    where = [Article.updated_at >= since] if since is not None else []
    with db.session() as s:
        total = s.scalar(select(func.count(Article.id)).where(*where)) or 0
    done = changed = 0
    last_id = ""
    while True:
        with db.session() as s:
            articles = s.scalars(select(Article).where(Article.id > last_id, *where)
                                 .order_by(Article.id).limit(batch)).all()
            if not articles:
                break
            ids = [a.id for a in articles]

            def links() -> dict[str, set[tuple[int, int]]]:
                out: dict[str, set[tuple[int, int]]] = {aid: set() for aid in ids}
                for aid, eid, n in s.execute(select(ArticleEntity.article_id, ArticleEntity.entity_id,
                                                    ArticleEntity.mentions)
                                             .where(ArticleEntity.article_id.in_(ids))):
                    out[aid].add((eid, n))
                return out

            before = links()
            linker(s, articles)
            after = links()
            moved = [aid for aid in ids if before[aid] != after[aid]]
            mark_changed(s, moved)
            changed += len(moved)
            done += len(ids)
            last_id = ids[-1]
        if progress is not None:
            progress(done, total)
    return {"articles": done, "changed": changed}


# -- reading ------------------------------------------------------------------------------
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
                "merged_into": models.public_id(_final(s, e.id)) if e.merged_into_id else None}


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
        merged = _merged_map(s)
        redirects = {models.public_id(eid): models.public_id(follow_merges(eid, merged.get)) for eid in merged}
    return {"labels": labels, "aliases": {k: v for k, v in groups.items() if len(v) > 1},
            "redirects": redirects}


# -- librarian operations -------------------------------------------------------------------
def merge(db: Database, keep_id: str, merge_id: str) -> dict:
    """Merge entry ``merge_id`` into ``keep_id``: aliases and mentions move, the merged id
    keeps pointing at the kept one. Returns how many articles changed."""
    keep, gone = parse_id(keep_id), parse_id(merge_id)
    with db.session() as s:
        for eid, public in ((keep, keep_id), (gone, merge_id)):
            if eid is None or s.get(Entity, eid) is None:
                raise AuthorityError("unknown entity id: %(id)s", id=public)
        keep = _final(s, keep)
        gone = _final(s, gone)
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


def export_entities(db: Database) -> list[dict]:
    with db.session() as s:
        rows = s.scalars(select(Entity).where(Entity.merged_into_id.is_(None)).order_by(Entity.id)).all()
        return [{"id": e.public_id, "name": e.name, "type": e.kind, "provisional": e.provisional,
                 "aliases": [a.alias for a in e.aliases]} for e in rows]


def dump(rows: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "name", "type", "provisional", "aliases"])
    for r in rows:
        w.writerow([r["id"], r["name"], r["type"], "yes" if r["provisional"] else "no", "|".join(r["aliases"])])
    return buf.getvalue()


def load(text: str, fmt: str) -> list[dict]:
    """Rows of an authority file in JSON or CSV (the export's shape)."""
    if fmt == "json":
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise AuthorityError("the JSON file must hold a list of entries")
        return rows
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        rows.append({"id": (r.get("id") or "").strip() or None, "name": (r.get("name") or "").strip(),
                     "type": (r.get("type") or "").strip(),
                     "provisional": (r.get("provisional") or "no").strip().lower() in ("yes", "true", "1"),
                     "aliases": [a.strip() for a in (r.get("aliases") or "").split("|") if a.strip()]})
    return rows


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    aliases: int = 0


def import_entities(db: Database, rows: list[dict], key: KeyFn) -> ImportReport:
    """Create or update entries: a row with a known ``id`` renames/retypes it and adds its
    aliases; a row without one creates an entry (or extends the one owning its first alias)."""
    problems = []
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.append(f"row {n}: not an entry")
            continue
        if not (row.get("name") or "").strip():
            problems.append(f"row {n}: the name is empty")
        if (row.get("type") or "").strip() not in KINDS:
            problems.append(f"row {n}: type {row.get('type')!r} is not one of {', '.join(KINDS)}")
        if row.get("id") and parse_id(row["id"]) is None:
            problems.append(f"row {n}: id {row['id']!r} is not an entity id like e12")
        if not isinstance(row.get("aliases") or [], list):
            problems.append(f"row {n}: aliases must be a list")
    if problems:  # nothing is changed unless every row is usable
        raise AuthorityError("the file was not imported:\n%(problems)s", problems="\n".join(problems))
    report = ImportReport()
    with db.session() as s:
        for row in rows:
            name = row["name"].strip()
            kind = row["type"].strip()
            aliases = [name] + [a for a in row.get("aliases") or [] if a != name]
            eid = parse_id(row.get("id") or "")
            entity = s.get(Entity, _final(s, eid)) if eid is not None and s.get(Entity, eid) else None
            if entity is None:
                owner = s.scalar(select(EntityAlias.entity_id).where(EntityAlias.key == key(name)))
                entity = s.get(Entity, _final(s, owner)) if owner is not None else None
            if entity is None:
                entity = Entity(kind=kind, name=name, provisional=bool(row.get("provisional", False)))
                s.add(entity)
                s.flush()
                report.created += 1
            else:
                if (entity.name, entity.kind) != (name, kind):
                    # The index stores names and types with each article: mark the articles
                    # changed so an incremental reindex rewrites them.
                    _touch_articles_of(s, entity.id)
                entity.name, entity.kind = name, kind
                entity.provisional = bool(row.get("provisional", False))
                entity.updated_at = utcnow()
                report.updated += 1
            report.aliases += _add_aliases(s, entity, aliases, key)
    return report


# -- the librarians' editor (web/admin.py) ----------------------------------------------------
def _live(s, public_id: str) -> Entity:
    """The entry ``public_id`` names (merges followed), or AuthorityError in plain words."""
    eid = parse_id((public_id or "").strip())
    if eid is None or s.get(Entity, eid) is None:
        raise AuthorityError("there is no entity “%(id)s” (ids look like e12)", id=public_id)
    return s.get(Entity, _final(s, eid))


def _article_count(s, eid: int) -> int:
    return s.scalar(select(func.count()).select_from(ArticleEntity).where(ArticleEntity.entity_id == eid)) or 0


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
            owner = _final(s, owner)
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
            changed = _touch_articles_of(s, entity.id)
        return {"id": entity.public_id, "before": before, "type": kind, "articles": changed}
