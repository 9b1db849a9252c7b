"""The dictionary pass of entity extraction: every spelling in the authority file found wherever
a text uses it (``KnownNames``), merged with the tagger's spans, and an ambiguous spelling kept only
where the tagger or the article's full name confirms it (``named_in_full``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Iterable

from indexer.arabic import is_stop
from indexer.entity_keys import clitic_forms
from indexer.gazetteers import GENERIC_BODIES, NATIONALITIES, Gazetteer, common_word_aliases

# Conjunctions written onto a word (و "and", ف "so").
_CONJUNCTIONS = ("و", "ف")
# Clitics read off a short word that starts a longer known spelling (longest first).
_SHORT_WORD_CLITICS = ("ول", "وب", "وك", "فل", "فب", "فك", "و", "ف", "ب", "ل", "ك")
# Letters a foreign name is written with either way (سيرغي/سيرجي, جوزيب/جوسيب): read as one.
_FOREIGN_LETTERS = str.maketrans("غز", "جس")
# Words whose start forms KnownNames keeps at once (cleared when full).
_MAX_CACHED_WORDS = 1 << 18

# The authority file's kinds of entry and the extractor's labels.
KIND_LABEL = {"person": "PER", "org": "ORG", "place": "LOC", "misc": "MISC"}


@dataclass(frozen=True, slots=True)
class KnownName:
    """One spelling of an authority entry: its key, the entry's label and ``ref`` (the caller's
    id of the entry). ``ambiguous``: a single word that is also an everyday word, a first name,
    a month or a title (ماي, الأسد, عباس, البابا)."""

    key: str
    label: str
    ref: object
    ambiguous: bool


class KnownNames:
    """The authority file's spellings, matched over normalised words longest first, a leading
    و/ف/ب/ل/ك on the first word allowed; an entry of an organisation, place or other name also
    matches with the article ال its spelling lacks where the tagger found that name (الفيسبوك →
    فيسبوك).

    Built from (key, kind, ref) rows: ``key`` is ``entity_key`` of the spelling, ``kind`` one of
    KIND_LABEL's, ``ref`` whatever identifies the entry to the caller. Where two entries share a
    key the first row wins. An ambiguous spelling counts only where the tagger found a name of
    the same label there or the article names the same entry by an unambiguous spelling."""

    def __init__(self, rows: Iterable[tuple[str, str, object]]):
        common = common_word_aliases()
        phrases: dict[tuple[str, ...], KnownName] = {}
        self._words_of: dict[object, set[str]] = {}  # entry → the words of all its spellings
        for key, kind, ref in rows:
            words = tuple(key.split())
            label = KIND_LABEL.get(kind)
            if words and label and words not in phrases:
                ambiguous = len(words) == 1 and (words[0] in common or is_stop(words[0])
                                                 or len(words[0]) < 3)
                phrases[words] = KnownName(key, label, ref, ambiguous)
                self._words_of.setdefault(ref, set()).update(w.translate(_FOREIGN_LETTERS) for w in words)
        self.table = Gazetteer(phrases)
        self._starts: dict[str, tuple[tuple[str, bool, bool], ...]] = {}

    def _spelled_like(self, extra: list[str], name: KnownName) -> bool:
        """Whether every word a longer name adds around a known spelling is a word of the same
        entry's other spellings, with or without ال (جواد ظريف, محمد جواد ظريف), its غ or ز
        perhaps written ج or س (سيرجي لافروف is سيرغي لافروف)."""
        words = self._words_of.get(name.ref, set())
        return all(w in words or "ال" + w in words or (w.startswith("ال") and w[2:] in words)
                   for w in (word.translate(_FOREIGN_LETTERS) for word in extra))

    def __len__(self) -> int:
        return len(self.table.phrases)

    def _start_forms(self, word: str) -> tuple[tuple[str, bool, int], ...]:
        """The forms of ``word`` a known spelling may start with, as (form, whether it is the
        word without the text's article ال, the fewest words of a spelling that may start there);
        cached per word. ``clitic_forms`` leaves a word of two or three letters after a clitic
        whole (وبي could be a word); before a longer spelling it is read as clitic + word: وبي بي
        سي is و + بي بي سي, لبي بي سي is ل + بي بي سي."""
        starts = self._starts.get(word)
        if starts is None:
            forms = clitic_forms(word)
            bare = forms[-1]
            if bare.startswith("ال") and len(bare) > 4:
                forms = (*forms, bare[2:])
            firsts = self.table.first_tokens
            starts = tuple((form, f == len(forms) - 1 and form != bare, 1)
                           for f, form in enumerate(forms) if form in firsts)
            starts += tuple((word[len(p):], False, 2) for p in _SHORT_WORD_CLITICS
                            if word.startswith(p) and 2 <= len(word) - len(p) <= 3
                            and word[len(p):] in firsts and word[len(p):] not in forms)
            if len(self._starts) >= _MAX_CACHED_WORDS:
                self._starts.clear()
            self._starts[word] = starts
        return starts

    def find(self, words: list[str], breaks: Collection[int] = ()
             ) -> list[tuple[int, int, KnownName, bool]]:
        """Longest known spellings in ``words``, left to right, none across a position of
        ``breaks`` (see ``indexer.entities.name_breaks``): (start, end, KnownName, whether it
        matched only without the article ال of the text). A person's name is never read without
        its ال."""
        return self.table.longest(words, self._start_forms, _with_its_article, breaks)

    def merge(self, spans: list[tuple[int, int, str]], words: list[str],
              breaks: Collection[int] = ()) -> list[tuple[int, int, str, KnownName | None, bool]]:
        """The tagger's ``spans`` and the known spellings of one sentence, as (start, end, label,
        KnownName or None, whether the tagger agreed). A known spelling replaces the tagger's
        spans it overlaps, except a longer name of another label around it, which stays beside
        it (مطار بغداد keeps بغداد too); a longer name of the same label wins (دونالد ترامب
        جونيور is not دونالد ترامب) unless every word it adds is a word of the entry's spellings
        (جواد ظريف is محمد جواد ظريف) or the tagger ran on past the name into a stop word or a
        word with لل in front (بي بي سي في موسكو, مجلس الأمن للتصويت). A tagger's span that runs
        into a known spelling written with و/ف in front joined two names at the conjunction (إن بي
        سي وبي بي سي): it ends there; so does one of the same label that runs into a known
        spelling written with ل, "to" (نتفليكس لبي بي سي). A country's own body (a ministry,
        council, parliament, army or government followed by a nationality adjective) is a name of
        its own. A tagger's span that unambiguous known spellings cover end to end is those names
        (``_names_side_by_side``). ``breaks``: as for ``find``."""
        out: list[tuple[int, int, str, KnownName | None, bool]] = []
        dropped: set[int] = set()
        found = self.find(words, breaks)
        spans = _names_side_by_side(spans, found)
        for start, end, name, without_article in found:
            if name.label == "ORG" and end < len(words) and end not in breaks and words[end] in NATIONALITIES \
                    and name.key.split()[0] in GENERIC_BODIES:
                # وزارة الخارجية السعودية is that country's ministry, not the entry وزارة الخارجية
                dropped.update(k for k, (s, e, _) in enumerate(spans) if s <= end and e > start)
                spans.append((start, end + 1, "ORG"))
                continue
            agreed, inside, overlapped = False, False, []
            conjunction = words[start][:1]
            joined = conjunction in _CONJUNCTIONS and not name.key.startswith(conjunction) \
                and not name.ambiguous
            for k, (s, e, label) in enumerate(spans):
                if e <= start or s >= end:
                    continue
                if joined and s < start:
                    spans[k] = (s, start, label)
                    continue
                if s <= start and e >= end and (s, e) != (start, end):
                    if label == name.label:
                        if not name.ambiguous and self._spelled_like(words[s:start] + words[end:e], name):
                            start, end = s, e  # another spelling of the same entry: جواد ظريف
                            agreed = True
                            overlapped.append(k)
                            continue
                        if not name.ambiguous and e > end and _ends_a_name(words[end]):
                            agreed = True  # the tagger ran on: بي بي سي في موسكو, مجلس الأمن للتصويت
                            overlapped.append(k)
                            continue
                        if not name.ambiguous and s < start and _to(words[start], name):
                            spans[k] = (s, start, label)  # the tagger ran into it: نتفليكس لبي بي سي
                            continue
                        inside = True
                    continue  # a longer name around the known one
                agreed = agreed or label == name.label
                overlapped.append(k)
            # Read without its ال, a word is a name only where the tagger says so: الحماس is
            # "the enthusiasm", السورية "the Syrian", not حماس or سورية.
            if inside or (without_article and not agreed):
                continue
            dropped.update(overlapped)
            out.append((start, end, name.label, name, agreed))
        out += [(s, e, label, None, False) for k, (s, e, label) in enumerate(spans) if k not in dropped]
        out.sort(key=lambda span: (span[0], -span[1]))
        return out


def _names_side_by_side(spans: list[tuple[int, int, str]], found: list[tuple[int, int, KnownName, bool]]
                        ) -> list[tuple[int, int, str]]:
    """The tagger's ``spans``, each one that two or more unambiguous known spellings of ``found``
    cover end to end cut into them, with their labels: the tagger joined two names (برشلونة ليونيل
    ميسي, مانشستر يونايتد جوزيه مورينيو, فيسبوك لبي بي سي). A word no spelling covers keeps the span."""
    known = {start: (end, name.label) for start, end, name, _ in found if not name.ambiguous}
    out = []
    for start, end, label in spans:
        pieces, at = [], start
        while at in known and known[at][0] <= end:
            pieces.append((at, *known[at]))
            at = known[at][0]
        out += pieces if at == end and len(pieces) > 1 else [(start, end, label)]
    return out


def _to(word: str, name: KnownName) -> bool:
    """Whether ``word``, where the known spelling ``name`` starts, is it with ل ("to") in front:
    لبي بي سي, not للأمم المتحدة (ل + ال goes on a name: المفوضية السامية للأمم المتحدة)."""
    return word.startswith("ل") and not word.startswith("لل") and not name.key.startswith("ل")


def _ends_a_name(word: str) -> bool:
    """Whether a name cannot go on with ``word``: a stop word (في, إن, أن) or a word with ل + ال in
    front (للتعليق "to comment")."""
    return is_stop(word) or word.startswith("لل")


def _with_its_article(name: KnownName, without_article: bool) -> bool:
    return not (without_article and name.label == "PER")


def named_in_full(found):
    """Drop an ambiguous known spelling the tagger did not agree with, unless the article names
    the same entry by an unambiguous spelling."""
    named = {name.ref for *_, name, _agreed in found if name is not None and not name.ambiguous}
    return [m for m in found if m[4] is None or not m[4].ambiguous or m[5] or m[4].ref in named]
