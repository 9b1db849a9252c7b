"""The first k of a ranking are those of a full sort, ties and all."""
from __future__ import annotations

import numpy as np
import pytest

from indexer import topk


def _cases(rng):
    """Keys as ranking builds them: rounded scores with many ties, dates with some."""
    for n in (0, 1, 5, 300, 2000, 20000):
        scores = -np.round(rng.choice(rng.random(max(1, n // 50)), n), 6)  # few distinct scores
        dates = -rng.integers(0, max(1, n // 3), n)                         # dates that repeat
        yield (dates, scores)
        yield (-np.arange(n), dates)                                        # newest first, later docnums first
        yield (np.zeros(n), np.zeros(n))                                    # one tie: by position alone
        yield (dates, -rng.random(n))                                       # no ties


@pytest.mark.parametrize("k", [1, 2, 10, 11, 200, 257, 5000])
def test_the_first_k_are_those_of_a_full_sort(k):
    rng = np.random.default_rng(k)
    for keys in _cases(rng):
        assert topk.first(keys, k).tolist() == np.lexsort(keys)[:k].tolist()


def test_a_tie_at_the_kth_place_keeps_the_first_by_the_next_key_then_by_position():
    # 1,000 items tie on the score of the 10th: the page holds the newest of them, and among
    # equal dates the first by position; a partition on the score alone would keep any.
    scores = np.zeros(3000)
    scores[:5] = -2.0
    scores[1000:2000] = -1.0
    dates = np.zeros(3000, np.int64)
    dates[1500] = dates[1700] = -5
    found = topk.first((dates, scores), 10).tolist()
    assert found == [0, 1, 2, 3, 4, 1500, 1700, 1000, 1001, 1002]
    assert found == np.lexsort((dates, scores))[:10].tolist()


def test_not_a_number_sorts_last_as_in_a_full_sort():
    scores = np.full(1000, -1.0)
    scores[::7] = np.nan
    keys = (np.arange(1000)[::-1].copy(), scores)
    assert topk.first(keys, 900).tolist() == np.lexsort(keys)[:900].tolist()


def test_no_more_than_are_ranked():
    keys = (np.arange(5),)
    assert topk.first(keys, 0).tolist() == []
    assert topk.first(keys, 50).tolist() == [0, 1, 2, 3, 4]
