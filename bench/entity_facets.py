"""Entity facets against the text: does the person / organisation / place filter return the
articles that name the entry?

Ingests the first N articles of ../shared/corpus/news.jsonl.gz into a fresh instance through the
real command (`arshif init`, `arshif ingest`: extraction and linking included; the wall-clock
articles/s is reported), then, for the 40 most frequent confirmed authority entries of each kind:

- text match T: articles whose normalised title + body contain one of the entry's spellings as
  whole words, the first word possibly written with و ف ب ل ك (and لل for ال) in front, the
  longest spelling of any entry winning where several start at a word (see text_matches). Recall is
  counted against the *unambiguous* spellings only (a one-word spelling that is also an everyday
  word, month, first name or title — ماي, الأسد, عون, البابا — does not show by itself that the
  entry is meant); precision accepts any spelling;
- facet F: the articles linked to the entry (what the facet and the filter show);
- recall = |F ∩ T_unambiguous| / |T_unambiguous|, precision = |F ∩ T_any| / |F|.

A facet article that names the entry only by a description ("الرئيس الأميركي") has no text match,
so coreference is counted against precision by this method, never for it. Prints one JSON
object: the table, macro figures per kind and overall, and the misses of the worst entries.

    .venv/bin/python bench/entity_facets.py [--articles 20000] [--top 40] [--instance DIR] [--worst 5]
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from archive.db import Database  # noqa: E402
from archive.models import Article, ArticleEntity, Entity, EntityAlias  # noqa: E402
from indexer.arabic import normalize, tokenize  # noqa: E402
from indexer.entities import KnownNames, entity_key  # noqa: E402
from indexer.entity_features import shipped_tag_dictionary_path, tag_dictionary_rows  # noqa: E402
from indexer.gazetteers import GENERIC_BODIES, NATIONALITIES, person_first_names  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
ARSHIF = str(Path(sys.executable).with_name("arshif"))
KINDS = ("person", "org", "place")
# Letters written onto the first word of a name: و/ف "and/so", then ب/ل/ك "in/for/like".
PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")


def ingest(instance: Path, corpus: Path, articles: int) -> dict:
    """A fresh instance with the first ``articles`` of ``corpus``, through the CLI; timings."""
    env = dict(os.environ, ARSHIF_INSTANCE=str(instance))
    subprocess.run([ARSHIF, "init"], env=env, check=True, capture_output=True)
    part = instance / "slice.jsonl"
    with gzip.open(corpus, "rt", encoding="utf-8") as lines, open(part, "w", encoding="utf-8") as out:
        out.writelines(itertools.islice(lines, articles))
    started, cpu = time.perf_counter(), _children_cpu()
    run = subprocess.run([ARSHIF, "ingest", str(part), "--json", "--no-reindex"], env=env, check=True,
                         capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
    report = json.loads(run.stdout)
    # On a shared machine the wall clock counts the other processes' turns too; the ingest's
    # own CPU time says what one free core would do.
    return {"articles": report["read"], "seconds": round(seconds, 1),
            "articles_per_s": round(report["read"] / seconds, 1), "cpu_seconds": round(cpu, 1),
            "articles_per_cpu_s": round(report["read"] / cpu, 1)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def first_word_forms(word: str) -> list[str]:
    """How the first word of a spelling may be written with a clitic in front."""
    forms = [p + word for p in PREFIXES]
    if word.startswith("ال"):
        forms += [p + "ل" + word[1:] for p in ("", "و", "ف")]  # لل = ل + ال: للأمم
    return forms


def text_matches(db: Database, spellings: dict[int, list[tuple[tuple[str, ...], bool]]],
                 generic: set[int], persons: set[int] = frozenset()
                 ) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """entry → articles naming it by any spelling, and by an unambiguous one (``article_matches``
    reads each article)."""
    reader = SpellingReader(spellings, generic, persons)
    any_match: dict[int, set[str]] = defaultdict(set)
    sure_match: dict[int, set[str]] = defaultdict(set)
    with db.session() as s:
        for aid, title, subtitle, body in s.execute(
                select(Article.id, Article.title, Article.subtitle, Article.body)).yield_per(500):
            words = [normalize(t) for t, _, _ in tokenize(f"{title}\n{subtitle or ''}\n{body}")]
            named, sure = reader.article_matches(words)
            for eid in named:
                any_match[eid].add(aid)
            for eid in sure:
                sure_match[eid].add(aid)
    return any_match, sure_match


def _distance(a: str, b: str) -> int:
    """Levenshtein distance of two words."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def given_names(least: int = 3, share: float = 0.5) -> frozenset[str]:
    """Words the news mostly writes inside a person's name (the shipped tag dictionary: at least
    ``least`` occurrences, at least ``share`` of them in a PER name as the base tagger tags the
    20,000 articles): كاثرين, كيفن, مارك, إيفانكا, not حكومة, اتهام or سيتي. Only the measure uses
    this list, to see that a surname follows someone else's first name."""
    path = shipped_tag_dictionary_path()
    if path is None:
        return frozenset()
    names = set()
    for word, counts in tag_dictionary_rows(path):
        total, person, *_ = map(int, counts.split("\t"))
        if total >= least and person >= share * total:
            names.add(word)
    return frozenset(names)


class SpellingReader:
    """Which entries an article names, read as a person reads.

    The longest spelling at a word wins (ريال مدريد names the club, not the city; تنظيم الدولة
    الإسلامية is not تنظيم الدولة), and a generic body's spelling (a ministry, council, parliament
    or army: ``generic``) followed by a nationality adjective names that country's body (وزارة
    الخارجية الأمريكية is not the entry وزارة الخارجية). A person's one-word spelling (a surname)
    written after a first name that is none of the entry's words nor another spelling of one
    (``own_word``) names someone else (رفيق الحريري
    is not سعد الحريري, بيل كلينتون not هيلاري كلينتون, كيفن جونسون not بوريس جونسون), and so does
    the same surname alone anywhere in that article (``وقال جونسون`` after ``كيفن جونسون``): such
    an article does not show that the entry is meant unless it gives the entry's longer spelling,
    so it leaves the recall count (precision still accepts it). First names: ``person_first_names``
    and the first words of the authority's several-word person spellings; for the recall count
    also ``given_names()`` less the words of known people's spellings."""

    def __init__(self, spellings: dict[int, list[tuple[tuple[str, ...], bool]]], generic: set[int],
                 persons: set[int] = frozenset()):
        self.generic, self.persons = generic, persons
        self.own_words = {eid: {w for words, _ in forms for w in words} for eid, forms in spellings.items()}
        self.first_names = person_first_names() | {
            words[0] for eid in persons for words, _ in spellings.get(eid, ()) if len(words) > 1}
        # For recall only: the news's given names, less every word of a known person's spellings
        # (ميسي, نيمار: a list of players is no first name and a surname).
        known_words = {w for eid in persons for words, _ in spellings.get(eid, ()) for w in words}
        self.other_first_names = self.first_names | (given_names() - known_words)
        self.starts: dict[str, list[tuple[int, tuple[str, ...], bool]]] = defaultdict(list)
        for eid, forms in spellings.items():
            for words, ambiguous in forms:
                for first in first_word_forms(words[0]):
                    self.starts[first].append((eid, words[1:], ambiguous))

    def own_word(self, eid: int, word: str) -> bool:
        """Whether ``word`` is one of the entry's words or another spelling of one (a letter or
        two apart in a word of five or more: جوسيب for جوزيب, سيرجي for سيرغي)."""
        own = self.own_words[eid]
        return word in own or (len(word) >= 5 and any(
            abs(len(word) - len(w)) <= 1 and _distance(word, w) <= 2 for w in own if len(w) >= 5))

    def article_matches(self, words: list[str]) -> tuple[set[int], set[int]]:
        """(entries named by any spelling, entries named by an unambiguous one) in ``words``."""
        found: list[tuple[int, bool, bool]] = []  # (entry, one-word person spelling, ambiguous)
        someone_else: set[int] = set()
        i = 0
        while i < len(words):
            best = None
            for eid, rest, ambiguous in self.starts.get(words[i], ()):
                if tuple(words[i + 1:i + 1 + len(rest)]) == rest and (best is None or len(rest) > len(best[1])):
                    best = (eid, rest, ambiguous)
            if best is None:
                i += 1
                continue
            eid, rest, ambiguous = best
            bare = eid in self.persons and not rest
            if bare and i > 0 and not self.own_word(eid, words[i - 1]):
                if words[i - 1] in self.first_names:
                    someone_else.add(eid)
                    i += 1
                    continue
                if words[i - 1] in self.other_first_names:
                    someone_else.add(eid)
            i += 1 + len(rest)
            if eid in self.generic and i < len(words) and words[i] in NATIONALITIES:
                continue
            found.append((eid, bare, ambiguous))
        named = {eid for eid, _, _ in found}
        sure = {eid for eid, bare, ambiguous in found if not ambiguous and not (bare and eid in someone_else)}
        return named, sure


def facet_table(db: Database, top: int) -> dict:
    with db.session() as s:
        entries = {eid: (name, kind) for eid, name, kind in s.execute(
            select(Entity.id, Entity.name, Entity.kind).where(
                Entity.provisional.is_(False), Entity.merged_into_id.is_(None)))}
        aliases = defaultdict(list)
        for eid, alias in s.execute(select(EntityAlias.entity_id, EntityAlias.alias)):
            if eid in entries:
                aliases[eid].append(alias)
        facets: dict[int, set[str]] = defaultdict(set)
        for aid, eid in s.execute(select(ArticleEntity.article_id, ArticleEntity.entity_id)):
            facets[eid].add(aid)
    # Which spellings are ambiguous: the extractor's own rule (KnownNames).
    known = KnownNames((entity_key(a), entries[eid][1], eid) for eid, names in aliases.items() for a in names)
    spellings = {eid: [(words, name.ambiguous) for words, name in known.table.phrases.items()
                       if name.ref == eid] for eid in entries}
    generic = {eid for eid in entries if entries[eid][1] == "org"
               and normalize(entries[eid][0]).split()[0] in GENERIC_BODIES}
    persons = {eid for eid in entries if entries[eid][1] == "person"}
    any_match, sure_match = text_matches(db, spellings, generic, persons)
    result: dict = {}
    for kind in KINDS:
        ranked = sorted((eid for eid in entries if entries[eid][1] == kind and sure_match.get(eid)),
                        key=lambda eid: (-len(sure_match[eid]), eid))[:top]
        rows = []
        for eid in ranked:
            facet, sure, named = facets.get(eid, set()), sure_match[eid], any_match[eid]
            rows.append({"id": f"e{eid}", "name": entries[eid][0], "text": len(sure), "facet": len(facet),
                         "recall": round(len(facet & sure) / len(sure), 3),
                         "precision": round(len(facet & named) / len(facet), 3) if facet else None,
                         "misses": sorted(sure - facet)[:10], "not_named": sorted(facet - named)[:10]})
        result[kind] = rows
    return result


def macro(rows: list[dict]) -> dict:
    recalls = [r["recall"] for r in rows]
    precisions = [r["precision"] for r in rows if r["precision"] is not None]
    return {"entries": len(rows),
            "macro_recall": round(sum(recalls) / len(recalls), 3) if recalls else None,
            "macro_precision": round(sum(precisions) / len(precisions), 3) if precisions else None,
            "entries_below_0.90_recall": sum(r < 0.90 for r in recalls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--instance", type=Path, default=None,
                        help="the instance to measure (ingested first when it has no database yet)")
    parser.add_argument("--worst", type=int, default=5)
    args = parser.parse_args()
    out: dict = {"load_average": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as tmp:
        instance = args.instance or Path(tmp) / "instance"
        if not (instance / "archive.sqlite3").exists():
            if not args.corpus.exists():
                print(json.dumps({"error": f"corpus not found at {args.corpus}"}))
                sys.exit(1)
            out["ingest"] = ingest(instance, args.corpus, args.articles)
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'archive.sqlite3'}"
        db = Database(url)
        try:
            table = facet_table(db, args.top)
        finally:
            db.dispose()
    every = [row for kind in KINDS for row in table[kind]]
    out["macro"] = {kind: macro(table[kind]) for kind in KINDS} | {"all": macro(every)}
    worst = sorted(every, key=lambda r: (r["recall"], r["text"]))[:args.worst]
    out["worst"] = [{k: r[k] for k in ("id", "name", "text", "facet", "recall", "precision", "misses")}
                    for r in worst]
    out["least_precise"] = [{k: r[k] for k in ("id", "name", "facet", "precision", "not_named")} for r in
                            sorted((r for r in every if r["precision"] is not None),
                                   key=lambda r: r["precision"])[:args.worst]]
    out["table"] = {kind: [{k: r[k] for k in ("name", "text", "facet", "recall", "precision")}
                           for r in table[kind]] for kind in KINDS}
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
