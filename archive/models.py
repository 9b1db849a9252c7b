"""SQLAlchemy 2.0 models of the archive database (the system of record).

Datetimes are stored naive, in UTC, so SQLite and PostgreSQL behave the same.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import ForeignKey, Index, Integer, String, Text, DateTime
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
    """A section, by the outlet's own code (``politic``, ``اخبار وتقارير``); ``label`` is for display."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(300), unique=True)
    label: Mapped[str | None] = mapped_column(String(300))


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
    error: Mapped[str | None] = mapped_column(Text)
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
    reason: Mapped[str] = mapped_column(Text)
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

    section: Mapped[Section | None] = relationship(lazy="joined")
    source: Mapped[Source | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_articles_updated_at", "updated_at"),)
