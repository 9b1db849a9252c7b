"""The authority-file lookup form of a name (``entity_key``) and how to show it
(``display_name``): normalised, with a leading clitic (و ف ب ل ك) taken off the first word
when it surely is one. Shared by the extractor, the linker and search's alias expansion;
it needs the gazetteers, not the CRF tagger."""
from __future__ import annotations

import functools

from indexer.arabic import normalize, stem, strip_marks, tokenize
from indexer.gazetteers import default_gazetteer, person_first_names

# ---------------------------------------------------------------------------------------------
# Clitics. A name may carry و "and", ف "so", then ب "in/with", ل "for", ك "like", written on
# its first word (والعراق, ببغداد, للأمم المتحدة = ل + الأمم). The forms below are what the
# word may be without them; the gazetteer decides which is a name.
# ---------------------------------------------------------------------------------------------

_CONJUNCTIONS = "وف"
_PREPOSITIONS = "بلك"


@functools.lru_cache(maxsize=1 << 16)
def clitic_forms(word: str) -> tuple[str, ...]:
    """``word`` (normalised) and its shorter forms without leading clitics, longest first."""
    forms = [word]
    rest = word
    if len(rest) > 3 and rest[0] in _CONJUNCTIONS:
        rest = rest[1:]
        forms.append(rest)
    if len(rest) > 3 and rest[0] in _PREPOSITIONS:
        if rest.startswith("لل"):  # لل = ل + ال: للأمم → الأمم
            forms.append("ا" + rest[1:])
        else:
            forms.append(rest[1:])
    return tuple(forms)


@functools.lru_cache(maxsize=1 << 16)
def _strip_clitics(word: str) -> str:
    """The word without a leading clitic when one is surely there (see ``entity_key``)."""
    forms = clitic_forms(word)
    gazetteer = default_gazetteer()

    def named(form: str) -> bool:
        return (form,) in gazetteer.phrases or form in person_first_names()

    if not named(word):  # باراك is a name itself, not ب + أراك
        for form in forms[1:]:
            if named(form):
                return form
    if len(word) > 3 and word.startswith("وو") and word[1:] in gazetteer.first_tokens:
        return word[1:]  # و + a name's first word that itself starts with و: ووزارة الدفاع
    for form in forms[1:]:
        if form.startswith("ال") and len(form) > 3:  # و/ب/ل/ك + ال: والعراق, بالقاهرة
            return form
    if len(word) >= 4 and word[0] == "و" and not stem(word).startswith(word[0]):
        # arabic.stem decided this و is a conjunction: ونتنياهو. Not ف: names start with it
        # far more often than a name in news follows "so" (فرنسيس, فيصل, فلاديمير).
        return word[1:]
    return word


@functools.lru_cache(maxsize=1 << 16)  # the same names come back in article after article
def entity_key(text: str) -> str:
    """The authority-file lookup form of a mention.

    ``normalize(text)`` with the clitics removed from its first word when they are surely
    clitics: the shorter form is a gazetteer name or first name (وبغداد → بغداد, لبنان stays),
    the word is و/ف/ب/ل/ك + ال (والولايات المتحدة → الولايات المتحده, للأمم → الامم), a doubled
    و before a name's first word (ووزارة الدفاع → وزاره الدفاع), or ``arabic.stem`` treats its
    و as a conjunction (ونتنياهو → نتنياهو; وائل, واشنطن stay; a ف stays: فرنسيس).
    The article ال itself is kept: it is part of names like العراق and الأمم المتحدة.
    """
    words = [normalize(token) for token, _, _ in tokenize(text)]
    if not words:
        return normalize(text).strip()
    phrases = default_gazetteer().phrases
    for form in clitic_forms(words[0])[1:]:
        if len(words) > 1 and (form, *words[1:]) in phrases:  # لحزب الله → حزب الله
            words[0] = form
            return " ".join(words)
    words[0] = _strip_clitics(words[0])
    return " ".join(words)


def display_name(text: str) -> str:
    """How to show a mention as an entity's name: without tashkeel and tatweel, and without the
    leading clitic ``entity_key`` strips (وأبو مهدي → أبو مهدي, للأمم المتحدة → الأمم المتحدة)."""
    plain = strip_marks(text).strip()
    tokens = list(tokenize(plain))
    if not tokens:
        return plain
    first, start, end = tokens[0]
    norm, stripped = normalize(first), _strip_clitics(normalize(first))
    if stripped != norm:
        cut = len(norm) - len(stripped)
        rest = first[cut:]
        if norm.startswith(("لل",)) and stripped.startswith("ال"):
            rest = "ال" + first[2:]  # لل = ل + ال
        plain = plain[:start] + rest + plain[end:]
    return plain


