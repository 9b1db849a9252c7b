"""Builds a folder of saved article pages from one made-up outlet, جريدة النهرين ("the Two Rivers
daily"): the same site furniture on every page (menu, newsletter box, app banner, comment box,
"happening now" headlines, related-article teasers, social links, copyright), different articles.

The Arabic text is written for these tests. ``write_site`` returns what each page should read as.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

OUTLET = "جريدة النهرين"

CITIES = ("البصرة", "الموصل", "كربلاء", "النجف", "الحلة", "الكوت", "السماوة", "الديوانية")

# (section, title, three paragraphs); {city} and {n} vary per page.
TOPICS = (
    ("محليات", "افتتاح جسر جديد يربط ضفتي النهر في {city}",
     ("افتتحت الحكومة المحلية في {city} صباح اليوم جسراً جديداً بطول {n}0 متراً يربط ضفتي النهر، "
      "بعد عامين من العمل المتواصل.",
      "وقال مدير دائرة الطرق والجسور إن الجسر سيخفف الزحام عن الطريق القديم، مشيراً إلى أن كلفته "
      "بلغت {n} مليار دينار.",
      "وعبّر سكان الأحياء القريبة عن ارتياحهم، مطالبين بإنارة الطريق المؤدي إليه قبل حلول الشتاء.")),
    ("اقتصاد", "ارتفاع أسعار الطماطم في أسواق {city} بنسبة {n} بالمئة",
     ("سجلت أسواق الخضار في {city} ارتفاعاً في أسعار الطماطم بلغ {n} بالمئة خلال أسبوع واحد.",
      "وعزا تجار في سوق الجملة الارتفاع إلى قلة المعروض من المزارع المحلية بعد موجة الحر الأخيرة.",
      "ودعت غرفة التجارة إلى فتح باب الاستيراد مؤقتاً حتى يعود الإنتاج المحلي إلى مستواه المعتاد.")),
    ("رياضة", "نادي {city} يتأهل إلى نصف نهائي الكأس",
     ("تأهل نادي {city} إلى الدور نصف النهائي من بطولة الكأس بعد فوزه على منافسه بنتيجة {n} أهداف "
      "مقابل هدف.",
      "وسجل المهاجم الشاب هدفين في الشوط الثاني، فيما أضاع الفريق المنافس ركلة جزاء في الدقائق الأخيرة.",
      "وقال مدرب الفريق إن اللاعبين قدموا مباراة كبيرة، وإن التحضير للمباراة المقبلة يبدأ غداً.")),
    ("ثقافة", "معرض للكتاب في {city} يستقبل {n} دار نشر",
     ("انطلقت في {city} فعاليات معرض الكتاب السنوي بمشاركة {n} دار نشر من داخل البلاد وخارجها.",
      "ويتضمن برنامج المعرض ندوات عن الرواية العراقية الحديثة وأمسيات شعرية وورشاً للأطفال.",
      "وأكدت اللجنة المنظمة أن الدخول مجاني طوال أيام المعرض التي تمتد حتى نهاية الأسبوع المقبل.")),
    ("محليات", "حملة لتنظيف ضفاف النهر في {city} بمشاركة {n}0 متطوعاً",
     ("شارك {n}0 متطوعاً من طلبة الجامعات في حملة لتنظيف ضفاف النهر وسط {city}.",
      "ورفع المتطوعون أطناناً من النفايات البلاستيكية، وزرعوا شتلات على امتداد الكورنيش.",
      "وقالت منظمة محلية راعية للحملة إنها ستتكرر كل شهر بالتنسيق مع البلدية.")),
    ("اقتصاد", "مصرف حكومي يفتتح فرعاً جديداً في {city}",
     ("افتتح مصرف الرافدين فرعاً جديداً في {city} هو الفرع رقم {n} للمصرف في المحافظة.",
      "ويقدم الفرع خدمات توطين الرواتب والقروض الصغيرة للمشاريع الناشئة.",
      "وأوضح مدير الفرع أن ساعات الدوام ستمتد إلى المساء لتخفيف الضغط على المراجعين.")),
    ("رياضة", "عدّاء من {city} يحرز ذهبية سباق {n}00 متر",
     ("أحرز عدّاء من {city} الميدالية الذهبية في سباق {n}00 متر ضمن بطولة الجامعات.",
      "وتقدم العدّاء على منافسيه في الأمتار الأخيرة محققاً أفضل توقيت له هذا الموسم.",
      "وأهدى الفوز إلى مدرّبه الذي رافقه منذ بداياته في نادي المدينة.")),
    ("ثقافة", "ترميم بيت تراثي في {city} عمره {n}0 عاماً",
     ("بدأت هيئة الآثار أعمال ترميم بيت تراثي في المدينة القديمة في {city} يعود بناؤه إلى {n}0 عاماً.",
      "ويتميز البيت بشناشيله الخشبية وفنائه الداخلي، وكان مهدداً بالانهيار بعد سنوات من الإهمال.",
      "وسيتحول البيت بعد الترميم إلى متحف صغير يعرض أدوات الحياة اليومية القديمة.")),
)

AUTHORS = ("كتب/ سلام الجبوري", "متابعة/ النهرين", "النجف/ علي حسن", "كتبت/ زينب كاظم")
MONTHS = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
          "تشرين الأول", "تشرين الثاني", "كانون الأول")

MENU = "الرئيسية | محليات | اقتصاد | رياضة | ثقافة | كاريكاتير"
# Lines no built-in marker knows: the reader must learn them from the folder.
NEWSLETTER = "اشترك في النشرة البريدية لجريدة النهرين"
APP_BANNER = "حمّل تطبيق النهرين لتصلك الأخبار العاجلة"
HEADLINES = ("ارتفاع منسوب نهر دجلة بعد أمطار غزيرة", "وزارة التربية تعلن موعد الامتحانات الوزارية",
             "افتتاح مستشفى تخصصي للأطفال في العاصمة")
COPYRIGHT = "جميع الحقوق محفوظة لجريدة النهرين 2025"
FURNITURE_WORDS = ("النشرة البريدية", "تطبيق النهرين", "منسوب نهر دجلة", "الامتحانات الوزارية",
                   "مستشفى تخصصي", "كاريكاتير", "حرف متبقي", "المحادثة", "جميع الحقوق")


@dataclass
class Page:
    path: Path
    section: str
    title: str
    date: str
    author: str
    paragraphs: tuple[str, ...]

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def pages(n: int = 32) -> list[dict]:
    """The content of ``n`` different articles (at most len(TOPICS) * len(CITIES))."""
    out = []
    for i in range(n):
        section, title, paragraphs = TOPICS[i % len(TOPICS)]
        city = CITIES[(i // len(TOPICS) + i) % len(CITIES)]
        fill = {"city": city, "n": 3 + i % 7}
        out.append({
            "section": section,
            "title": title.format(**fill),
            "paragraphs": tuple(p.format(**fill) for p in paragraphs),
            "author": AUTHORS[i % len(AUTHORS)],
            "date": f"{1 + i % 28} {MONTHS[i % 12]}, 2025: {1 + i % 12}:{(i * 7) % 60:02d} "
                    f"{'ص' if i % 2 else 'م'}",
        })
    return out


def page_text(item: dict, related: list[str]) -> str:
    lines = [
        "TOP", MENU,
        f"{OUTLET} > {item['section']} > {item['title']}",
        item["title"],
        f"نشر في: {item['date']}",
        item["author"],
        *item["paragraphs"],
        NEWSLETTER, APP_BANNER,
        "انضم الى المحادثة", "255 حرف متبقي",
        "يحدث الآن", *HEADLINES,
        "مقالات ذات صلة", *related,
        "facebook twitter youtube telegram",
        COPYRIGHT,
    ]
    return "\n\n".join(lines) + "\n"


def write_site(folder: Path, n: int = 32) -> list[Page]:
    """Write ``n`` pages into ``folder`` (created) and return what each should read as."""
    folder.mkdir(parents=True, exist_ok=True)
    items = pages(n)
    out = []
    for i, item in enumerate(items):
        related = [items[(i + k) % n]["title"] for k in (1, 2)]
        path = folder / f"{i:03d}.txt"
        path.write_text(page_text(item, related), encoding="utf-8")
        out.append(Page(path, item["section"], item["title"], item["date"], item["author"],
                        item["paragraphs"]))
    return out
