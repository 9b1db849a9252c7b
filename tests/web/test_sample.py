"""The bundled sample archive loads cleanly and finds what sample/README.md promises."""
from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES, ROOT, build_instance, make_app

EXPECTATIONS = json.loads((FIXTURES / "sample_expectations.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory):
    return build_instance(tmp_path_factory.mktemp("sample") / "instance", ROOT / "sample")


def test_sample_loads_without_rejections(tmp_path):
    from archive.db import Database
    from archive.ingest import ingest

    db = Database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    db.upgrade()
    report = ingest(db, [ROOT / "sample"])
    assert report.rejected == 0, report.rejections
    assert report.added >= 48


def test_sample_spans_sections_sources_and_years(sample_app):
    facets = sample_app.test_client().get("/api/v1/search").get_json()["facets"]
    assert len(facets["section"]) >= 4 and len(facets["source"]) >= 3 and len(facets["date"]) >= 3


@pytest.mark.parametrize("case", EXPECTATIONS, ids=[c["query"] for c in EXPECTATIONS])
def test_sample_queries_find_their_articles(sample_app, case):
    data = sample_app.test_client().get("/api/v1/search", query_string={"q": case["query"],
                                                                         "per_page": 100}).get_json()
    found = {h["id"] for h in data["hits"]}
    assert set(case["must_find"]) <= found


def test_did_you_mean_offers_the_frequent_spelling(sample_app):
    client = sample_app.test_client()
    data = client.get("/api/v1/search", query_string={"q": "العراك"}).get_json()
    assert data["total"] < 3 and data["suggestion"] == "العراق"
    html = client.get("/search", query_string={"q": "العراك"}).get_data(as_text=True)
    assert "هل تقصد" in html and "العراق" in html
    assert client.get("/api/v1/search", query_string={"q": "العراق"}).get_json()["suggestion"] is None


def test_article_page_lists_related_articles(sample_app):
    client = sample_app.test_client()
    some_id = client.get("/api/v1/search?q=العراق").get_json()["hits"][0]["id"]
    html = client.get(f"/article/{some_id}").get_data(as_text=True)
    assert "مقالات ذات صلة" in html and html.count('href="/article/') >= 2


@pytest.mark.parametrize("params", [{}, {"q": "بغداد"}, {"section": "politic"}, {"sort": "newest", "q": "الحكومة"}],
                         ids=["all", "query", "section", "query-newest"])
def test_sample_counts_add_up(sample_app, params):
    from tests.counts import assert_counts_add_up

    data = assert_counts_add_up(sample_app.test_client(), **params)
    assert data["total"] > 0


def make_run_steps() -> list[list[str]]:
    """The arshif commands `make run` gives before it serves, as written in the Makefile."""
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nrun: install\n", 1)[1].split("\n\n", 1)[0]
    steps = [line.split("$(BIN)/arshif", 1)[1].split() for line in recipe.splitlines() if "$(BIN)/arshif" in line]
    assert steps[-1] == ["serve"]
    return steps[:-1]


def test_restarting_make_run_adds_no_run_and_keeps_the_sample_searchable(tmp_path, monkeypatch):
    from archive import jobs
    from archive.runs import list_runs

    monkeypatch.chdir(ROOT)  # the Makefile names sample/ from the checkout
    app = make_app(tmp_path / "instance")
    runner = app.test_cli_runner()
    db = app.extensions["arshif.db"]

    def make_run():
        out = ""
        for step in make_run_steps():
            r = runner.invoke(args=step)
            assert r.exit_code == 0, (step, r.output)
            out += r.output
        return out

    make_run()
    loaded = app.test_client().get("/healthz").get_json()["indexed"]
    assert loaded >= 48 and [r.status for r in list_runs(db)] == ["completed"]
    assert [(j.kind, j.status) for j in jobs.recent(db)] == [("reindex", "completed"), ("ingest", "completed")]
    out = make_run()
    assert "read by ingest run 1 and unchanged since; nothing to do" in out
    assert len(list_runs(db)) == 1 and len(jobs.recent(db)) == 2  # no run, no job
    # An index lost since (or a reindex that never finished) is rebuilt by the next start.
    import shutil
    shutil.rmtree(app.config["INDEX_DIR"])
    make_run()
    assert len(list_runs(db)) == 1 and jobs.recent(db)[0].kind == "reindex"
    assert app.test_client().get("/healthz").get_json()["indexed"] == loaded


def test_make_run_labels_the_samples_sections_and_keeps_a_librarians_labels(tmp_path, monkeypatch):
    """The sample's section codes (politic, internationalNews…) are shown by name in both
    languages after make run, and a label a librarian gave since is not overwritten."""
    import csv

    monkeypatch.chdir(ROOT)
    app = make_app(tmp_path / "instance")
    runner = app.test_cli_runner()
    for step in make_run_steps():
        assert runner.invoke(args=step).exit_code == 0, step
    with open(ROOT / "sample" / "sections.tsv", encoding="utf-8") as f:
        labels = {r["code"]: (r["label_ar"], r["label_en"]) for r in csv.DictReader(f, delimiter="\t")}
    sections = json.loads(runner.invoke(args=["sections", "list", "--json"]).stdout)
    assert {s["code"]: (s["label_ar"], s["label_en"]) for s in sections} == labels   # every code the sample uses
    client = app.test_client()
    facet = client.get("/api/v1/search?lang=ar").get_json()["facets"]["section"]
    assert {v["label"] for v in facet} == {ar for ar, _ in labels.values()}
    assert client.get("/api/v1/search?q=section:سياسة").get_json()["total"] == 10
    assert runner.invoke(args=["sections", "label", "politic", "--ar", "الشأن السياسي"]).exit_code == 0
    for step in make_run_steps():
        assert runner.invoke(args=step).exit_code == 0, step
    politic = next(s for s in json.loads(runner.invoke(args=["sections", "list", "--json"]).stdout)
                   if s["code"] == "politic")
    assert politic["label_ar"] == "الشأن السياسي" and politic["label_en"] == "Politics"
    assert runner.invoke(args=["sections", "import", str(ROOT / "sample" / "sections.tsv"), "--replace"]).output \
        .startswith("labelled 1 section")
