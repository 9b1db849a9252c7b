"""The stemmer's lexicon: shipped in the package, built deterministically by `make lexicon`."""
import gzip
import sys
from collections import Counter
from pathlib import Path

from indexer import arabic
from tests.conftest import FIXTURES, ROOT

sys.path.insert(0, str(ROOT / "bench"))
import build_lexicon  # noqa: E402


def test_shipped_lexicon_is_loaded_from_the_package():
    # no ../shared needed: the file sits beside the code and is read at import
    assert arabic.LEXICON_PATH.parent == Path(arabic.__file__).parent / "data"
    assert arabic.LEXICON_PATH.is_file()
    assert arabic.LEXICON == arabic.read_lexicon()
    assert len(arabic.LEXICON) > 50_000
    assert min(arabic.LEXICON.values()) >= arabic.LEXICON_MIN_COUNT
    assert arabic.LEXICON["فيدرر"] > arabic.LEXICON.get("يدرر", 0)


def test_count_words_normalises_and_keeps_arabic_words():
    lines = (FIXTURES / "news.jsonl").read_text(encoding="utf-8").splitlines()
    counts = build_lexicon.count_words(lines)
    assert all(arabic.normalize(w) == w for w in counts)
    assert all(build_lexicon.ARABIC_WORD.fullmatch(w) for w in counts)
    assert counts["وزاره"] >= 1  # وزارة in the first article, normalised
    line = '{"title": "وزارة الصحة: COVID-19 في 2020", "body": "وِزارةُ الصحة"}'
    assert build_lexicon.count_words([line, ""]) == {"وزاره": 2, "الصحه": 2, "في": 1}


def test_lexicon_bytes_are_deterministic_and_read_back(tmp_path):
    counts = Counter({"فيدرر": 34, "وفيدرر": 3, "يدرر": 2, "الحكومه": 900})
    data = build_lexicon.lexicon_bytes(counts, 3)
    assert data == build_lexicon.lexicon_bytes(Counter(dict(reversed(counts.items()))), 3)
    path = tmp_path / "lexicon.tsv.gz"
    path.write_bytes(data)
    assert arabic.read_lexicon(path) == {"الحكومه": 900, "فيدرر": 34, "وفيدرر": 3}
    assert gzip.decompress(data).decode().splitlines()[0] == "الحكومه\t900"


def test_shipped_lexicon_is_what_make_lexicon_builds(shared_dir):
    with gzip.open(shared_dir / "corpus" / "news.jsonl.gz", "rt", encoding="utf-8") as f:
        counts = build_lexicon.count_words(f)
    assert build_lexicon.lexicon_bytes(counts, arabic.LEXICON_MIN_COUNT) == arabic.LEXICON_PATH.read_bytes()
