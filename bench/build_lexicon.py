"""Build the stemmer's lexicon, indexer/data/lexicon.tsv.gz, from the shared news corpus.

Every normalised all-Arabic word of the corpus (titles and bodies) that occurs at least
``indexer.arabic.LEXICON_MIN_COUNT`` times, with its count, one ``word<TAB>count`` line each,
sorted by word and gzip'd without a time stamp: the same corpus always gives the same bytes.

    .venv/bin/python bench/build_lexicon.py [--corpus PATH] [--out PATH]

Runs under ``make lexicon``, never under ``make test``.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer import arabic  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
ARABIC_WORD = re.compile("[\u0621-\u063A\u0641-\u064A]+")


def count_words(lines) -> Counter:
    """Occurrences of each normalised all-Arabic word in the JSONL articles ``lines``."""
    counts = Counter()
    for line in lines:
        if not line.strip():
            continue
        article = json.loads(line)
        text = (article.get("title") or "") + "\n" + (article.get("body") or "")
        counts.update(word for word in map(arabic.normalize, (t for t, _, _ in arabic.tokenize(text)))
                      if ARABIC_WORD.fullmatch(word))
    return counts


def lexicon_bytes(counts: Counter, min_count: int) -> bytes:
    """The gzip'd ``word<TAB>count`` lines of the words seen ``min_count`` times or more."""
    text = "".join(f"{word}\t{n}\n" for word, n in sorted(counts.items()) if n >= min_count)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(text.encode("utf-8"))
    return buffer.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=arabic.LEXICON_PATH)
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"bench/build_lexicon.py: the corpus is not at {args.corpus} (pass --corpus PATH)",
              file=sys.stderr)
        return 2
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        counts = count_words(f)
    data = lexicon_bytes(counts, arabic.LEXICON_MIN_COUNT)
    args.out.write_bytes(data)
    kept = sum(1 for n in counts.values() if n >= arabic.LEXICON_MIN_COUNT)
    print(json.dumps({"corpus": str(args.corpus), "distinct_words": len(counts), "kept": kept,
                      "min_count": arabic.LEXICON_MIN_COUNT, "out": str(args.out),
                      "bytes": len(data)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
