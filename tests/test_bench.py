"""The benchmark's own machinery: the corpus generator and the query given to Lucene."""
import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _module(name):
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ROWS = [{"id": f"a{i}", "title": f"عنوان رقم {i} عن الموضوع", "section": "sport" if i % 2 else "economy",
         "source": "S", "date": "2020-01-01", "url": f"http://x/{i}",
         "body": f"الجملة الأولى للمقال {i}. الجملة الثانية عن الفريق {i}!\nالجملة الثالثة {i}؟"}
        for i in range(12)]


def test_corpus_is_deterministic_distinct_and_never_a_copy():
    corpus = _module("corpus")
    first = list(corpus.generate(ROWS, 200, seed=3))
    assert first == list(corpus.generate(ROWS, 200, seed=3))
    assert first != list(corpus.generate(ROWS, 200, seed=4))
    assert len({r["id"] for r in first}) == len({r["url"] for r in first}) == 200
    assert len({(r["title"], r["body"]) for r in first}) == 200
    originals = {(r["title"], r["body"]) for r in ROWS}
    assert not originals & {(r["title"], r["body"]) for r in first}
    years = {r["date"][:4] for r in first}
    assert len(years) > 10 and min(years) >= "2006" and max(years) <= "2025"


def test_corpus_recombines_sentences_within_a_section():
    corpus = _module("corpus")
    for record in corpus.generate(ROWS, 100, seed=1):
        mine = {r["id"][1:] for r in ROWS if r["section"] == record["section"]}
        for sentence in corpus.sentences(record["body"]):
            assert sentence.split()[-1].strip(".!؟") in mine, record


def test_lucene_gets_the_rewritten_query():
    search = _module("search")

    class Lexicon:
        def doc_frequency(self, field, term):
            return 0

    q, flt = search.prepared({"q": 'في الاقتصاد "كرة القدم" -نادي', "section": "sport"}, Lexicon())
    assert "في" not in q.split('"')  # the stop word left the AND, as Arshif's plan drops it
    assert '+(title:"الاقتصاد" OR body:"الاقتصاد")' in q
    assert 'body_exact:"كرة القدم"~1' in q and '-(title:"نادي" OR body:"نادي")' in q
    assert flt == '+section:"sport"'
    q, flt = search.prepared({"q": "مصر source:BBC", "date": "2010"}, Lexicon())
    assert q == '(+(title:"مصر" OR body:"مصر"))'
    assert flt == '+date:[20100101 TO 20101231] +source:"BBC"'
    # A stop word searched alone (or beside NOTs only) is searched as written, in the exact
    # fields, as Arshif's plan searches it (it was sent to the stemmed fields, where neither
    # engine holds it: Lucene found nothing).
    q, _ = search.prepared({"q": "الذين"}, Lexicon())
    assert q == '(title_exact:"الذين" OR body_exact:"الذين")'
    q, _ = search.prepared({"q": "وبين -سوريا"}, Lexicon())
    assert q == '(+(title_exact:"وبين" OR body_exact:"وبين") -(title:"سوريا" OR body:"سوريا"))'


def test_ingest_benchmark_times_the_real_command_with_entity_extraction(tmp_path):
    """bench/ingest.py judges issue 16's goal (300 articles/s) on ``arshif ingest`` itself: the
    articles it times come out linked to entities, and the re-ingest finds them unchanged."""
    import gzip
    import json
    import subprocess

    corpus = tmp_path / "sample.jsonl.gz"
    with gzip.open(corpus, "wb") as f:
        f.write((BENCH.parent / "sample" / "articles.jsonl").read_bytes())
    done = subprocess.run([sys.executable, str(BENCH / "ingest.py"), "--corpus", str(corpus),
                           "--articles", "4", "--no-pg"], capture_output=True, text=True, check=True)
    sqlite = json.loads(done.stdout)["sqlite"]
    assert sqlite["ingest"]["read"] == sqlite["ingest"]["added"] == 4
    assert sqlite["reingest"]["unchanged"] == 4
    assert sqlite["entity_links"] > 0
    assert sqlite["target_articles_per_s"] == 300
    assert sqlite["target_met"] == (sqlite["ingest"]["articles_per_s"] >= 300)


def test_ratelimit_benchmark_times_each_storage_and_counts_its_calls(tmp_path):
    """bench/ratelimit.py times the limiter's check per storage and counts the storage calls
    a request makes: one count per limit (loopback one, public readers two), and the reads
    behind the X-RateLimit headers."""
    import json
    import subprocess

    from tests.conftest import FIXTURES, build_instance

    build_instance(tmp_path / "instance", FIXTURES / "news.jsonl")
    done = subprocess.run([sys.executable, str(BENCH / "ratelimit.py"), "--instance", str(tmp_path / "instance"),
                           "--requests", "5", "--rounds", "1"], capture_output=True, text=True, check=True)
    out = json.loads(done.stdout)
    assert set(out["check_ms"]) == {f"{s}_{w}" for s in ("sqlite_file", "memory") for w in ("loopback", "public")}
    assert all(v["p50"] > 0 for v in out["check_ms"].values())
    calls = out["storage_calls_per_request"]
    assert calls["sqlite_file_loopback"] == {"incr": 1.0, "get": 1.0, "get_expiry": 1.0}
    assert calls["sqlite_file_public"]["incr"] == 2.0


def test_corpus_file_is_named_only_when_whole(tmp_path, monkeypatch):
    """A generation stopped half-way leaves no file under the corpus's name (bench/search.py
    takes an existing file for the whole corpus), and a finished one leaves no part behind."""
    import gzip
    import json

    import pytest

    corpus = _module("corpus")
    source = tmp_path / "news.jsonl.gz"
    with gzip.open(source, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS)
    out = tmp_path / "corpus-30.jsonl.gz"
    argv = ["corpus.py", str(out), "--articles", "30", "--corpus", str(source)]
    real = corpus.generate

    def stops_half_way(*args):
        for n, record in enumerate(real(*args)):
            if n == 15:
                raise KeyboardInterrupt
            yield record

    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(corpus, "generate", stops_half_way)
    with pytest.raises(KeyboardInterrupt):
        corpus.main()
    assert not out.exists()
    monkeypatch.setattr(corpus, "generate", real)
    corpus.main()
    assert len(gzip.open(out, "rt", encoding="utf-8").read().splitlines()) == 30
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_archive_build_keeps_its_ingest_when_the_reindex_stops(tmp_path, monkeypatch):
    """bench/search.py's archive: a build stopped during the reindex keeps the ingest and only
    indexes again; both steps report wall and CPU seconds and their rates."""
    import gzip

    import pytest

    search = _module("search")
    work = tmp_path / "work"
    work.mkdir()
    with gzip.open(work / "corpus-4.jsonl.gz", "wb") as f:
        f.writelines((BENCH.parent / "sample" / "articles.jsonl").read_bytes().splitlines(True)[:4])
    real, calls = search.arshif, []

    def stopped_reindex(instance, *args, **kwargs):
        calls.append(args[0])
        if args[0] == "reindex":
            raise KeyboardInterrupt
        return real(instance, *args, **kwargs)

    monkeypatch.setattr(search, "arshif", stopped_reindex)
    with pytest.raises(KeyboardInterrupt):
        search.build(work, 4)
    assert calls == ["init", "ingest", "reindex"]

    def counted(instance, *args, **kwargs):
        calls.append(args[0])
        return real(instance, *args, **kwargs)

    calls.clear()
    monkeypatch.setattr(search, "arshif", counted)
    info = search.build(work, 4)
    assert calls == ["reindex"]  # the ingest was kept
    assert info["articles"] == 4
    for step in ("ingest", "reindex"):
        assert info[step]["cpu_s"] > 0 and info[step]["wall_s"] > 0
        assert info[step]["articles_per_cpu_s"] == round(4 / info[step]["cpu_s"], 1)
    assert info["reindex_articles_per_s"] == info["reindex"]["articles_per_s"]
    calls.clear()
    assert search.build(work, 4) == info and calls == []  # built: reused as it is


def test_lucene_searches_a_word_arshif_keeps_and_its_analyser_drops(tmp_path):
    """bench/lucene: a prepared word that ArabicAnalyzer drops from title/body as one of its own
    stop words (أنها) is searched as written in the exact fields, not left out of the query
    (which matched every article with the other words). Skips without Java and Maven."""
    import shutil

    import pytest

    search = _module("search")
    if not (shutil.which("java") and shutil.which("mvn")):
        pytest.skip("bench/lucene needs java and mvn")
    classpath = search.lucene_ready()
    if classpath is None:
        pytest.skip("bench/lucene did not compile (no Maven repository here)")
    articles = tmp_path / "articles.tsv"
    articles.write_text("a1\t1577836800\tpolitics\tS\tالوزير\tقال الوزير أنها مستعدة\t\t\t\n"
                        "a2\t1577836800\tpolitics\tS\tالوزير\tقال الوزير إنه مستعد\t\t\t\n", encoding="utf-8")
    search.java(classpath, "index", str(articles), str(tmp_path / "index"))
    queries = tmp_path / "queries.tsv"
    queries.write_text('timed\t(+(title:"الوزير" OR body:"الوزير") +(title:"أنها" OR body:"أنها"))\t\t'
                       "relevance\t1\t10\n", encoding="utf-8")
    assert search.run_lucene(classpath, tmp_path / "index", queries, "cold", 1)["totals"] == [1]


def test_reindex_benchmark_measures_both_writers_in_processes_of_their_own(tmp_path):
    """bench/reindex.py builds the same articles with Whoosh's writer and Arshif's, each in a
    process of its own that reports its CPU time and peak RSS, and profiles Arshif's build."""
    import json
    import subprocess

    from tests.conftest import FIXTURES, build_instance

    build_instance(tmp_path / "instance", FIXTURES / "news.jsonl")
    done = subprocess.run([sys.executable, str(BENCH / "reindex.py"), "--instance", str(tmp_path / "instance"),
                           "--articles", "6", "--runs", "1", "--procs", "1", "--profile", "5"],
                          capture_output=True, text=True, check=True)
    out = json.loads(done.stdout)
    whoosh, ours = out["whoosh_writer"], out["arshif_writer"]
    assert whoosh["index_mb"] == ours["index_mb"]  # the same files
    for figures in (whoosh, ours):
        assert figures["articles_per_cpu_s"] > 0 and figures["cpu_ms_per_article"] > 0
        assert figures["peak_rss_mb"] >= figures["rss_before_mb"] > 0
    assert out["analysis_articles"] == 6 and out["analysis_shared_s"]["cold"] >= 0
    assert len(out["profile_arshif_writer"]["own"]) == 5
    assert "full_rebuild" in out["profile_arshif_writer"]["cumulative"][0]


def test_facet_measure_reads_a_surname_after_someone_elses_first_name_as_someone_else():
    facets = _module("entity_facets")
    from indexer.arabic import normalize

    def words(text):
        return [normalize(w) for w in text.split()]

    boris, johnsons, trump = 1, 2, 3
    spellings = {boris: [(tuple(words("بوريس جونسون")), False), (tuple(words("جونسون")), False)],
                 johnsons: [(tuple(words("جونسون آند جونسون")), False)],
                 trump: [(tuple(words("دونالد ترامب")), False), (tuple(words("ترامب")), False)]}
    reader = facets.SpellingReader(spellings, generic=set(), persons={boris, trump})
    assert reader.article_matches(words("قال رئيس الوزراء بوريس جونسون إن")) == ({boris}, {boris})
    assert reader.article_matches(words("وقال جونسون إن الحكومة")) == ({boris}, {boris})
    # كاثرين is a first name (the news writes it inside names): another Johnson, and so is the
    # bare surname later in that article; recall does not count it, precision still accepts it.
    assert reader.article_matches(words("صورة كاثرين جونسون عالمة الرياضيات وقالت جونسون")) == ({boris}, set())
    assert reader.article_matches(words("كاثرين جونسون التقت بوريس جونسون")) == ({boris}, {boris})
    # The longest spelling wins: the company is not the person.
    assert reader.article_matches(words("شركة جونسون آند جونسون")) == ({johnsons}, {johnsons})
    assert reader.article_matches(words("قالت إيفانكا ترامب إن ترامب")) == ({trump}, set())
    assert reader.article_matches(words("قال الرئيس ترامب إن")) == ({trump}, {trump})
    # Another spelling of the entry's own first name is the entry.
    pep = 4
    reader = facets.SpellingReader({pep: [(tuple(words("جوزيب غوارديولا")), False), (tuple(words("غوارديولا")), False)]},
                                   generic=set(), persons={pep})
    assert reader.article_matches(words("قال المدرب جوسيب غوارديولا")) == ({pep}, {pep})
    assert facets._distance("سيرجي", "سيرغي") == 1 and facets._distance("كاثرين", "بوريس") > 2
