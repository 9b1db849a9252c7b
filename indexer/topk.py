"""The first k of a ranking without sorting every ranked item: ``np.lexsort``'s order (keys
last to first, ties by position), found by partitioning on each key in turn and sorting only
what can still be among the first k. A search for a common word ranks 150,000 matches for a
page of ten."""
from __future__ import annotations

from typing import Sequence

import numpy as np

SORT_BELOW = 256  # fewer items than this are simply sorted


def first(keys: Sequence[np.ndarray], k: int) -> np.ndarray:
    """The positions of the first ``k`` items in the order ``np.lexsort(keys)`` gives (the
    last key first, ties by the next key back, then by position), in that order: the same
    array as ``np.lexsort(keys)[:k]``."""
    n = keys[-1].size
    if k <= 0:
        return np.zeros(0, np.intp)
    if n <= max(k, SORT_BELOW):
        return np.lexsort(keys)[:k]
    held = _candidates(keys, k)
    if held is None:
        return np.lexsort(keys)[:k]
    return held[np.lexsort(tuple(key[held] for key in keys))][:k]


def _candidates(keys: Sequence[np.ndarray], k: int, among: np.ndarray | None = None) -> np.ndarray | None:
    """Positions of ``among`` (ascending; None: every position) that hold the first ``k`` of
    them in lexsort order, ascending: those before the k-th by the last key, and of those
    tied with it, the ones that come first by the keys before it (then by position). None
    for every position when they must all be sorted (NaN has no place in a partition)."""
    if among is not None and among.size <= k:
        return among
    if not keys:  # tied on every key: by position
        return among[:k]
    values = keys[-1] if among is None else keys[-1][among]
    if values.dtype.kind == "f" and np.isnan(values).any():
        return among
    kth = np.partition(values, k - 1)[k - 1]
    before = np.flatnonzero(values < kth) if among is None else among[values < kth]
    tied = np.flatnonzero(values == kth) if among is None else among[values == kth]
    chosen = _candidates(keys[:-1], k - before.size, tied)
    return np.sort(np.concatenate((before, chosen)))
