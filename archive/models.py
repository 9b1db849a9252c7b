"""SQLAlchemy 2.0 models of the archive database (the system of record).

Datetimes are stored naive, in UTC, so SQLite and PostgreSQL behave the same.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Now, as the naive UTC datetime the database stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Source(Base):
    """An outlet, named as its input names it (e.g. ``جريدة المدى``)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    # IANA zone used for times the source gives without an offset; None means ARSHIF_TIMEZONE.
    timezone: Mapped[str | None] = mapped_column(String(64))


class Section(Base):
    """A section, by the outlet's own code (``politic``, ``اخبار وتقارير``), with the Arabic and
    English labels librarians give it (archive/sections.py)."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(300), unique=True)
    label_ar: Mapped[str | None] = mapped_column(String(300))
    label_en: Mapped[str | None] = mapped_column(String(300))


class IngestRun(Base):
    """One ``arshif ingest`` invocation and its five counts."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # running | completed | failed
    status: Mapped[str] = mapped_column(String(20), default="running")
    paths: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(20), default="auto")
    source_override: Mapped[str | None] = mapped_column(String(300))
    # The job that ran it (None: an ingest called from Python, not as a job).
    job_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Why it failed (or the paths it could not read), in English; ``error_params``: the same
    # as a message template and its parameters (archive/errors.py), for translation.
    error: Mapped[str | None] = mapped_column(Text)
    error_params: Mapped[dict | None] = mapped_column(JSON)
    # sha256 of the files read (names, sizes, contents): see archive.ingest.fingerprint.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    read: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)

    rejections: Mapped[list[Rejection]] = relationship(back_populates="run", order_by="Rejection.id")


class Rejection(Base):
    """A record that could not be stored, with where it came from and why."""

    __tablename__ = "rejections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)  # in English
    # The reason as a message template and its parameters (archive/errors.py), for translation;
    # None in rows stored before 0009 (their English reason is shown as it is).
    reason_params: Mapped[dict | None] = mapped_column(JSON)
    raw: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    run: Mapped[IngestRun] = relationship(back_populates="rejections")


class Article(Base):
    """A stored article. ``id`` is stable and URL-safe (see DESIGN.md, Identifiers)."""

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    subtitle: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(Text)
    # SHA-1 of the canonical URL (archive/urls.py): the same address updates the same article.
    url_key: Mapped[str | None] = mapped_column(String(40), index=True)
    published_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    # "day" when the source gave only a date; "minute"/"second" otherwise.
    date_precision: Mapped[str] = mapped_column(String(10), default="minute")
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    # Hash of title + body: the same text under another id is a duplicate.
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # Hash of every stored field: re-ingesting an unchanged record changes nothing.
    record_hash: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str | None] = mapped_column(Text)
    ingest_run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_runs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The change number of the last transaction that changed it (archive/changes.py): what an
    # incremental reindex selects by.
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)

    section: Mapped[Section | None] = relationship(lazy="joined")
    source: Mapped[Source | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_articles_updated_at", "updated_at"),)


class ChangeCounter(Base):
    """The one row holding the newest change number given (archive/changes.py)."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# The kinds of authority entries. Every kind but "misc" is a facet and a filter of search
# (indexer.query.ENTITY_KINDS) and a field of the index.
ENTITY_TYPES = ("person", "org", "place", "misc")
FACET_KINDS = ("person", "org", "place")


def public_id(entity_id: int) -> str:
    """``e12``: how facets, URLs, files and the index name entry 12 (``Entity.public_id``)."""
    return f"e{entity_id}"


def parse_id(public: str) -> int | None:
    """``e12`` → 12; None for anything else."""
    if isinstance(public, str) and public[:1] == "e" and public[1:].isdigit():
        return int(public[1:])
    return None


class Entity(Base):
    """An authority-file entry: one person, organisation or place, however it is spelled.

    ``public_id`` (``e<id>``) is what facets and URLs use; it survives merges because a merged
    entry keeps its row and points at the entry it was merged into.
    """

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # one of ENTITY_TYPES
    kind: Mapped[str] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(String(300))
    # True for names first seen in an article, not yet confirmed by a librarian or a seed list.
    provisional: Mapped[bool] = mapped_column(default=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    aliases: Mapped[list[EntityAlias]] = relationship(back_populates="entity", order_by="EntityAlias.id")

    @property
    def public_id(self) -> str:
        return public_id(self.id)


class EntityAlias(Base):
    """One spelling of an entity; ``key`` is its normalised lookup form (unique)."""

    __tablename__ = "entity_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300), unique=True)

    entity: Mapped[Entity] = relationship(back_populates="aliases")


class ArticleEntity(Base):
    """An entity mentioned in an article, with how often."""

    __tablename__ = "article_entities"

    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    mentions: Mapped[int] = mapped_column(Integer, default=1)


class ArticleRevision(Base):
    """A previous version of an article, kept when an ingest replaced it (same id or same URL).

    Holds the fields as they were before the change; ``changed`` names the fields that changed
    (comma-separated), ``ingest_run_id`` the run that replaced them.
    """

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    subtitle: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime)
    date_precision: Mapped[str] = mapped_column(String(10))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    origin: Mapped[str | None] = mapped_column(Text)
    changed: Mapped[str] = mapped_column(String(300))
    replaced_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ingest_run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_runs.id"))


class User(Base):
    """A librarian account; ``role`` is ``librarian`` or ``admin``. Passwords are stored hashed."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="librarian")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Raised by sign-out, a new password or disabling: sign-ins made before stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Job(Base):
    """Long work (a reindex, an uploaded ingest) run by its own process, with its progress.

    ``lock_key`` holds the job's kind while it is queued or running and is NULL afterwards;
    being unique, it lets the database refuse a second reindex from any process.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    # queued | running | completed | failed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    lock_key: Mapped[str | None] = mapped_column(String(20), unique=True)
    started_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    # Items per second, averaged since the start.
    rate: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(Text)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    # JSON: what to do (paths, format, full) and what came of it (generation, ingest run).
    params: Mapped[str] = mapped_column(Text, default="{}")
    result: Mapped[str | None] = mapped_column(Text)
