"""Linking the mentions the extractor finds in stored articles to authority entries: unknown
names become provisional entries (``Resolver``), each article's entries are recorded at ingest
(``EntityLinker``) and again over stored articles after a model or authority-file change
(``reextract``)."""
from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy import delete, func, insert, select

from archive.authority.entries import KeyFn, follow_merges, merged_map, rekey_aliases
from archive.changes import mark_changed
from archive.db import Database
from archive.models import Article, ArticleEntity, Entity, EntityAlias, utcnow
from archive.processes import die_with_parent

LABEL_KIND = {"PER": "person", "ORG": "org", "LOC": "place", "MISC": "misc"}


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
            merged = merged_map(session)
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

    def resolve_all(self, session, mentions: list[tuple[str, str, str]]) -> list[int | None]:
        """The entries of mentions given as (key, text, label), in order (None for a key too
        short to link). Unknown keys become provisional entries named after their first mention,
        created together: one statement for the entries, one for their aliases."""
        ids = self._load(session)
        new: dict[str, tuple[str, str]] = {}
        for k, text, label in mentions:
            if len(k) >= 2 and k not in ids and k not in new:
                new[k] = (LABEL_KIND.get(label, "misc"), self.display(text).strip() or text)
        if new:
            now = utcnow()
            created = session.scalars(
                insert(Entity).returning(Entity.id, sort_by_parameter_order=True),
                [{"kind": kind, "name": name, "provisional": True, "created_at": now, "updated_at": now}
                 for kind, name in new.values()]).all()
            session.execute(insert(EntityAlias), [{"entity_id": eid, "alias": name, "key": k}
                                                  for (k, (_, name)), eid in zip(new.items(), created)])
            ids.update(zip(new, created))
        return [ids[k] if len(k) >= 2 else None for k, _, _ in mentions]


def article_text(article) -> str:
    """The text the extractor reads of an article (anything with title, subtitle and body)."""
    return article.title + "\n" + (article.subtitle + "\n" if article.subtitle else "") + article.body


# Texts per task handed to an extraction process: large enough that passing them costs little
# next to extracting them, small enough that a batch spreads over the processes.
CHUNK = 25

# The extraction process's own linker (the parent's, inherited by fork: its model and
# dictionary are loaded already).
_worker_linker: "EntityLinker | None" = None


def _start_worker(linker: "EntityLinker", parent: int) -> None:
    global _worker_linker
    die_with_parent(parent)  # a killed ingest leaves no extraction process behind
    _worker_linker = linker


def _found_in_worker(texts: list[str]) -> list[list[tuple[str, str, str]]]:
    return _worker_linker._found_all(None, texts)


class Ahead:
    """The extraction started for one batch of articles before it is stored (``EntityLinker.
    ahead``). ``close()`` once the batch is stored: what was not used (articles found unchanged,
    duplicates, rejections) is cancelled where it has not started."""

    def __init__(self, linker: "EntityLinker", futures: list[Future], texts: list[str]):
        self.linker, self.futures, self.texts = linker, futures, texts

    def close(self) -> None:
        for future in self.futures:
            future.cancel()
        for text in self.texts:
            self.linker._ahead.pop(text, None)


class EntityLinker:
    """Runs the extractor on stored articles and records which entries each one mentions.
    Called by ingest for every added or updated article (entities are extracted once).

    ``known_names``, when given, builds the extractor's dictionary of the authority file from
    (key, kind, entry id) rows of the confirmed entries, read once per run; ``extract`` is
    then called as ``extract(text, dictionary)``. Provisional entries are left out of it so
    what one article adds does not change how the next is read.

    ``procs`` > 0: ``ahead`` extracts the articles of a batch in that many processes while the
    previous batch is being stored (forked from this one once ``ahead`` is first given a batch of
    at least ``procs_after`` articles, so small runs start none; the model and the dictionary
    are the parent's). Linking takes each article's mentions from there when its text is the
    one extracted, and extracts here otherwise: the links are the same either way. Call
    ``close()`` when the run ends.

    ``extract_many``, when given, is ``extract`` of a list of texts (a list of mention lists,
    the same mentions): an extraction process gives it each chunk of texts at once."""

    def __init__(self, extract: Callable[..., list], key: KeyFn, display: Callable[[str], str],
                 known_names: Callable[[list[tuple[str, str, int]]], object] | None = None,
                 procs: int = 0, procs_after: int = 100,
                 extract_many: Callable[..., list[list]] | None = None):
        self.extract = extract
        self.extract_many = extract_many
        self.resolver = Resolver(key, display)
        self.known_names = known_names
        self._dictionary = None
        self.procs = procs
        self.procs_after = procs_after
        self._pool: ProcessPoolExecutor | None = None
        self._ahead: dict[str, tuple[Future, int]] = {}  # text → (its chunk's task, place in it)

    def _ready(self, session) -> None:
        if self.known_names is not None and self._dictionary is None:
            self.resolver._load(session)
            self._dictionary = self.known_names(self.resolver.confirmed)

    def _found(self, session, text: str) -> list[tuple[str, str, str]]:
        """(key, text, label) of the mentions in ``text``."""
        if self.known_names is None:
            mentions = self.extract(text)
        else:
            self._ready(session)
            mentions = self.extract(text, self._dictionary)
        return self._keyed(mentions)

    def _found_all(self, session, texts: list[str]) -> list[list[tuple[str, str, str]]]:
        """``_found`` of each of ``texts`` (with ``extract_many`` when there is one)."""
        if self.extract_many is None:
            return [self._found(session, text) for text in texts]
        if self.known_names is not None:
            self._ready(session)
        extra = () if self.known_names is None else (self._dictionary,)
        found = []
        for i in range(0, len(texts), CHUNK):  # a few at a time: what one call holds stays small
            found += self.extract_many(texts[i:i + CHUNK], *extra)
        return [self._keyed(mentions) for mentions in found]

    def _keyed(self, mentions: list) -> list[tuple[str, str, str]]:
        return [(getattr(m, "key", None) or self.resolver.key(m.text), m.text, m.label) for m in mentions]

    def ahead(self, session, articles: list) -> Ahead | None:
        """Start extracting ``articles`` (title, subtitle, body as they will be stored) in the
        extraction processes; None when there are none (``procs`` 0, a small run)."""
        if self.procs <= 0 or not articles:
            return None
        if self._pool is None:
            if len(articles) < self.procs_after:
                return None
            self._ready(session)  # the dictionary, read before the fork
            self._pool = ProcessPoolExecutor(self.procs, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_start_worker, initargs=(self, os.getpid()))
        texts = list(dict.fromkeys(article_text(a) for a in articles if a.title and a.body))
        texts = [t for t in texts if t not in self._ahead]
        futures = []
        for i in range(0, len(texts), CHUNK):
            chunk = texts[i:i + CHUNK]
            future = self._pool.submit(_found_in_worker, chunk)
            futures.append(future)
            self._ahead.update((text, (future, k)) for k, text in enumerate(chunk))
        return Ahead(self, futures, texts)

    def _mentions(self, session, texts: list[str]) -> list[list[tuple[str, str, str]]]:
        """The mentions of each of ``texts``: from the extraction processes where they were
        extracted ahead, the others extracted here together."""
        out: list[list[tuple[str, str, str]] | None] = []
        for text in texts:
            started = self._ahead.get(text)
            found = None
            if started is not None:
                future, k = started
                try:
                    found = list(future.result()[k])
                except Exception:  # noqa: BLE001 - cancelled, a lost process: extract here (an error recurs here)
                    pass
            out.append(found)
        missing = [i for i, found in enumerate(out) if found is None]
        for i, found in zip(missing, self._found_all(session, [texts[i] for i in missing])):
            out[i] = found
        return out

    def close(self) -> None:
        """Stop the extraction processes (tasks not started are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._ahead.clear()

    def __call__(self, session, articles: Iterable[Article]) -> None:
        articles = list(articles)
        found: list[tuple[str, str, str]] = []  # (key, text, label) of every mention, article by article
        ends = []
        with session.no_autoflush:
            for mentions in self._mentions(session, [article_text(article) for article in articles]):
                # Full names first: a provisional entry takes its name from its longest mention.
                mentions.sort(key=lambda m: -len(m[1].split()))
                found += mentions
                ends.append(len(found))
            ids = self.resolver.resolve_all(session, found)
        rows, start = [], 0
        for article, end in zip(articles, ends):
            counts = Counter(eid for eid in ids[start:end] if eid is not None)
            rows += [{"article_id": article.id, "entity_id": eid, "mentions": n} for eid, n in counts.items()]
            start = end
        session.execute(delete(ArticleEntity).where(ArticleEntity.article_id.in_([a.id for a in articles])))
        if rows:
            session.execute(insert(ArticleEntity), rows)


def reextract(db: Database, linker: EntityLinker, since: datetime | None = None,
              progress: Callable[[int, int], None] | None = None, batch: int = 500) -> dict:
    """Run ``linker`` again over stored articles (those stored or changed since ``since``, or
    all), one transaction per batch, after a model or authority-file change. A mention links
    by the authority file as it stands, so a librarian's merges (the merged entry's spellings
    belong to the kept one) and renames (names are not keys) hold. Articles whose entries
    change are marked for the next incremental reindex. With the linker's extraction processes,
    the next batch is extracted while one is linked; the linker is closed at the end. First the
    aliases' lookup keys are made again with the linker's key function (``rekey_aliases``: a
    release may make keys another way). Returns {"articles", "changed", "aliases_rekeyed",
    "alias_conflicts"}."""
    with db.session() as s:
        rekeyed = rekey_aliases(s, linker.resolver.key)
    where = [Article.updated_at >= since] if since is not None else []
    columns = (Article.id, Article.title, Article.subtitle, Article.body)

    def page(s, after: str) -> list:
        return s.execute(select(*columns).where(Article.id > after, *where).order_by(Article.id).limit(batch)).all()

    with db.session() as s:
        total = s.scalar(select(func.count(Article.id)).where(*where)) or 0
        ahead = linker.ahead(s, page(s, ""))
    done = changed = 0
    last_id = ""
    try:
        while True:
            with db.session() as s:
                # The batch as it stands in this transaction (what ``ahead`` extracted is used
                # only where the text is the same), and the next one, extracted meanwhile.
                articles = page(s, last_id)
                if not articles:
                    break
                ids = [a.id for a in articles]
                following = linker.ahead(s, page(s, ids[-1]))

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
            if ahead is not None:
                ahead.close()
            ahead = following
            if progress is not None:
                progress(done, total)
    finally:
        linker.close()
    return {"articles": done, "changed": changed, "aliases_rekeyed": rekeyed["rekeyed"],
            "alias_conflicts": rekeyed["conflicts"]}
