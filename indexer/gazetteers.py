"""Name lists for the entity extractor: places from Babel's CLDR data, curated organisations,
office titles and nationality adjectives, all keyed by normalised token tuples.

The curated lists below are written by us in ordinary news spelling (hamza, ة, ى as printed);
everything is passed through ``arabic.normalize`` when the tables are built, so a list entry
matches any spelling ``normalize`` folds together (أمريكا / امريكا, المتحدة / المتحده). Nothing
here is extracted from ANERcorp.
"""

from __future__ import annotations

import bisect
import functools
from typing import Collection

from indexer.arabic import normalize, tokenize

__all__ = ["Gazetteer", "default_gazetteer", "TITLE_WORDS", "TITLE_QUALIFIERS", "NATIONALITIES",
           "NAME_JOINERS", "person_first_names", "PERSON_EDGE_WORDS", "TRAILING_WORDS",
           "GENERIC_PLACE_WORDS", "NOT_PERSON_HEADS", "BODY_HEADS", "GENERIC_BODIES", "common_word_aliases",
           "function_bodies"]

# ---------------------------------------------------------------------------------------------
# Places. CLDR gives countries and regions (Locale("ar").territories) and the exemplar cities of
# its time zones (Locale("ar").time_zones[...]["city"]). Codes that are not places are left out:
# 001 the world, EU/EZ the European Union and euro area, UN the United Nations (an organisation,
# listed below), QO/ZZ/XA/XB placeholders. These are news capitals, regions and spellings CLDR
# lacks or spells another way.
# ---------------------------------------------------------------------------------------------

_CLDR_NOT_PLACES = frozenset(("001", "EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"))

_PLACES = """
أمريكا|أميركا|الولايات المتحدة الأمريكية|الولايات المتحدة الأميركية|بريطانيا|السعودية|الإمارات
فلسطين|الأراضي الفلسطينية|الضفة الغربية|قطاع غزة|غزة|القدس|القدس الشرقية|رام الله|نابلس|الخليل
جنين|بيت لحم|تل أبيب|حيفا|الجولان|سيناء|حلب|حمص|حماة|إدلب|الرقة|دير الزور|درعا|اللاذقية|طرطوس
الغوطة|الغوطة الشرقية|عفرين|منبج|كوباني|الموصل|البصرة|كركوك|أربيل|الفلوجة|الرمادي|تكريت|النجف
كربلاء|الأنبار|نينوى|كردستان|صنعاء|عدن|الحديدة|تعز|مأرب|طرابلس|بنغازي|مصراتة|سرت|الإسكندرية
أسوان|الأقصر|جدة|مكة|مكة المكرمة|المدينة المنورة|الرياض|دبي|أبوظبي|أبو ظبي|الدوحة|المنامة|مسقط
الكويت|عمان|بيروت|صيدا|صور|دمشق|القاهرة|الرباط|الدار البيضاء|مراكش|فاس|طنجة|تونس|صفاقس|سوسة
الجزائر|وهران|الخرطوم|دارفور|نواكشوط|مقديشو|واشنطن|نيويورك|كاليفورنيا|تكساس|فلوريدا|لندن|باريس
برلين|موسكو|بكين|طوكيو|أنقرة|إسطنبول|اسطنبول|طهران|كابول|إسلام آباد|نيودلهي|جنيف|بروكسل|فيينا
روما|مدريد|سوتشي|أستانا|كييف|القرم|الشيشان|الشرق الأوسط|الخليج|الخليج العربي|شمال أفريقيا
أوروبا|آسيا|أفريقيا|إفريقيا|أمريكا اللاتينية|البحر المتوسط|البحر الأحمر|مضيق هرمز|قناة السويس
"""

# ---------------------------------------------------------------------------------------------
# Organisations that news names every day. Ministries are listed as their bare names ("وزارة
# الخارجية"); a following nationality adjective ("الأميركية") is added by the extractor.
# ---------------------------------------------------------------------------------------------

_ORGANISATIONS = """
الأمم المتحدة|منظمة الأمم المتحدة|مجلس الأمن|مجلس الأمن الدولي|الجمعية العامة للأمم المتحدة
حزب الله|حركة حماس|حماس|حركة فتح|الجهاد الإسلامي|حركة الجهاد الإسلامي|منظمة التحرير الفلسطينية
السلطة الفلسطينية|الاتحاد الأوروبي|حلف شمال الأطلسي|حلف الناتو|الناتو|جامعة الدول العربية
الجامعة العربية|مجلس التعاون الخليجي|مجلس التعاون لدول الخليج العربية|الاتحاد الأفريقي
منظمة التعاون الإسلامي|أوبك|منظمة أوبك|صندوق النقد الدولي|البنك الدولي|منظمة الصحة العالمية
منظمة التجارة العالمية|اليونسكو|اليونيسف|الصليب الأحمر|اللجنة الدولية للصليب الأحمر
الهلال الأحمر|المحكمة الجنائية الدولية|محكمة العدل الدولية|الوكالة الدولية للطاقة الذرية
منظمة العفو الدولية|هيومن رايتس ووتش|أطباء بلا حدود|مجموعة العشرين|مجموعة السبع
وزارة الخارجية|وزارة الدفاع|وزارة الداخلية|وزارة المالية|وزارة العدل|وزارة الصحة
وزارة التربية|وزارة التعليم|وزارة الاقتصاد|وزارة النفط|وزارة الطاقة|وزارة الإعلام
البيت الأبيض|الكونغرس|الكونجرس|البنتاغون|البنتاجون|الكرملين|الكنيست|الإليزيه|داونينغ ستريت
مجلس النواب|مجلس الشيوخ|البرلمان الأوروبي|المفوضية الأوروبية|البنك المركزي الأوروبي
الاحتياطي الفيدرالي|مجلس الاحتياطي الفيدرالي|الحزب الديمقراطي|الحزب الجمهوري|حزب العمال
حزب المحافظين|حزب العدالة والتنمية|الإخوان المسلمين|جماعة الإخوان المسلمين|الإخوان المسلمون
تنظيم الدولة الإسلامية|تنظيم الدولة|داعش|تنظيم داعش|تنظيم القاعدة|القاعدة في جزيرة العرب
جبهة النصرة|هيئة تحرير الشام|طالبان|حركة طالبان|الحوثيين|جماعة الحوثي|أنصار الله|بوكو حرام
حركة الشباب|الحرس الثوري|الحرس الثوري الإيراني|الجيش السوري الحر|قوات سوريا الديمقراطية
وحدات حماية الشعب|حزب العمال الكردستاني|الحشد الشعبي|الجيش الإسرائيلي|الجيش اللبناني
الفيفا|الاتحاد الدولي لكرة القدم|اللجنة الأولمبية الدولية|الاتحاد الآسيوي لكرة القدم
رويترز|وكالة رويترز|فرانس برس|وكالة فرانس برس|أسوشيتد برس|وكالة أسوشيتد برس|بي بي سي
سي إن إن|سكاي نيوز|وكالة الأنباء السعودية|وكالة سانا|سانا|وكالة الأناضول|الأناضول|إرنا|وكالة تسنيم
غوغل|جوجل|فيسبوك|تويتر|آبل|أبل|مايكروسوفت|أمازون|سامسونغ|هواوي|أرامكو|تويوتا|بوينغ|إيرباص
ريال مدريد|برشلونة|مانشستر يونايتد|ليفربول|بايرن ميونخ|يوفنتوس|الأهلي|الزمالك|الترجي
"""

# ---------------------------------------------------------------------------------------------
# Office titles and honorifics that stand right before a person's name ("الرئيس دونالد ترامب").
# ANERcorp tags the title itself O, and so does the extractor.
# ---------------------------------------------------------------------------------------------

_TITLES = """
الرئيس|رئيس الوزراء|رئيس الحكومة|رئيس الجمهورية|رئيس البرلمان|رئيس مجلس النواب|نائب الرئيس
رئيسة الوزراء|رئيسة الحكومة|وزير الخارجية|وزيرة الخارجية|وزير الدفاع|وزير الداخلية
وزير المالية|وزير العدل|وزير الصحة|وزير الاقتصاد|وزير النفط|وزير الطاقة|وزير الإعلام|الوزير
الوزيرة|الملك|الملكة|الأمير|الأميرة|ولي العهد|الشيخ|السلطان|الأمين العام|المتحدث باسم
المتحدث|المتحدثة|الناطق باسم|الناطق|السفير|السفيرة|النائب|السيناتور|الجنرال|اللواء|العقيد
العميد|المشير|الدكتور|الدكتورة|السيد|السيدة|المستشار|المستشارة|البابا|الإمام|آية الله|المبعوث
المبعوث الأممي|المبعوث الخاص|القاضي|المدرب|اللاعب|النجم|الفنان|الفنانة|الكاتب|الكاتبة|الشاعر
المخرج|الممثل|الممثلة|المطرب|المطربة|الصحفي|الصحافي|الصحفية|المرشح|المرشحة|زعيم|الزعيم|قائد
"""

# Nationality adjectives (masculine; the feminine in ة is generated), which may follow a title
# or a ministry: "الرئيس الأميركي", "وزارة الخارجية الأميركية".
_NATIONALITIES = """
الأميركي الأمريكي الروسي الفرنسي البريطاني الألماني الإسرائيلي السوري العراقي الإيراني
التركي المصري السعودي اللبناني الفلسطيني الأردني الصيني الياباني الهندي الباكستاني
الأفغاني الأوكراني الإيطالي الإسباني الكوري الأوروبي الإماراتي القطري الكويتي البحريني
العماني اليمني الليبي التونسي الجزائري المغربي السوداني الموريتاني الصومالي الإثيوبي
الكندي الأسترالي البرازيلي الأرجنتيني المكسيكي الفنزويلي الكوبي الأممي الدولي العربي
الإسلامي الكردي الشيشاني البلجيكي الهولندي السويدي النرويجي الدنماركي السويسري النمساوي
اليوناني البولندي المجري الروماني الصربي الكرواتي القبرصي الأرميني الأذربيجاني الجورجي
الإندونيسي الماليزي الفلبيني التايلاندي الفيتنامي النيجيري الجنوب إفريقي الكيني
"""

# Qualifiers that may stand between a title and a name: "الرئيس الأميركي السابق باراك أوباما".
# (words, not phrases: "المنتهية ولايته" "outgoing" is two qualifiers in a row.)
_TITLE_QUALIFIERS = """السابق السابقة الأسبق الراحل الراحلة الحالي الحالية المنتهية ولايته
الجديد الجديدة"""

# Name parts that bind to the next word: عبد الله, أبو بكر, بن سلمان, ابن تيمية.
_NAME_JOINERS = "عبد عبدال أبو أبي أبا بن ابن بنت آل"

# Common modern first names (news figures), used only as a tagger feature and to accept a name
# after a title; pyarabic's list of classical given names is added when building the table.
_FIRST_NAMES = """
محمد أحمد محمود مصطفى علي حسن حسين عمر عثمان خالد سعد سعيد سلمان فيصل عبدالله عبدالعزيز
عبدالفتاح إبراهيم إسماعيل يوسف موسى عيسى يحيى زكريا سليمان داود طارق كمال جمال نبيل وليد
هاني سامي رامي فادي ماهر بشار حافظ رفيق نجيب ميشال ميشيل جبران سمير نصر نبيه فؤاد عادل
نوري حيدر مقتدى إياد هادي منصور قابوس تميم حمد زايد راشد مكتوم صباح نواف جابر الوليد
دونالد باراك جورج بيل هيلاري جو مايك مايكل جون جيمس ريكس جاريد إيفانكا ميلانيا نيكي
فلاديمير سيرغي ديمتري إيمانويل فرانسوا نيكولا أنغيلا أنجيلا تيريزا بوريس ديفيد توني
رجب بنيامين إيهود أرييل شيمون أفيغدور جاستن شينزو كيم مون شي أنطونيو بان كوفي ستيفان ستافان
"""


# ---------------------------------------------------------------------------------------------
# Span cleaning. Words the tagger often takes into a name that are not part of it.
# ---------------------------------------------------------------------------------------------

# Party and office adjectives around a person's name: "الجمهوري دونالد ترامب", "مكتب نتنياهو".
_PERSON_EDGE_WORDS = """الجمهوري الجمهورية الديمقراطي الديمقراطية المحافظ المحافظة العمالي
الليبرالي اليميني اليساري المعارض المعارضة المنتخب المنتخبة المكلف المكلفة مكتب نظيره نظيرها
رئيس رئيسة وزير وزيرة"""

# Day and month names that stick to the end of a name ("منظمة الصحة العالمية الأربعاء").
_DAYS = "السبت الأحد الاثنين الإثنين الثلاثاء الأربعاء الخميس الجمعة اليوم أمس غدا"
_MONTHS = """يناير فبراير مارس أبريل إبريل مايو ماي يونيو يونيه يوليو يوليوز أغسطس غشت سبتمبر
أكتوبر نوفمبر ديسمبر جانفي فيفري أفريل جوان جويلية أوت كانون شباط آذار نيسان أيار حزيران تموز آب
أيلول تشرين"""

# Words that say "a kind of place" and are no place alone: "ريف", "شرق أوسط" ("a Middle East").
_GENERIC_PLACE_WORDS = """ريف شرق غرب شمال جنوب وسط أوسط الأوسط أدنى أقصى مدينة منطقة محافظة ولاية
إقليم بلدة قرية حي شارع ساحة بلد دولة عاصمة الشرق الغرب الشمال الجنوب"""

# Heads of things the tagger takes for people: "فيروس كورونا", "مرض السكري".
# Words that head a body's name written after them in quotation marks or brackets: تنظيم "الدولة
# الإسلامية", وكالة "رويترز", حزب "العدالة والتنمية", جماعة (الحوثي): no break there.
_BODY_HEADS = """تنظيم حزب حركة جماعة جبهة منظمة وكالة شركة مجموعة تحالف ائتلاف اتحاد هيئة جمعية مؤسسة
صحيفة مجلة قناة شبكة إذاعة موقع تيار فصيل ميليشيا كتائب لواء"""

# First words of a country's own body (its ministry, council, parliament, army, government): such a
# spelling followed by a nationality adjective (وزارة الخارجية السعودية) names that country's body,
# not the authority file's entry of the bare name.
_GENERIC_BODIES = "وزارة مجلس البرلمان الجيش الحكومة"

_NOT_PERSON_HEADS = """فيروس وباء مرض جائحة متلازمة إعصار عاصفة عملية مشروع برنامج صاروخ طائرة
جائزة بطولة كأس مهرجان مؤتمر قمة اتفاق اتفاقية معاهدة"""

# Single-word spellings in the authority file that are also everyday words (الأسد "the lion",
# فتح "opening", النهضة "the revival", عون "help"); with first names, months, titles and
# nationality adjectives (السوداني "the Sudanese") and name parts (آبي is أبي) they count as a
# mention only where the tagger agrees or the article names the entry in full (see
# ``indexer.entity_dictionary.KnownNames``).
_COMMON_WORD_ALIASES = """الأسد فتح النهضة عون هادي الشاهد بري الصدر الأمل المستقبل الأمة الشعب
التغيير الوفاق الاستقلال التحرير الكرامة الوطن النور الفجر الأمان القاعدة روحاني صالح
عباس كريم جميل سعيد أمين الأمين الرشيد صلاح الهلال النصر الاتحاد الوحدة الشباب الأهلي الوداد الرجاء
النجم الترجي الصفاقسي الإفريقي الملعب صور جنين حماة الرقة الخليج مالي ترك"""


def _entries(block: str) -> list[str]:
    return [entry.strip() for line in block.strip().splitlines() for entry in line.split("|")
            if entry.strip()]


def _words(block: str) -> frozenset[str]:
    return frozenset(normalize(w) for w in block.split())


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(normalize(token) for token, _, _ in tokenize(phrase))


def _cldr_places() -> list[str]:
    from babel import Locale

    arabic = Locale("ar")
    places = [name for code, name in arabic.territories.items() if code not in _CLDR_NOT_PLACES]
    places += [zone["city"] for zone in arabic.time_zones.values() if zone.get("city")]
    # CLDR writes some names with a qualifier in brackets or after a comma
    # ("ميانمار (بورما)", "بيولا، داكوتا الشمالية"): keep the part before it.
    return [name.split("(")[0].split("،")[0].split(" - ")[0].strip() for name in places]


def _pyarabic_given_names() -> set[str]:
    """Single-word given names (label ``nom``) from pyarabic's proper-noun list."""
    from pyarabic import propernouns

    names = set()
    for line in propernouns.TEXT.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == "nom" and len(parts[0]) > 2:
            names.add(normalize(parts[0]))
    return names


class Gazetteer:
    """Phrases (normalised token tuples) with a label, matched longest first."""

    def __init__(self, phrases: dict[tuple[str, ...], str]):
        self.phrases = phrases
        self.max_len = max((len(p) for p in phrases), default=0)
        # First tokens of every phrase: most tokens are rejected by one set lookup.
        self.first_tokens = frozenset(p[0] for p in phrases)

    def label(self, tokens: tuple[str, ...]) -> str | None:
        return self.phrases.get(tokens)

    def longest(self, words: list[str], starts, accept=None, breaks: Collection[int] = ()) -> list[tuple]:
        """The longest phrases in ``words``, left to right and not overlapping, as (start, end,
        value, how). ``starts(word)`` gives the ways a phrase may start at a word: (the form of the
        word a phrase starts with, ``how`` (returned with the match), the fewest words of such a
        phrase); ``accept(value, how)``, when given, may refuse a phrase found. No phrase runs
        across a position of ``breaks`` (a word before which a name cannot go on)."""
        phrases = self.phrases
        after = sorted(breaks) if breaks else ()
        matches = []
        i, n = 0, len(words)
        while i < n:
            ways = starts(words[i])
            if not ways:  # most words
                i += 1
                continue
            limit = min(n, i + self.max_len)
            if after:
                k = bisect.bisect_right(after, i)
                if k < len(after):
                    limit = min(limit, after[k])  # the next break
            found = None
            for form, how, shortest in ways:
                for j in range(limit, found[1] if found else i + shortest - 1, -1):
                    value = phrases.get((form, *words[i + 1:j]))
                    if value is not None and (accept is None or accept(value, how)):
                        found = (i, j, value, how)
                        break
            if found:
                matches.append(found)
                i = found[1]
            else:
                i += 1
        return matches


def _table(entries: list[str], label: str) -> dict[tuple[str, ...], str]:
    return {key: label for key in map(_key, entries) if key}


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """Places (CLDR + curated) and organisations (curated); organisations win a tie."""
    phrases = _table(_cldr_places() + _entries(_PLACES), "LOC")
    phrases.update(_table(_entries(_ORGANISATIONS), "ORG"))
    return Gazetteer(phrases)


TITLE_WORDS: frozenset[tuple[str, ...]] = frozenset(_key(t) for t in _entries(_TITLES))
TITLE_QUALIFIERS: frozenset[str] = frozenset(normalize(w) for w in _TITLE_QUALIFIERS.split())
NATIONALITIES: frozenset[str] = frozenset(
    form for w in _NATIONALITIES.split() for form in (normalize(w), normalize(w + "ة")))
NAME_JOINERS: frozenset[str] = frozenset(normalize(w) for w in _NAME_JOINERS.split())


_TRAILING = _words(_DAYS) | _words(_MONTHS)
PERSON_EDGE_WORDS: frozenset[str] = (_words(_PERSON_EDGE_WORDS) | NATIONALITIES | TITLE_QUALIFIERS
                                     | frozenset(t[0] for t in TITLE_WORDS) | _TRAILING)
TRAILING_WORDS: frozenset[str] = _TRAILING
GENERIC_PLACE_WORDS: frozenset[str] = _words(_GENERIC_PLACE_WORDS)
NOT_PERSON_HEADS: frozenset[str] = _words(_NOT_PERSON_HEADS)
BODY_HEADS: frozenset[str] = _words(_BODY_HEADS)
GENERIC_BODIES: frozenset[str] = _words(_GENERIC_BODIES)


@functools.lru_cache(maxsize=1)
def common_word_aliases() -> frozenset[str]:
    """Single words that a one-word alias may be without naming its entry (see above)."""
    return (_words(_COMMON_WORD_ALIASES) | _words(_MONTHS) | NATIONALITIES | person_first_names()
            | NAME_JOINERS | frozenset(t[0] for t in TITLE_WORDS if len(t) == 1))


# A state's chambers, named by what they are in every state that has them.
_CHAMBERS = "مجلس النواب|مجلس الشيوخ"


@functools.lru_cache(maxsize=1)
def function_bodies() -> frozenset[tuple[str, ...]]:
    """Organisation phrases that name a state's body by its function (وزارة الخارجية, مجلس النواب,
    الجيش الإسرائيلي): which state's is said by the text around them, and ANERcorp's annotators
    tag most of them O. The extractor's gazetteer step leaves them to the tagger and to the
    authority file's dictionary pass (an entry the librarian keeps still links every mention)."""
    organisations = [_key(entry) for entry in _entries(_ORGANISATIONS)]
    ministry, army = normalize("وزارة"), normalize("الجيش")
    return frozenset(key for key in organisations
                     if key[0] == ministry or (len(key) == 2 and key[0] == army and key[1] in NATIONALITIES)
                     ) | frozenset(map(_key, _entries(_CHAMBERS)))


@functools.lru_cache(maxsize=1)
def person_first_names() -> frozenset[str]:
    return frozenset({normalize(w) for w in _FIRST_NAMES.split()} | _pyarabic_given_names())



# ---------------------------------------------------------------------------------------------
# Seed of the authority file: one entry per entity with its canonical name and the spellings
# news uses for it. Curated groups first (several spellings of one entity), then every other
# gazetteer phrase as an entity of its own. Librarians edit the result in the database.
# ---------------------------------------------------------------------------------------------

_ALIAS_GROUPS = """
place|الولايات المتحدة|الولايات المتحدة الأمريكية|الولايات المتحدة الأميركية|أمريكا|أميركا|امريكا
place|المملكة المتحدة|بريطانيا
place|السعودية|المملكة العربية السعودية
place|الإمارات|الإمارات العربية المتحدة|دولة الإمارات
place|فلسطين|الأراضي الفلسطينية
place|إسطنبول|اسطنبول
place|أبوظبي|أبو ظبي
place|مكة المكرمة|مكة
place|أفريقيا|إفريقيا
place|روسيا|روسيا الاتحادية
place|سوريا|سورية
org|الأمم المتحدة|منظمة الأمم المتحدة|الامم المتحدة
org|مجلس الأمن الدولي|مجلس الأمن
org|حركة حماس|حماس
org|حركة فتح|فتح
org|حركة الجهاد الإسلامي|الجهاد الإسلامي
org|الاتحاد الأوروبي|الاتحاد الاوروبي
org|منظمة الصحة العالمية|الصحة العالمية
org|حلف شمال الأطلسي|الناتو|حلف الناتو
org|تنظيم الدولة الإسلامية|داعش|تنظيم داعش|تنظيم الدولة
org|صندوق النقد الدولي|صندوق النقد
person|دونالد ترامب|ترامب|ترمب|دونالد ترمب
person|بنيامين نتنياهو|نتنياهو|نتانياهو|بنيامين نتانياهو
person|فلاديمير بوتين|بوتين
person|رجب طيب أردوغان|أردوغان|اردوغان
person|عبد الفتاح السيسي|السيسي|عبدالفتاح السيسي
person|بشار الأسد|الأسد
person|أنطونيو غوتيريش|غوتيريش|غوتيريس|أنطونيو غوتيريس
person|إيمانويل ماكرون|ماكرون
person|جو بايدن|بايدن
person|باراك أوباما|أوباما
person|محمد بن سلمان|ولي العهد السعودي محمد بن سلمان
person|محمد شياع السوداني|السوداني
person|الباجي قائد السبسي|السبسي|قائد السبسي|الباجي قايد السبسي|قايد السبسي
person|حسن روحاني|روحاني
person|علي خامنئي|خامنئي
person|محمود عباس|أبو مازن
person|أنغيلا ميركل|ميركل|أنجيلا ميركل|انجيلا ميركل
person|تيريزا ماي|ماي
person|كيم جونغ أون|كيم جونغ اون|كيم جون أون
person|مون جاي إن|مون جيه إن
person|شي جين بينغ|شي جينبينغ
person|مايك بومبيو|بومبيو
person|ريكس تيلرسون|تيلرسون
person|جون بولتون|بولتون
person|جيمس ماتيس|ماتيس|جيم ماتيس
person|مايك بنس|بنس
person|جاريد كوشنر|كوشنر
person|نيكي هيلي|هيلي
person|هيلاري كلينتون|كلينتون
person|بوريس جونسون|جونسون
person|سيرغي لافروف|لافروف
person|جاستن ترودو|ترودو
person|شينزو آبي|آبي
person|جان كلود يونكر|يونكر
person|مارتن غريفيث|غريفيث
person|جمال خاشقجي|خاشقجي
person|الملك سلمان|سلمان بن عبد العزيز|الملك سلمان بن عبد العزيز
person|محمد بن زايد|الشيخ محمد بن زايد
person|محمد بن راشد|محمد بن راشد آل مكتوم
person|تميم بن حمد|تميم بن حمد آل ثاني|الشيخ تميم
person|محمد جواد ظريف|ظريف
person|عادل الجبير|الجبير
person|عمر البشير|البشير
person|حيدر العبادي|العبادي
person|مقتدى الصدر|الصدر
person|ميشال عون|ميشيل عون|عون
person|سعد الحريري|الحريري
person|نبيه بري|بري
person|عبد ربه منصور هادي|هادي
person|خليفة حفتر|حفتر
person|يوسف الشاهد|الشاهد
person|راشد الغنوشي|الغنوشي
person|محمد صلاح|صلاح
person|كريستيانو رونالدو|رونالدو
person|ليونيل ميسي|ميسي
person|نيمار|نيمار دا سيلفا
person|زين الدين زيدان|زيدان
person|بيب غوارديولا|غوارديولا|جوزيب غوارديولا
person|جوزيه مورينيو|مورينيو
org|رويترز|وكالة رويترز
org|فرانس برس|وكالة فرانس برس
org|أسوشيتد برس|وكالة أسوشيتد برس
org|الأناضول|وكالة الأناضول
org|سانا|وكالة سانا
org|طالبان|حركة طالبان
org|الكونغرس|الكونجرس
org|البنتاغون|البنتاجون
org|غوغل|جوجل
org|آبل|أبل
org|جونسون آند جونسون|جونسون اند جونسون
org|أوبك|منظمة أوبك
org|جامعة الدول العربية|الجامعة العربية
org|مجلس التعاون الخليجي|مجلس التعاون لدول الخليج العربية
org|الاحتياطي الفيدرالي|مجلس الاحتياطي الفيدرالي
org|جماعة الإخوان المسلمين|الإخوان المسلمين|الإخوان المسلمون
org|الحرس الثوري الإيراني|الحرس الثوري
org|جماعة الحوثي|الحوثيين|أنصار الله
org|تنظيم القاعدة|القاعدة
org|الاتحاد الدولي لكرة القدم|الفيفا
org|وكالة الأنباء السعودية|واس
org|حركة النهضة|النهضة
org|حركة نداء تونس|نداء تونس|حزب نداء تونس
org|أرامكو|أرامكو السعودية
org|مجلس الأمن القومي|مجلس الأمن الوطني
org|الاتحاد الأوروبي لكرة القدم|يويفا|اليويفا
misc|فيروس كورونا|كورونا|كوفيد-19
"""


def authority_seed() -> list[tuple[str, str, list[str]]]:
    """(canonical name, kind, aliases) entries: curated alias groups, then each remaining
    gazetteer phrase (organisations as "org", places as "place") on its own."""
    entries: list[tuple[str, str, list[str]]] = []
    taken: set[tuple[str, ...]] = set()
    for line in _ALIAS_GROUPS.strip().splitlines():
        kind, *names = [part.strip() for part in line.split("|") if part.strip()]
        entries.append((names[0], kind, names))
        taken.update(_key(n) for n in names)
    for kind, phrases in (("org", _entries(_ORGANISATIONS)), ("place", _cldr_places() + _entries(_PLACES))):
        for phrase in phrases:
            key = _key(phrase)
            if key and key not in taken:
                taken.add(key)
                entries.append((phrase, kind, [phrase]))
    return entries
