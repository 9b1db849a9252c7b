"""The entity extractor with the shipped model: spans, labels, offsets, keys, bad input."""

import os

import pytest

from indexer import entities, gazetteers
from indexer.arabic import normalize
from indexer.entities import Entity, Extractor, entity_key, extract
from indexer.gazetteers import authority_seed, default_gazetteer

NEWS = ("قال الرئيس الأميركي دونالد ترامب إن الولايات المتحدة لن تسحب قواتها من سوريا. "
        "وردّ رئيس الوزراء الإسرائيلي بنيامين نتنياهو بأن حزب الله يهدد إسرائيل، "
        "فيما دعت الأمم المتحدة إلى التهدئة. وفي بغداد، قالت وزارة الخارجية الأميركية "
        "لوكالة رويترز إن الوزير زار باريس.")


def seed_names():
    """The authority seed's spellings, as the dictionary pass reads them (entry: its canonical name)."""
    return entities.KnownNames((entity_key(alias), kind, canonical) for canonical, kind, aliases in authority_seed()
                               for alias in aliases)


def found(text):
    return {(e.text, e.label) for e in extract(text)}


def test_known_entities_in_news_sentences():
    result = found(NEWS)
    for expected in [("دونالد ترامب", "PER"), ("بنيامين نتنياهو", "PER"), ("حزب الله", "ORG"),
                     ("الأمم المتحدة", "ORG"), ("الولايات المتحدة", "LOC"), ("بغداد", "LOC"),
                     ("سوريا", "LOC"), ("إسرائيل", "LOC"), ("باريس", "LOC")]:
        assert expected in result, (expected, sorted(result))
    # A ministry named by its function is the authority file's to find (ANERcorp tags it O).
    assert not any(text.startswith("وزارة") for text, _ in result), sorted(result)
    assert ("وزارة الخارجية الأميركية", "ORG") in {(e.text, e.label) for e in Extractor().extract(NEWS, seed_names())}


def test_a_name_alone_is_a_person():
    assert ("نتنياهو", "PER") in found("وقال نتنياهو إن الحكومة ستجتمع غدا")


def test_title_and_nationality_are_not_part_of_the_name():
    spans = [e for e in extract("التقى الرئيس الأميركي دونالد ترامب نظيره") if e.label == "PER"]
    assert [e.text for e in spans] == ["دونالد ترامب"]


@pytest.mark.parametrize("text", [
    NEWS,
    "قَالَ الرَّئِيسُ الأَمِيرْكِيُّ دُونَالْد تْرَامْب إِنَّ الوِلَايَاتِ المُتَّحِدَةَ فِي بَغْدَادَ",
    "وصل نتنيـــاهو إلى واشنطن\u200f، ثم ﺑﻐﺪاد والعراق.",
])
def test_offsets_point_into_the_original_text(text):
    result = extract(text)
    assert result
    for entity in result:
        assert text[entity.start:entity.end] == entity.text
        assert entity.label in entities.LABELS
    assert [e.start for e in result] == sorted(e.start for e in result)


def test_vocalised_text_keeps_its_marks_in_the_span_and_folds_them_in_the_key():
    text = "زار الوفد بَغْدَادَ أمس"
    [place] = [e for e in extract(text) if e.label == "LOC"]
    assert place.text == "بَغْدَادَ"
    assert place.key == "بغداد"


def test_key_strips_clitics_only_where_they_are_clitics():
    assert entity_key("والولايات المتحدة") == "الولايات المتحده"
    assert entity_key("للأمم المتحدة") == "الامم المتحده"
    assert entity_key("وبغداد") == "بغداد"
    assert entity_key("ونتنياهو") == "نتنياهو"
    assert entity_key("لبنان") == "لبنان"
    assert entity_key("واشنطن") == "واشنطن"
    assert entity_key("وائل") == normalize("وائل")


@pytest.mark.parametrize("name, key", [
    ("باراك أوباما", "باراك اوباما"),  # a given name, not ب + أراك (Arak, a place)
    ("فاطمة", "فاطمه"),  # a given name, not ف + أطمة (Atmeh)
    ("بابل", "بابل"), ("كشمير", "كشمير"), ("وجدة", "وجده"),  # places, not ب + أبل, ك + شمير, و + جدة
    ("بقابس", "قابس"), ("لمانشستر", "مانشستر"), ("ببني سويف", "بني سويف"),  # a clitic before a place
    ("وود", "وود"),  # too short for a doubled و
])
def test_a_word_that_is_itself_a_name_keeps_its_first_letter(name, key):
    assert entity_key(name) == key


def test_clitic_stays_in_the_text_and_leaves_the_key():
    [entity] = [e for e in extract("وصل الوفد والولايات المتحدة تراقب") if e.label == "LOC"]
    assert entity.text == "والولايات المتحدة"
    assert entity.key == "الولايات المتحده"


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "12345 67", "hello world, no Arabic here",
                                  "!!!؟؟؟...،،،", "\u200f\u200e\ufeff", "ـــــ", "\x00\x01"])
def test_empty_and_garbage_input_gives_no_entities(text):
    assert extract(text) == []


def test_long_text_without_punctuation_is_handled():
    text = " ".join(["كلمة"] * 5000 + ["بغداد"])
    assert ("بغداد", "LOC") in {(e.text, e.label) for e in extract(text)}


def test_entity_is_a_frozen_value():
    entity = extract("زار بغداد")[0]
    assert isinstance(entity, Entity)
    with pytest.raises(AttributeError):
        entity.label = "PER"


def test_model_ships_inside_the_package():
    path = entities.model_path()
    assert os.path.dirname(path) == os.path.join(os.path.dirname(entities.__file__), "data")
    assert os.path.getsize(path) < 5_000_000
    assert Extractor(path).extract("زار بغداد")


def test_steps_can_be_switched_off():
    text = "قالت منظمة العفو الدولية إن الرئيس محمد مرسي زار القاهرة"
    tagger = Tags((["القاهرة"], "LOC"))
    everything = Extractor(tagger=tagger)
    assert {(e.text, e.label) for e in everything.extract(text)} == {
        ("منظمة العفو الدولية", "ORG"), ("محمد مرسي", "PER"), ("القاهرة", "LOC")}
    no_gazetteer = Extractor(tagger=tagger, use_gazetteer=False)
    assert {(e.text, e.label) for e in no_gazetteer.extract(text)} == {("محمد مرسي", "PER"), ("القاهرة", "LOC")}
    tagger_only = Extractor(tagger=tagger, use_gazetteer=False, use_patterns=False)
    assert [(e.text, e.label) for e in tagger_only.extract(text)] == [("القاهرة", "LOC")]


@pytest.mark.parametrize("text, phrase, label", [
    ("قالت وزارة الخارجية إن الاجتماع تأجل", "وزارة الخارجية", "ORG"),
    ("ووزارة الدفاع الأميركية لم تعلق", "ووزارة الدفاع", "ORG"),
    ("صوت مجلس النواب على القانون", "مجلس النواب", "ORG"),
    ("قصف الجيش الإسرائيلي المنطقة", "الجيش الإسرائيلي", "ORG"),
    ("تعاني الموازنة من عجز مالي كبير", "مالي", "LOC"),
    ("نشر صور الاجتماع", "صور", "LOC"),
])
def test_gazetteer_step_leaves_state_bodies_and_everyday_words_to_the_tagger_and_authority(text, phrase, label):
    """Bodies named by function and one-word phrases that are everyday words are no gazetteer
    name by themselves (ANERcorp's annotators tag most of them O); where the tagger finds one, it
    stays."""
    bare = phrase[1:] if phrase.startswith("وو") else phrase
    assert default_gazetteer().label(tuple(normalize(w) for w in bare.split())) == label
    assert Extractor(tagger=Tags()).extract(text) == []
    tagged = Extractor(tagger=Tags((phrase.split(), label))).extract(text)
    assert [(e.text, e.label) for e in tagged] == [(phrase, label)]


def test_gazetteer_step_still_finds_other_names():
    assert [(e.text, e.label) for e in Extractor(tagger=Tags()).extract("قالت منظمة العفو الدولية")] == [
        ("منظمة العفو الدولية", "ORG")]
    assert [(e.text, e.label) for e in Extractor(tagger=Tags()).extract("وصل الوفد إلى القاهرة")] == [
        ("القاهرة", "LOC")]


@pytest.mark.parametrize("text, name, label", [
    ("قال عبد المجيد تبون إن", "عبد المجيد تبون", "PER"),
    ("قال عبدالمجيد تبون إن", "عبدالمجيد تبون", "PER"),
    ("وقال أكرم إمام أوغلو إن", "أكرم إمام أوغلو", "PER"),
    ("وقال اكرم امام اوجلو إن", "اكرم امام اوجلو", "PER"),
    ("فاز فريق هامبورغ إس في أمس", "هامبورغ إس في", "ORG"),
    ("فاز فريق هامبورج إس في أمس", "هامبورج إس في", "ORG"),
    ("وذكرت هآرتس أن", "هآرتس", "ORG"),
    ("ونقلت صحيفة يديعوت أحرونوت عن", "يديعوت أحرونوت", "ORG"),
    ("طالب حزب الشعوب الديمقراطي", "حزب الشعوب الديمقراطي", "ORG"),
    ("أعلن الاتحاد الأردني لكرة القدم", "الاتحاد الأردني لكرة القدم", "ORG"),
])
def test_a_curated_name_is_found_in_any_spelling_where_the_tagger_misses_it(text, name, label):
    """The larger lists (tenth session): a name is matched however news spells it (hamza or
    none, ج for a foreign غ, عبد joined or not), and the gazetteer step adds it."""
    assert [(e.text, e.label) for e in Extractor(tagger=Tags()).extract(text)] == [(name, label)]


@pytest.mark.parametrize("text", [
    "فاز النصر على الوحدة في الدوري",  # clubs named by everyday words: victory, unity
    "وقالت الحياة إن النهار كان طويلا",  # newspapers: life, daytime
    "عاد إلى مسقط رأسه بعد سنوات",  # birthplace, not Muscat
    "اشترى كابل كهرباء جديدا",  # cable, not ك + أبل (Apple)
])
def test_the_gazetteer_step_adds_no_everyday_word(text):
    assert Extractor(tagger=Tags()).extract(text) == []


def test_everyday_names_are_tagger_features_only():
    gazetteer = default_gazetteer()
    for name in ("النصر", "الاتحاد", "الوحدة", "الأمل", "النهار"):
        assert gazetteer.label((normalize(name),)) == gazetteers.AMBIGUOUS_ORG
    assert gazetteer.label((normalize("مسقط"),)) == "LOC"
    for name in ("الباب", "المدينة", "مشهد", "الزرقاء"):  # "the door", "the city", "scene", "the blue"
        assert gazetteer.label((normalize(name),)) == gazetteers.AMBIGUOUS_LOC
    assert Extractor(tagger=Tags()).extract("فتح الباب على مشهد المدينة") == []
    assert gazetteer.label(tuple(map(normalize, "بني سويف".split()))) == "LOC"
    assert [(e.text, e.label) for e in Extractor(tagger=Tags()).extract("وصل الوزير إلى بني سويف")] == [
        ("بني سويف", "LOC")]
    assert [(e.text, e.label) for e in Extractor(tagger=Tags()).extract("وصل الوزير إلى مسقط أمس")] == [
        ("مسقط", "LOC")]
    assert [(e.text, e.label) for e in Extractor(tagger=Tags()).extract("وقالت أبل إن")] == [("أبل", "ORG")]


def test_person_entries_are_full_names():
    assert all(len(key) > 1 for key, label in default_gazetteer().phrases.items() if label == "PER")
    assert len(gazetteers.curated_persons()) >= 1000 and len(gazetteers.curated_organisations()) >= 1000


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="make model"):
        Extractor(str(tmp_path / "none.crfsuite"))


# -- span cleaning and the dictionary pass (issue 12) -------------------------------------------
AUTHORITY = [("دونالد ترامب", "person", ["دونالد ترامب", "ترامب", "ترمب"]),
             ("تيريزا ماي", "person", ["تيريزا ماي", "ماي"]),
             ("بشار الأسد", "person", ["بشار الأسد", "الأسد"]),
             ("ميشال عون", "person", ["ميشال عون", "عون"]),
             ("البابا فرنسيس", "person", ["البابا فرنسيس", "البابا"]),
             ("حزب الله", "org", ["حزب الله"]),
             ("وزارة الدفاع", "org", ["وزارة الدفاع"]),
             ("فيسبوك", "org", ["فيسبوك"]),
             ("فيروس كورونا", "misc", ["فيروس كورونا", "كورونا"])]


@pytest.fixture(scope="module")
def known():
    return entities.KnownNames((entity_key(alias), kind, name)
                               for name, kind, aliases in AUTHORITY for alias in aliases)


def linked(text, known=None, extractor=None):
    """(mention, label, entry) where the key is a spelling of an entry, else the key itself;
    with the shipped model, or ``extractor``."""
    entries = {entity_key(a): name for name, _kind, aliases in AUTHORITY for a in aliases}
    return [(e.text, e.label, entries.get(e.key, e.key)) for e in (extractor or Extractor()).extract(text, known)]


class Tags:
    """A tagger that tags the given names (words, label) wherever they occur, the longest first,
    and O elsewhere: for rules that take the tagger's word, whatever a model says of a sentence."""

    def __init__(self, *names):
        self.names = sorted(((tuple(map(normalize, words)), label) for words, label in names), key=lambda n: -len(n[0]))

    def tag(self, sentences):
        out = []
        for sentence in sentences:
            tags = ["O"] * len(sentence.words)
            for words, label in self.names:
                for i in range(len(tags) - len(words) + 1):
                    if tuple(sentence.words[i:i + len(words)]) == words and tags[i:i + len(words)].count("O") == len(words):
                        tags[i:i + len(words)] = ["B-" + label] + ["I-" + label] * (len(words) - 1)
            out.append(tags)
        return out


def test_clean_spans_takes_titles_adjectives_and_days_off_names():
    words = [normalize(w) for w in "قال المرشح الجمهوري دونالد وقالت منظمة الصحة العالمية الأربعاء البابا".split()]
    spans = entities.clean_spans([(1, 4, "PER"), (5, 9, "ORG"), (9, 10, "PER")], words)
    assert spans == [(3, 4, "PER"), (5, 8, "ORG")]  # البابا alone is a title, not a person


def test_clean_spans_drops_generic_places_and_relabels_things_taken_for_people():
    words = [normalize(w) for w in "فيروس كورونا في ريف وفي شرق أوسط ريف دمشق".split()]
    spans = entities.clean_spans([(0, 2, "PER"), (3, 4, "LOC"), (5, 7, "LOC"), (7, 9, "LOC")], words)
    assert spans == [(0, 2, "MISC"), (7, 9, "LOC")]


def test_a_place_the_gazetteer_lists_stays_though_its_words_are_generic():
    words = [normalize(w) for w in "زار الشرق الأوسط ثم عاد إلى الشرق الأقصى وبالشرق الأوسط شرق أوسط جديد".split()]
    spans = entities.clean_spans([(1, 3, "LOC"), (6, 8, "LOC"), (8, 10, "LOC"), (10, 12, "LOC")], words)
    assert spans == [(1, 3, "LOC"), (6, 8, "LOC"), (8, 10, "LOC")]  # "a new Middle East" is none


def test_the_preposition_ala_as_written_starts_no_name():
    tokens = list(entities.tokenize("ردّت عَلى هاريس وعلى وعلي خامنئي"))
    spans = entities.without_preposition([(1, 3, "PER"), (4, 5, "PER"), (5, 7, "PER")], tokens)
    assert spans == [(2, 3, "PER"), (4, 5, "PER"), (5, 7, "PER")]  # علي (with ي) is the given name; only على itself
    found = [e.text for e in extract("هجوم ترامب على هاريس في المناظرة\nقالت نائبة الرئيس كامالا هاريس إن")]
    assert "هاريس" in found and not any(name.startswith("على") for name in found)


def test_a_party_adjective_never_becomes_a_person(known):
    text = "قال المرشح الجمهوري دونالد ترامب إن الانتخابات مزورة"
    people = [m for m in linked(text, known) if m[1] == "PER"]
    assert people == [("دونالد ترامب", "PER", "دونالد ترامب")]
    assert all("الجمهوري" not in e.text for e in extract(text))


def test_a_known_spelling_is_found_where_the_tagger_misses_it(known):
    assert ("ترمب", "PER", "دونالد ترامب") in linked("ترمب يهاجم الصحافة", known)
    assert ("وترامب", "PER", "دونالد ترامب") in linked("اتصال بين ماكرون وترامب", known)


def test_clitics_doubled_conjunctions_and_the_article_are_cleaned_before_linking(known):
    assert entity_key("ووزارة الدفاع") == normalize("وزارة الدفاع")
    assert entity_key("لحزب الله") == normalize("حزب الله")
    assert ("لحزب الله", "ORG", "حزب الله") in linked("قصف مواقع لحزب الله في الجنوب", known)
    # Without its ال a word is a known name only where the tagger found a name there.
    tagged = Extractor(tagger=Tags((["الفيسبوك"], "ORG")), use_gazetteer=False, use_patterns=False)
    assert ("الفيسبوك", "ORG", "فيسبوك") in linked("قالت شركة الفيسبوك إن", known, tagged)
    untagged = Extractor(tagger=Tags(), use_gazetteer=False, use_patterns=False)
    assert not any(m[2] == "فيسبوك" for m in linked("نشر على الفيسبوك صورة", known, untagged))
    assert entity_key("فرنسيس") == "فرنسيس"  # a ف that starts a name is not "so"


def test_a_disease_is_not_a_person(known):
    found_ = linked("انتشار فيروس كورونا في الصين", known)
    assert ("فيروس كورونا", "MISC", "فيروس كورونا") in found_
    assert not any(m[1] == "PER" for m in found_)


def test_an_ambiguous_spelling_needs_the_full_name_or_the_tagger(known):
    assert not any(m[2] == "تيريزا ماي" for m in linked("في شهر ماي الماضي ارتفعت الأسعار", known))
    both = linked("قالت تيريزا ماي إن الحكومة باقية. وأضافت ماي أن", known)
    assert [m[0] for m in both if m[2] == "تيريزا ماي"] == ["تيريزا ماي", "ماي"]

    class NoTagger:  # the tagger finds nothing: only the rule decides
        def tag(self, sentences):
            return [["O"] * len(s.words) for s in sentences]

    alone = Extractor(tagger=NoTagger(), use_gazetteer=False, use_patterns=False)
    lion = [e.key for e in alone.extract("زأر الأسد في حديقة الحيوان", known)]
    assert lion == []
    named = [e.key for e in alone.extract("قال بشار الأسد إن الأسد باق", known)]
    assert named == [normalize("بشار الأسد"), normalize("الأسد")]


def test_a_surname_links_to_the_full_name_in_the_article(known):
    text = "التقت المرشحة كامالا هاريس بالناخبين. وقالت هاريس إن"
    tagger = Tags((["كامالا", "هاريس"], "PER"), (["هاريس"], "PER"))
    keys = {e.key for e in Extractor(tagger=tagger).extract(text, known) if "هاريس" in e.text}
    assert keys == {normalize("كامالا هاريس")}
    # An ambiguous known surname of someone else stays with the person the article names.
    other = linked("انتخب البرلمان جوزيف عون رئيسا. وقال عون إن البلاد", known)
    assert ("عون", "PER", normalize("جوزيف عون")) in other
    assert not any(m[2] == "ميشال عون" for m in other)


def test_a_title_joins_a_name_only_through_the_authority_file(known):
    assert not any(m[1] == "PER" and m[0] == "البابا" for m in linked("وقال البابا إن السلام ممكن"))
    both = linked("زار البابا فرنسيس العراق. وقال البابا إن", known)
    assert [m[0] for m in both if m[2] == "البابا فرنسيس"] == ["البابا فرنسيس", "البابا"]


def test_a_longer_name_around_a_known_surname_is_the_entry_only_when_spelled_like_it():
    known = entities.KnownNames((entity_key(a), "person", name) for name, aliases in
                                [("محمد جواد ظريف", ["محمد جواد ظريف", "ظريف"]),
                                 ("دونالد ترامب", ["دونالد ترامب", "ترامب"])] for a in aliases)

    class WholeNames:  # the tagger takes both words of each name
        def tag(self, sentences):
            return [["B-PER" if w in ("جواد", "ايفانكا") else "I-PER" if i and s.words[i - 1] in ("جواد", "ايفانكا")
                     else "O" for i, w in enumerate(s.words)] for s in sentences]

    extractor = Extractor(tagger=WholeNames(), use_gazetteer=False, use_patterns=False)
    found_ = [(e.text, e.key) for e in extractor.extract("قال جواد ظريف ثم إيفانكا ترامب", known)]
    assert found_ == [("جواد ظريف", "ظريف"), ("إيفانكا ترامب", normalize("إيفانكا ترامب"))]


def test_a_short_word_with_a_clitic_starts_a_longer_known_name():
    known = entities.KnownNames([(entity_key("بي بي سي"), "org", "bbc"), (entity_key("سي إن إن"), "org", "cnn")])
    words = [normalize(w) for w in "قالت إن بي سي وبي بي سي وسي إن إن وبي".split()]
    assert [(s, e, n.ref) for s, e, n, _ in known.find(words)] == [(4, 7, "bbc"), (7, 10, "cnn")]
    # A tagger's span over both names is cut at the conjunction; the first name stays.
    merged = known.merge([(1, 7, "ORG")], words)
    assert [(s, e, label, n.ref if n else None) for s, e, label, n, _ in merged] == \
        [(1, 4, "ORG", None), (4, 7, "ORG", "bbc"), (7, 10, "ORG", "cnn")]
    words = [normalize(w) for w in "قال لبي بي سي ولبي بي سي بي".split()]
    assert [(s, e, n.ref) for s, e, n, _ in known.find(words)] == [(1, 4, "bbc"), (4, 7, "bbc")]


class WholeSentence:
    """A tagger that makes each sentence one name of ``label``."""

    def __init__(self, label):
        self.label = label

    def tag(self, sentences):
        return [["B-" + self.label] + ["I-" + self.label] * (len(s.words) - 1) for s in sentences]


def test_a_name_does_not_run_across_a_comma_or_a_bracket():
    extractor = Extractor(tagger=WholeSentence("ORG"), use_gazetteer=False, use_patterns=False)
    found_ = [(e.text, e.label) for e in extractor.extract("بي بي سي)، السبت، أن سكريبال")]
    assert found_ == [("بي بي سي", "ORG"), ("أن سكريبال", "ORG")]  # السبت alone is dropped
    quoted = [e.text for e in extractor.extract("حزب العمال الكردستاني «بي كا كا»")]
    assert quoted == ["حزب العمال الكردستاني", "بي كا كا"]
    assert [e.text for e in extractor.extract("هيئة الإذاعة البريطانية")] == ["هيئة الإذاعة البريطانية"]


def test_the_bbc_is_found_before_a_comma_and_a_bracket_with_the_known_names():
    known = entities.KnownNames([(entity_key("بي بي سي"), "org", "bbc")])
    extractor = Extractor(tagger=WholeSentence("ORG"), use_gazetteer=False, use_patterns=False)
    found_ = [(e.text, e.key) for e in extractor.extract("بي بي سي)، السبت، أن سكريبال", known)]
    assert found_[0] == ("بي بي سي", entity_key("بي بي سي"))


class NoTagger:
    """A tagger that finds nothing: only the dictionary pass decides."""

    def tag(self, sentences):
        return [["O"] * len(s.words) for s in sentences]


def test_a_known_spelling_does_not_run_across_a_comma():
    known = entities.KnownNames([(entity_key("محمد علي"), "person", "ali"),
                                 (entity_key("دونالد ترامب"), "person", "trump"),
                                 (entity_key("تنظيم الدولة الإسلامية"), "org", "isis")])
    alone = Extractor(tagger=NoTagger(), use_gazetteer=False, use_patterns=False)
    assert alone.extract("وصل الوفد ومعه محمد، علي ويوسف", known) == []
    assert [e.text for e in alone.extract("وصل محمد علي ويوسف", known)] == ["محمد علي"]
    words = [normalize(w) for w in "محمد علي محمد علي".split()]
    assert [(s, e) for s, e, _, _ in known.find(words, breaks={1, 3})] == []
    assert [(s, e) for s, e, _, _ in known.find(words, breaks={2})] == [(0, 2), (2, 4)]
    # Across the writer's own bracket a whole known spelling is still the name.
    assert [e.key for e in alone.extract("إن (الرئيس الأمريكي دونالد) ترامب قال", known)] == [entity_key("دونالد ترامب")]
    # A body's name in quotation marks after its head word is one name, for both passes.
    quoted = 'قاتل تنظيم "الدولة الإسلامية" في سوريا'
    assert [e.key for e in alone.extract(quoted, known)] == [entity_key("تنظيم الدولة الإسلامية")]


def test_a_body_s_head_word_and_its_quoted_name_stay_one_name():
    extractor = Extractor(tagger=WholeSentence("ORG"), use_gazetteer=False, use_patterns=False)
    assert [e.text for e in extractor.extract('حزب "العدالة والتنمية')] == ['حزب "العدالة والتنمية']
    assert [e.text for e in extractor.extract('لوكالة «رويترز')] == ['لوكالة «رويترز']
    # After any other word the quotation mark still cuts: a name and its acronym are two names.
    assert [e.text for e in extractor.extract('العدالة والتنمية "أ ك ب')] == ["العدالة والتنمية", "أ ك ب"]


def test_letters_with_dots_between_are_one_name_not_three_sentences():
    known = entities.KnownNames([(entity_key("بي بي سي"), "org", "bbc")])
    text = "ونقلت هيئة الإذاعة البريطانية (بي.بي.سي) عن مصادر قولها. وقالت"
    assert [list(t for t, _, _ in s) for s in entities.sentences(text)][0][-4:] == ["سي", "عن", "مصادر", "قولها"]
    found_ = [(e.text, e.key) for e in Extractor().extract(text, known)]
    assert ("بي.بي.سي", entity_key("بي بي سي")) in found_
    assert len(list(entities.sentences("انتهى الاجتماع.وقال الوزير"))) == 2


def test_a_dot_between_letters_is_found_dot_by_dot_as_the_pattern_finds_it():
    for text in ("a.b", ".a", "a.", "..a.b", "ا.ب", "1.2", "a. b", ".", "", "x.y.z", "قال. وأ.ف.ب", "2.ب"):
        assert entities._has_letter_dot_letter(text) == bool(entities._LETTER_DOT_LETTER.search(text)), text


def test_sentences_are_cut_at_breaks_and_every_max_sequence_tokens():
    size = entities._MAX_SEQUENCE
    text = " ".join(["كلمة"] * (2 * size + 5)) + ". " + "نهاية" + "\n\n" + "أخرى؟"
    cut = [[t for t, _, _ in s] for s in entities.sentences(text)]
    assert [len(s) for s in cut] == [size, size, 5, 1, 1]
    assert cut[3:] == [["نهاية"], ["أخرى"]]
    assert list(entities.sentences(".. ؟ \n")) == []


def test_a_ministry_with_a_nationality_is_that_country_s_not_the_bare_entry():
    known = entities.KnownNames([(entity_key("وزارة الخارجية"), "org", "mfa"), (entity_key("حزب الله"), "org", "hzb")])
    alone = Extractor(tagger=NoTagger(), use_gazetteer=False, use_patterns=False)
    saudi = [(e.text, e.key) for e in alone.extract("قالت وزارة الخارجية السعودية إن", known)]
    assert saudi == [("وزارة الخارجية السعودية", entity_key("وزارة الخارجية السعودية"))]
    assert [e.key for e in alone.extract("قالت وزارة الخارجية إن", known)] == [entity_key("وزارة الخارجية")]
    assert [e.key for e in alone.extract("قالت وزارة الخارجية، السعودية", known)] == [entity_key("وزارة الخارجية")]
    # Only a country's own kind of body: حزب الله اللبناني is still the entry حزب الله.
    assert [e.key for e in alone.extract("قال حزب الله اللبناني إن", known)] == [entity_key("حزب الله")]


def test_a_foreign_first_name_spelled_with_other_letters_is_the_entry_s():
    known = entities.KnownNames((entity_key(a), "person", name) for name, aliases in
                                [("lavrov", ["سيرغي لافروف", "لافروف"]), ("guardiola", ["جوزيب غوارديولا", "غوارديولا"])]
                                for a in aliases)
    extractor = Extractor(tagger=WholeSentence("PER"), use_gazetteer=False, use_patterns=False)
    for text, key in (("سيرجي لافروف", "لافروف"), ("جوسيب غوارديولا", "غوارديولا")):
        assert [(e.text, e.key) for e in extractor.extract(text, known)] == [(text, normalize(key))]
    assert [e.key for e in extractor.extract("ماريا لافروف", known)] == [normalize("ماريا لافروف")]


def test_known_names_side_by_side_in_one_tagger_span_are_those_names():
    known = entities.KnownNames([(entity_key("برشلونة"), "org", "barca"), (entity_key("ليونيل ميسي"), "person", "messi"),
                                 (entity_key("بي بي سي"), "org", "bbc"), (entity_key("فيسبوك"), "org", "facebook")])
    extractor = Extractor(tagger=WholeSentence("ORG"), use_gazetteer=False, use_patterns=False)
    assert [(e.text, e.label) for e in extractor.extract("برشلونة ليونيل ميسي", known)] == \
        [("برشلونة", "ORG"), ("ليونيل ميسي", "PER")]
    assert [e.text for e in extractor.extract("فيسبوك لبي بي سي", known)] == ["فيسبوك", "لبي بي سي"]
    # a word no known spelling covers keeps the tagger's span whole (a name of another label
    # inside stays beside it, as before)
    assert [e.text for e in extractor.extract("برشلونة ليونيل ميسي الجديد", known)] == \
        ["برشلونة ليونيل ميسي الجديد", "ليونيل ميسي"]


def test_a_name_the_tagger_ran_on_into_a_known_name_written_with_li_ends_there():
    """"قالت نتفليكس لبي بي سي" is Netflix telling the BBC: a span that runs into a known
    spelling written with ل ("to") ends before it; ل + ال (للأمم المتحدة) is part of a name."""
    known = entities.KnownNames([(entity_key("بي بي سي"), "org", "bbc"), (entity_key("الأمم المتحدة"), "org", "un")])
    extractor = Extractor(tagger=WholeSentence("ORG"), use_gazetteer=False, use_patterns=False)
    assert [(e.text, e.key) for e in extractor.extract("نتفليكس لبي بي سي", known)] == \
        [("نتفليكس", entity_key("نتفليكس")), ("لبي بي سي", entity_key("بي بي سي"))]
    assert [e.text for e in extractor.extract("المفوضية السامية للأمم المتحدة", known)] == ["المفوضية السامية للأمم المتحدة"]


def test_a_known_name_the_tagger_ran_on_from_is_the_known_name():
    known = entities.KnownNames([(entity_key("بي بي سي"), "org", "bbc"), (entity_key("مجلس الأمن"), "org", "unsc")])
    extractor = Extractor(tagger=WholeSentence("ORG"), use_gazetteer=False, use_patterns=False)
    for text, name in (("بي بي سي في موسكو", "بي بي سي"), ("بي بي سي إن غلوفر", "بي بي سي"),
                       ("مجلس الأمن للتصويت", "مجلس الأمن")):
        assert [(e.text, e.key) for e in extractor.extract(text, known)] == [(name, entity_key(name))]
    # A longer name that goes on with a name's word is another body: بي بي سي نيوز, مجلس الأمن القومي.
    assert [e.key for e in extractor.extract("مجلس الأمن القومي", known)] == [entity_key("مجلس الأمن القومي")]


@pytest.mark.parametrize("text, name, not_name", [
    ("أعلنت أرامكو السعودية أن أرباحها ارتفعت", "أرامكو", None),
    ("اجتمع مجلس الأمن القومي في البيت الأبيض", "مجلس الأمن القومي", "مجلس الأمن الدولي"),
    ("فاز ريال مدريد بالبطولة التي ينظمها الاتحاد الأوروبي لكرة القدم", "الاتحاد الأوروبي لكرة القدم", "الاتحاد الأوروبي"),
    ("أمرت محكمة أمريكية شركة جونسون آند جونسون بدفع تعويضات", "جونسون آند جونسون", "بوريس جونسون"),
    ("قال المدير التنفيذي لحزب نداء تونس حافظ قايد السبسي إن", "حافظ قائد السبسي", "الباجي قائد السبسي"),
])
def test_the_authority_seed_knows_bodies_named_like_other_entries(text, name, not_name):
    """أرامكو السعودية is Aramco; the National Security Council, UEFA and Johnson & Johnson are
    entries of their own, not the UN Security Council, the European Union and Boris Johnson their
    names begin with, and Hafedh Caid Essebsi is not his father (which the facet measure counted them as, the longest spelling of any entry
    winning)."""
    seed = authority_seed()
    spellings = {entity_key(alias): canonical for canonical, _, aliases in seed for alias in aliases}
    assert spellings[entity_key("أرامكو السعودية")] == "أرامكو"
    entries = {spellings.get(e.key) for e in Extractor().extract(text, seed_names())}
    assert name in entries and not_name not in entries


@pytest.mark.parametrize("tags, spans", [
    ([], []),
    (["O", "O"], []),
    (["B-PER", "I-PER", "O", "B-LOC"], [(0, 2, "PER"), (3, 4, "LOC")]),
    (["B-PER", "B-PER", "I-PER"], [(0, 1, "PER"), (1, 3, "PER")]),  # B opens a new name
    (["O", "I-ORG", "I-ORG", "O"], [(1, 3, "ORG")]),  # a stray I- opens one (conlleval)
    (["B-PER", "I-LOC", "I-LOC"], [(0, 1, "PER"), (1, 3, "LOC")]),  # I- of another label
    (["B-ORG", "I-ORG"], [(0, 2, "ORG")]),  # a name at the end
])
def test_bio_spans_read_tags_as_conlleval_does(tags, spans):
    assert entities.bio_spans(tags) == spans
