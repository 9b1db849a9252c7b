"""A large, realistic benchmark corpus built from the shared one, without exact copies.

Each generated article takes a real article of the corpus as its pattern (so section, source
and the number of sentences follow the real distribution) and keeps about half of its sentences;
the others are drawn from the sentence pool of the pattern's section, so vocabulary, posting
lengths and score ties look like a growing archive rather than a mirror of 20,000 articles. The
title joins the first half of the pattern's title with the second half of another title of the
same section. Dates are spread uniformly over twenty years (2006–2025, to the minute); every
article has its own id and URL, and a generated article whose title and body repeat an earlier
one is drawn again. Entities are not written here: `arshif ingest` extracts them from the
text, so they agree with it. Deterministic for a given --seed and --articles.

Writes JSONL (gzip when the name ends in .gz) that `arshif ingest` reads.

    .venv/bin/python bench/corpus.py OUT.jsonl.gz --articles 300000 [--seed 1] [--keep 0.5]
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
FIRST_DAY = datetime(2006, 1, 1)
MINUTES = 20 * 365 * 24 * 60
# A sentence ends at . ! ? ؟ or a line break (kept with the sentence it ends).
SENTENCE = re.compile(r"[^.!?؟\n]+[.!?؟]*\s*|\n+")


def sentences(body: str) -> list[str]:
    return [s for s in SENTENCE.findall(body) if s.strip()]


def load(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def generate(rows: list[dict], articles: int, seed: int = 1, keep: float = 0.5):
    """``articles`` new records from ``rows`` (see the module docstring)."""
    rng = random.Random(seed)
    split = [sentences(r["body"]) for r in rows]
    by_section: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if split[i]:
            by_section[r.get("section") or ""].append(i)
    pool = {sec: [s for i in idx for s in split[i]] for sec, idx in by_section.items()}
    patterns = [i for idx in by_section.values() for i in idx]
    seen: set[bytes] = set()
    n = 0
    while n < articles:
        i = rng.choice(patterns)
        row, section = rows[i], rows[i].get("section") or ""
        same = pool[section]
        body = [s if rng.random() < keep else rng.choice(same) for s in split[i]]
        if body == split[i]:  # never the pattern itself
            body[rng.randrange(len(body))] = rng.choice(same)
        other = rows[rng.choice(by_section[section])]["title"].split()
        words = row["title"].split()
        title = " ".join(words[:(len(words) + 1) // 2] + other[len(other) // 2:])
        text = "".join(body).strip()
        digest = hashlib.blake2b(f"{title}\n{text}".encode(), digest_size=16).digest()
        if digest in seen:
            continue
        seen.add(digest)
        when = FIRST_DAY + timedelta(minutes=rng.randrange(MINUTES))
        host = re.sub(r"[^a-z0-9]+", "", (row.get("source") or "news").lower()) or "news"
        yield {"id": f"gen{seed}-{n:07d}", "title": title, "body": text,
               "date": when.strftime("%Y-%m-%dT%H:%M:00"), "section": row.get("section"),
               "source": row.get("source"),
               "url": f"https://{host}.example/{when:%Y/%m/%d}/{seed}-{n}"}
        n += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--articles", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=float, default=0.5, help="share of the pattern's sentences kept")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    args = ap.parse_args()
    if not args.corpus.exists():
        sys.exit(f"bench/corpus.py needs the corpus at {args.corpus}")
    # Written under another name and renamed when whole: a run stopped half-way leaves no file
    # that bench/search.py would take for the corpus.
    opener = gzip.open if args.out.suffix == ".gz" else open
    part = args.out.with_name(args.out.name + ".part")
    with opener(part, "wt", encoding="utf-8") as out:
        for record in generate(load(args.corpus), args.articles, args.seed, args.keep):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    part.replace(args.out)
    print(json.dumps({"out": str(args.out), "articles": args.articles, "seed": args.seed}))


if __name__ == "__main__":
    main()
