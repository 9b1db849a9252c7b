"""The authority file in and out of the database in bulk: seeding from the gazetteers' entries,
export to JSON or CSV, and import of such a file (every row checked before anything changes)."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import select

from archive.authority.entries import KINDS, AuthorityError, KeyFn, final_id, touch_articles_of
from archive.db import Database
from archive.models import Entity, EntityAlias, parse_id, utcnow


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
            entity = s.get(Entity, final_id(s, eid)) if eid is not None and s.get(Entity, eid) else None
            if entity is None:
                owner = s.scalar(select(EntityAlias.entity_id).where(EntityAlias.key == key(name)))
                entity = s.get(Entity, final_id(s, owner)) if owner is not None else None
            if entity is None:
                entity = Entity(kind=kind, name=name, provisional=bool(row.get("provisional", False)))
                s.add(entity)
                s.flush()
                report.created += 1
            else:
                if (entity.name, entity.kind) != (name, kind):
                    # The index stores names and types with each article: mark the articles
                    # changed so an incremental reindex rewrites them.
                    touch_articles_of(s, entity.id)
                entity.name, entity.kind = name, kind
                entity.provisional = bool(row.get("provisional", False))
                entity.updated_at = utcnow()
                report.updated += 1
            report.aliases += _add_aliases(s, entity, aliases, key)
    return report
