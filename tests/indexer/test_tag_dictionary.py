"""The tag dictionary: how often the base tagger tags a news word inside a name, given to the CRF
as features (indexer.entity_features) and built by bench/tag_dictionary.py."""
import os
import subprocess
import sys

import numpy as np

from indexer import entity_features
from indexer.crf_tagger import read_model
from indexer.entities import model_path
from indexer.entity_features import dictionary_flags, dictionary_table, read_tag_dictionary, sentence_features, \
    word_feature_parts
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import tag_dictionary  # noqa: E402

COUNTS = {"ترامب": (100, 96, 0, 1), "وزاره": (20, 0, 10, 0)}
TABLE = dictionary_table(COUNTS)


def test_flags_bucket_the_counts_and_shares_of_the_first_form_found():
    assert dictionary_flags(("ترامب",), TABLE) == ("dn=2", "dP=6", "dO=0", "dL=1")
    assert dictionary_flags(("وترامب", "ترامب"), TABLE) == ("dn=2", "dP=6", "dO=0", "dL=1")
    assert dictionary_flags(("الوزاره", "وزاره"), TABLE) == ("dn=1", "dP=0", "dO=4", "dL=0")
    assert dictionary_flags(("بغداد",), TABLE) == ()
    assert dictionary_flags(("ترامب",), {}) == ()


def test_a_word_s_dictionary_features_are_its_own_and_its_neighbours():
    own, before2, before1, after1, after2 = word_feature_parts("وترامب", TABLE)
    assert "dP=6" in own and "-1dP=6" in before1 and "+1dP=6" in after1
    assert not [f for f in before2 + after2 if "dP" in f]
    plain = word_feature_parts("وترامب", {})
    assert not [f for part in plain for f in part if "dP=" in f or "dn=" in f]
    assert word_feature_parts("وترامب", TABLE) == word_feature_parts("وترامب", dict(TABLE))  # no hidden state


def test_sentence_features_with_a_dictionary_add_only_its_features():
    words = ["قال", "الرئيس", "ترامب", "في", "بغداد"]
    with_table, matches, titles = sentence_features(words, TABLE)
    without, matches_0, titles_0 = sentence_features(words, {})
    assert (matches, titles) == (matches_0, titles_0)
    for a, b in zip(with_table, without):
        assert [f for f in a if "dn=" not in f and "dP=" not in f and "dO=" not in f and "dL=" not in f] == b
    assert "dP=6" in with_table[2] and "+1dP=6" in with_table[1] and "-1dP=6" in with_table[3]


class WordTagger:
    """Tags ترامب as a person and بغداد as a place, everything else O."""

    def tag(self, sentences):
        tags = {"ترامب": "B-PER", "دونالد": "B-PER", "بغداد": "B-LOC"}
        out = []
        for sentence in sentences:
            row = [tags.get(w, "O") for w in sentence.words]
            out.append(["I-PER" if t == "B-PER" and i and row[i - 1] == "B-PER" else t for i, t in enumerate(row)])
        return out


def test_counts_are_occurrences_and_occurrences_inside_each_label():
    vocabulary = ["قال", "دونالد", "ترامب", "في", "بغداد"]
    news = [np.array([0, 1, 2, 3, 4], dtype=np.int32), np.array([2, 0], dtype=np.int32),
            np.array([0], dtype=np.int32)]
    for batch in (1, 2, 256):
        counts = tag_dictionary.count_tags(WordTagger(), vocabulary, news, batch=batch)
        assert counts.tolist() == [[3, 0, 0, 0], [1, 1, 0, 0], [2, 2, 0, 0], [1, 0, 0, 0], [1, 0, 0, 1]]
    table = tag_dictionary.table(vocabulary, counts, min_count=2)
    assert table == {"قال": (3, 0, 0, 0), "ترامب": (2, 2, 0, 0)}


def test_the_table_file_is_the_same_bytes_every_time(tmp_path):
    table = {"ترامب": (100, 96, 0, 1), "قال": (3, 0, 0, 0), "وزاره": (20, 0, 10, 0), "في": (3, 0, 0, 0)}
    tag_dictionary.write(str(tmp_path / "a.tsv.gz"), table)
    tag_dictionary.write(str(tmp_path / "b.tsv.gz"), dict(reversed(table.items())))
    assert (tmp_path / "a.tsv.gz").read_bytes() == (tmp_path / "b.tsv.gz").read_bytes()
    read = read_tag_dictionary(str(tmp_path / "a.tsv.gz"))
    assert read == dictionary_table(table)
    assert read["قال"] is read["في"]  # words with the same counts share one tuple of features


def test_the_shipped_model_and_the_shipped_dictionary_go_together():
    # a model trained with dictionary features needs the table beside it, and one trained without
    # it must not get the features (make model builds both, tag_dictionary.py first)
    _, weights, _ = read_model(model_path())
    assert any(a.startswith("dP=") for a in weights) == bool(entity_features.tag_dictionary())


def test_the_shipped_tagger_tags_without_python_crfsuite():
    code = ("import sys; sys.modules['pycrfsuite'] = None\n"  # importing python-crfsuite would fail
            "from indexer.entities import Extractor\n"
            "text = 'قال الرئيس الأمريكي دونالد ترامب في واشنطن إن الأمم المتحدة ستجتمع'\n"
            "print(sorted({e.label for e in Extractor().extract(text)}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(ROOT), env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    assert out.strip() == "['LOC', 'ORG', 'PER']"
