"""People, organisations and places: extracted at ingest, faceted, filtered, expanded, paged."""
from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, build_instance


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return build_instance(tmp_path_factory.mktemp("entities") / "instance", ROOT / "sample",
                          RATELIMIT_ENABLED=False)


@pytest.fixture
def client(app):
    return app.test_client()


def entity_id(client, kind, label):
    facets = client.get("/api/v1/search?per_page=1").get_json()["facets"][kind]
    return next(v["value"] for v in facets if v["label"] == label)


def test_entity_facets_have_ids_labels_and_counts(client):
    facets = client.get("/api/v1/search").get_json()["facets"]
    places = {v["label"]: v for v in facets["place"]}
    assert "العراق" in places and places["العراق"]["count"] >= 2
    assert places["العراق"]["value"].startswith("e") and places["العراق"]["selected"] is False
    assert {v["label"] for v in facets["org"]} >= {"الأمم المتحدة"}
    assert facets["person"], "people are extracted"


def test_entity_filters_are_anded_and_facets_exclude_their_own_filter(client):
    iraq = entity_id(client, "place", "العراق")
    usa = entity_id(client, "place", "الولايات المتحدة")
    one = client.get(f"/api/v1/search?place={iraq}").get_json()
    both = client.get(f"/api/v1/search?place={iraq}&place={usa}").get_json()
    assert 0 < both["total"] <= one["total"]
    for hit in both["hits"]:
        ids = {e["id"] for e in hit["entities"]}
        assert {iraq, usa} <= ids
    place_counts = {v["value"]: v for v in one["facets"]["place"]}
    assert place_counts[iraq]["selected"] and place_counts[iraq]["count"] == one["total"]


def test_alias_search_finds_other_spellings_and_says_so(client):
    data = client.get("/api/v1/search?q=ترامب&per_page=50").get_json()
    assert data["expanded"] and data["expanded"][0]["term"] == "ترامب"
    assert "ترمب" in data["expanded"][0]["aliases"]
    plain = client.get("/api/v1/search?q==ترامب&per_page=50").get_json()  # exact spelling: no expansion
    assert plain["expanded"] == [] and data["total"] > plain["total"]
    assert any("<mark>ترمب</mark>" in h["snippet_html"] or "<mark>ترمب</mark>" in h["title_html"]
               for h in data["hits"])


def test_entity_page(client):
    iraq = entity_id(client, "place", "العراق")
    r = client.get(f"/entity/{iraq}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<h1" in html and "العراق" in html
    assert "<svg" in html and 'href="/article/' in html
    assert client.get("/entity/e999999").status_code == 404
    assert client.get("/entity/nonsense").status_code == 404


def test_article_json_and_page_carry_entities(client):
    hit = client.get("/api/v1/search?q=العراق").get_json()["hits"][0]
    article = client.get(f"/api/v1/articles/{hit['id']}").get_json()
    assert article["entities"] and set(article["entities"][0]) == {"id", "name", "type"}
    html = client.get(f"/article/{hit['id']}").get_data(as_text=True)
    faceted = next(e for e in article["entities"] if e["type"] in ("person", "org", "place"))
    assert f'href="/entity/{faceted["id"]}' in html


def test_merge_redirects_the_old_id(app, client):
    runner = app.test_cli_runner()
    facets = client.get("/api/v1/search").get_json()["facets"]["person"]
    keep, gone = facets[0]["value"], facets[-1]["value"]
    r = runner.invoke(args=["entities", "merge", keep, gone])
    assert r.exit_code == 0, r.output
    r = client.get(f"/entity/{gone}")
    assert r.status_code == 301 and r.headers["Location"].endswith(f"/entity/{keep}")


def test_entities_export_and_import_cli(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "authority.json"
    assert runner.invoke(args=["entities", "export", str(out)]).exit_code == 0
    rows = json.loads(out.read_text())
    assert any(r["name"] == "الولايات المتحدة" and "أميركا" in r["aliases"] for r in rows)
    (tmp_path / "new.csv").write_text("id,name,type,aliases\n,حزب الحرية,org,الحرية\n", encoding="utf-8")
    r = runner.invoke(args=["entities", "import", str(tmp_path / "new.csv")])
    assert r.exit_code == 0 and "created 1" in r.output
    (tmp_path / "bad.csv").write_text("id,name,type\n,اسم,planet\n", encoding="utf-8")
    r = runner.invoke(args=["entities", "import", str(tmp_path / "bad.csv")])
    assert r.exit_code != 0 and "row 1: type" in r.output


def test_seed_page_entities_and_no_furniture(shared_dir, tmp_path):
    from archive.store import get_article

    app = build_instance(tmp_path / "instance", shared_dir / "seeds", RATELIMIT_ENABLED=False)
    db = app.extensions["arshif.db"]
    hits = app.test_client().get("/api/v1/search?q=خلية").get_json()["hits"]
    article = get_article(db, hits[0]["id"])
    found = {(e["name"], e["type"]) for e in article["entities"]}
    assert {("دونالد ترامب", "person"), ("بنيامين نتنياهو", "person"), ("إسرائيل", "place"),
            ("سوريا", "place"), ("الولايات المتحدة", "place"), ("باريس", "place"),
            ("وزارة الخارجية الأميركية", "org"), ("رويترز", "org")} <= found
    names = {name for name, _kind in found}
    assert not names & {"حزب الله", "غزة", "حلب", "العراق", "السعودية"}  # only in the sidebar


def test_the_sample_links_the_names_a_reader_sees(client):
    """Issue 12's defects on the sample: adjectives, titles and diseases are no people, generic
    place words no places, a title spelling of a name is found, a surname joins its full name."""
    data = client.get("/api/v1/search?per_page=100").get_json()
    names = {(e["name"], e["type"]) for hit in data["hits"] for e in hit["entities"]}
    for wrong in [("الجمهوري دونالد", "person"), ("فيروس كورونا", "person"), ("البابا", "person"),
                  ("ريف", "place"), ("شرق أوسط", "place"), ("هاريس", "person"), ("ووزارة الدفاع", "org")]:
        assert wrong not in names, wrong
    assert ("كامالا هاريس", "person") in names
    for hit in data["hits"]:
        if "ترمب" in hit["title"] or "ترامب" in hit["title"]:
            assert "دونالد ترامب" in [e["name"] for e in hit["entities"]], hit["title"]


def another_model(crfsuite, path) -> str:
    """A CRF of its own (trained on a few sample articles as the shipped model tags them, for a
    few iterations), so it tags differently: a model change."""
    from indexer.arabic import normalize
    from indexer.entities import Extractor, sentence_features, sentences
    from indexer.entity_features import read_sentence

    tagger = Extractor().tagger
    trainer = crfsuite.Trainer(verbose=False)
    lines = (ROOT / "sample" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    for record in map(json.loads, lines[:12]):
        text = record["title"] + "\n" + record["body"]
        read = [read_sentence([normalize(t) for t, _, _ in tokens]) for tokens in sentences(text)]
        for sentence, tags in zip(read, tagger.tag(read)):
            trainer.append(sentence_features(sentence.words)[0], tags)
    trainer.set_params({"c1": 0.1, "c2": 0.01, "max_iterations": 15})
    trainer.train(str(path))
    return str(path)


@pytest.mark.parametrize("model_change", [False, True], ids=["same-model", "new-model"])
def test_reextract_keeps_merges_and_renames_and_updates_the_index(tmp_path, model_change, request):
    from archive.authority import export_entities

    app = build_instance(tmp_path / "instance", ROOT / "sample", RATELIMIT_ENABLED=False)
    runner, db = app.test_cli_runner(), app.extensions["arshif.db"]
    people = [r for r in export_entities(db) if r["provisional"] and r["type"] == "person"]
    harris, tedros = people[:2]  # two people the extractor found that the seed does not know
    # A librarian renames one entry and merges the other into a new confirmed entry.
    renamed = dict(harris, name=harris["name"] + " (مراجع)", provisional=False)
    new = {"id": None, "name": "مدخل جديد للمراجعة", "type": "person", "aliases": []}
    (tmp_path / "edits.json").write_text(json.dumps([renamed, new], ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["entities", "import", str(tmp_path / "edits.json")]).exit_code == 0
    kept = next(r["id"] for r in export_entities(db) if r["name"] == new["name"])
    assert runner.invoke(args=["entities", "merge", kept, tedros["id"]]).exit_code == 0
    assert runner.invoke(args=["reindex"]).exit_code == 0
    client = app.test_client()
    before = {k: client.get(f"/api/v1/search?person={i}").get_json()["total"]
              for k, i in (("harris", harris["id"]), ("tedros", kept))}
    assert before["harris"] > 0 and before["tedros"] > 0

    if model_change:  # the archive moves to another model (ENTITY_MODEL) and extracts again
        app.config["ENTITY_MODEL"] = another_model(request.getfixturevalue("crfsuite"), tmp_path / "other.crfsuite")
    result = runner.invoke(args=["entities", "reextract", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.splitlines()[0])
    assert report["articles"] == 48
    assert (report["changed"] > 0) == model_change
    for key, eid, name in (("harris", harris["id"], renamed["name"]), ("tedros", kept, new["name"])):
        data = client.get(f"/api/v1/search?person={eid}").get_json()
        assert data["total"] == before[key], key
        assert {v["label"] for v in data["facets"]["person"] if v["value"] == eid} == {name}
    jobs = runner.invoke(args=["jobs", "--json"])
    assert '"reextract"' in jobs.output
    # Nothing changed since: a second run links every article the same way.
    again = json.loads(runner.invoke(args=["entities", "reextract", "--json"]).output.splitlines()[0])
    assert again == {"articles": 48, "changed": 0, "aliases_rekeyed": 0, "alias_conflicts": []}
    bad = runner.invoke(args=["entities", "reextract", "--since", "yesterday"])
    assert bad.exit_code != 0 and "Invalid value" in bad.output
    app.config["ENTITY_MODEL"] = str(tmp_path / "missing.crfsuite")
    bad = runner.invoke(args=["entities", "reextract"])
    assert bad.exit_code == 1 and "entity model not found" in bad.output and "Traceback" not in bad.output
