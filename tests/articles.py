"""Generated articles for tests that need a few thousand of them (kill tests, upload counts):
deterministic pseudo-Arabic news built from the words of tests/fixtures, short enough that
indexing thousands takes seconds."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

from tests.conftest import FIXTURES

SECTIONS = ("politic", "economy", "sport", "culture")
SOURCES = ("Al Arabiya", "جريدة المدى")
# Every seventh article carries this phrase, so phrase queries have answers.
PHRASE = "خلية اتصال مشتركة"


def vocabulary() -> list[str]:
    words: set[str] = set()
    for line in (FIXTURES / "news.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        words.update(re.findall(r"[\u0621-\u064a]{3,}", record["title"] + " " + record["body"]))
    return sorted(words)


def generate(n: int, seed: int = 8, prefix: str = "gen") -> list[dict]:
    rng = random.Random(seed)
    vocab = vocabulary()
    out = []
    for i in range(n):
        body = " ".join(rng.choice(vocab) for _ in range(rng.randint(12, 25)))
        if i % 7 == 0:
            body += " " + PHRASE
        out.append({"id": f"{prefix}-{i:05d}", "title": " ".join(rng.choice(vocab) for _ in range(6)),
                    "body": body + ".", "date": f"{2015 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
                    "section": SECTIONS[i % len(SECTIONS)], "source": SOURCES[i % len(SOURCES)],
                    "url": f"https://example.org/{prefix}/{i}"})
    return out


def write_jsonl(path: Path, articles: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for a in articles:
            out.write(json.dumps(a, ensure_ascii=False) + "\n")
    return path
