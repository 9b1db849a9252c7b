"""Arshif's index on a real 2-node SolrCloud (2 shards × 2 replicas): generations as
collections behind an alias, incremental updates, the same terms as the Whoosh index, and a
node stopped mid-test."""
from __future__ import annotations

import json
import time
from zoneinfo import ZoneInfo

import pytest
from whoosh import index as whoosh_index

from archive.changes import current_change
from archive.store import count_articles, iter_articles
from indexer.analysis import analyze, exact_analyzer, stemmed_analyzer
from indexer.build import full_rebuild as whoosh_rebuild
from indexer.generations import IndexRoot, NoIndex
from indexer.schema import to_document
from indexer.solr.build import SolrWriter, full_rebuild, incremental_update, indexed_change
from indexer.solr.client import SolrClient, SolrError
from indexer.solr.generations import SolrGenerations
from tests.conftest import ROOT, make_app
from web.console import archive_db as _db


def _generations(cluster, alias: str) -> SolrGenerations:
    return SolrGenerations(SolrClient(cluster.solr_url), alias, shards=2, replicas=2)


def _build(app, gens, **kw):
    """A full rebuild as `arshif reindex --full` makes it."""
    with app.app_context():
        db = _db()
        change = current_change(db)
        return full_rebuild(iter_articles(db), gens, total=count_articles(db), change=change, **kw)


def _update(app, gens):
    """An incremental update as `arshif reindex` makes it."""
    with app.app_context():
        db = _db()
        change, since = current_change(db), indexed_change(gens)
        assert since is not None
        return incremental_update(iter_articles(db, after_change=since), gens, change=change)


def _ingest(app, tmp_path, records: list[dict]):
    path = tmp_path / f"changes-{time.monotonic_ns()}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["ingest", str(path), "--json", "--no-reindex"])
    assert result.exit_code == 0, result.output


def _sample_records() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "sample" / "articles.jsonl").read_text(encoding="utf-8").splitlines()]


def _ids(client: SolrClient, collection: str, q: str, **params) -> set[str]:
    data = client.select(collection, {"q": q, "fl": "id", "rows": 1000, "wt": "json", **params})
    return {d["id"] for d in data["response"]["docs"]}


@pytest.fixture
def own_archive(tmp_path):
    """An archive of sample/articles.jsonl that a test may change."""
    app = make_app(tmp_path / "instance")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    result = runner.invoke(args=["ingest", str(ROOT / "sample" / "articles.jsonl"), "--json", "--no-reindex"])
    assert result.exit_code == 0, result.output
    return app


def test_full_rebuild_serves_every_sample_article_from_two_shards_on_two_nodes(solr_cluster, sample_archive):
    gens = _generations(solr_cluster, "sample")
    report = _build(sample_archive, gens, tz="Asia/Baghdad")
    assert report.articles == 48 and report.full
    assert gens.current() == report.generation
    assert gens.client.count("sample") == 48
    meta = gens.read_meta(report.generation)
    assert meta["articles"] == 48 and meta["timezone"] == "Asia/Baghdad"
    health = gens.health()
    assert len(health["live_nodes"]) == 2 and health["shards"] == 2 and health["replicas"] == 4
    assert health["replicas_down"] == []
    # both shards hold articles (the documents are spread, not all on one)
    status = gens.client.cluster_status()["collections"][report.generation]["shards"]
    per_shard = [gens.client.select(report.generation, {"q": "*:*", "rows": 0, "shards": s})["response"]["numFound"]
                 for s in status]
    assert len(per_shard) == 2 and all(n > 0 for n in per_shard) and sum(per_shard) == 48


def test_solr_indexes_exactly_the_terms_the_whoosh_index_holds(solr_cluster, sample_archive, tmp_path):
    gens = _generations(solr_cluster, "sample")
    if gens.current() is None:
        _build(sample_archive, gens)
    with sample_archive.app_context():
        db = _db()
        whoosh_rebuild(iter_articles(db), str(tmp_path / "index"), total=count_articles(db))
    ix = whoosh_index.open_dir(str(IndexRoot(tmp_path / "index").current_path()))
    with ix.searcher() as s:
        checked = 0
        for field in ("title", "body", "title_exact", "body_exact"):
            # every 15th term of each field's lexicon, with its documents, must be Solr's too
            for term in list(s.lexicon(field))[::15]:
                text = term.decode("utf-8")
                whoosh_ids = {s.stored_fields(d)["id"] for d in s.postings(field, text).all_ids()}
                solr_ids = _ids(gens.client, "sample", "{!term f=%s}%s" % (field, text))
                assert solr_ids == whoosh_ids, (field, text)
                checked += 1
    assert checked > 200
    # a word is found under every spelling the analyser folds together, as in Whoosh
    stems = {analyze(stemmed_analyzer(), w)[0] for w in ("الحكومة", "الحكومه", "حكومة", "والحكومة")}
    assert len(stems) == 1
    # phrases and proximity run on the exact field's positions
    phrase = " ".join(analyze(exact_analyzer(), "مجلس النواب"))
    assert _ids(gens.client, "sample", f'body_exact:"{phrase}"') >= {"rafidain-2016-0001"}


def test_alias_switch_rollback_and_prune_are_alias_moves(solr_cluster, own_archive, tmp_path):
    gens = _generations(solr_cluster, "gens")
    first = _build(own_archive, gens).generation
    record = _sample_records()[0]
    word = "زلزلةتجريبية"
    _ingest(own_archive, tmp_path, [{**record, "title": record["title"] + " " + word}])
    query = "{!term f=title_exact}" + analyze(exact_analyzer(), word)[0]
    assert _ids(gens.client, "gens", query) == set()

    second = _build(own_archive, gens).generation
    assert second > first and gens.current() == second
    assert _ids(gens.client, "gens", query) == {record["id"]}
    assert gens.complete_generations() == [first, second]

    assert gens.rollback() == first
    assert gens.current() == first and _ids(gens.client, "gens", query) == set()
    with pytest.raises(NoIndex):
        gens.rollback()  # nothing older than the first
    gens.switch(second)

    third = _build(own_archive, gens).generation
    # the serving one and one previous are kept; the oldest collection is gone
    assert gens.generations() == [second, third]
    assert first not in gens.client.list_collections()
    assert gens.client.count("gens") == 40


def test_a_build_that_dies_leaves_the_alias_where_it_was_and_the_next_build_removes_it(
        solr_cluster, own_archive):
    gens = _generations(solr_cluster, "crash")
    serving = _build(own_archive, gens).generation

    def dying():
        with own_archive.app_context():
            for i, article in enumerate(iter_articles(_db())):
                if i == 25:
                    raise RuntimeError("killed mid-build")
                yield article

    with pytest.raises(RuntimeError):
        full_rebuild(dying(), gens, total=40)
    left = [g for g in gens.generations() if g != serving]
    assert len(left) == 1 and not gens.is_complete(left[0])
    assert gens.current() == serving and gens.client.count("crash") == 40
    with pytest.raises(NoIndex):
        gens.switch(left[0])  # an incomplete generation never serves
    newest = _build(own_archive, gens).generation
    assert left[0] not in gens.client.list_collections()
    assert gens.generations() == [serving, newest]


def test_incremental_update_changes_the_serving_collection_in_place(solr_cluster, own_archive, tmp_path):
    gens = _generations(solr_cluster, "incr")
    serving = _build(own_archive, gens).generation
    before = indexed_change(gens)
    records = _sample_records()
    word = "فيضانتجريبي"
    _ingest(own_archive, tmp_path, [{**records[3], "body": records[3]["body"] + " " + word},
                                    {**records[0], "id": "new-article-1", "url": "https://example.org/new-article-1",
                                     "title": "خبر جديد " + word, "body": "نص خبر جديد عن " + word}])
    report = _update(own_archive, gens)
    assert not report.full and report.generation == serving and report.articles == 2
    assert gens.current() == serving and gens.client.count("incr") == 41
    query = "{!term f=body_exact}" + analyze(exact_analyzer(), word)[0]
    assert _ids(gens.client, "incr", query) == {records[3]["id"], "new-article-1"}
    assert indexed_change(gens) > before
    assert gens.read_meta(serving)["articles"] == 41
    assert _update(own_archive, gens).articles == 0  # nothing changed since


def test_bad_alias_names_and_unreachable_nodes_are_plain_errors():
    with pytest.raises(SolrError, match="SOLR_COLLECTION"):
        SolrGenerations(SolrClient("http://127.0.0.1:9/solr"), "no spaces please")
    with pytest.raises(SolrError, match="SOLR_URL"):
        SolrClient("127.0.0.1:8983")
    with pytest.raises(SolrError, match="host:port"):
        SolrClient("zk:zkhost/solr")
    client = SolrClient("http://127.0.0.1:9/solr", timeout=2)
    with pytest.raises(SolrError, match="no Solr node answered"):
        client.list_collections()


def test_a_zookeeper_solr_url_finds_the_live_nodes(solr_cluster, sample_archive):
    gens = _generations(solr_cluster, "sample")
    if gens.current() is None:
        _build(sample_archive, gens)
    # an unreachable ZooKeeper host first: the next one answers
    zk = SolrClient(f"zk:127.0.0.1:9,{solr_cluster.zk}")
    assert zk.live_nodes() == sorted(solr_cluster.node_urls)
    assert zk.count("sample") == 48
    assert "sample" in zk.aliases()
    wrong_chroot = SolrClient("zk:" + solr_cluster.zk.split("/")[0] + "/elsewhere")
    with pytest.raises(SolrError, match="live_nodes"):
        wrong_chroot.count("sample")
    with pytest.raises(SolrError, match="no ZooKeeper host answered"):
        SolrClient("zk:127.0.0.1:9", timeout=2).count("sample")


def _wait_for(predicate, seconds: float = 90.0, what: str = "the cluster"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} did not settle within {seconds:.0f} s")


def test_a_stopped_node_loses_no_search_and_no_write(solr_cluster, own_archive, tmp_path):
    gens = _generations(solr_cluster, "failover")
    name = _build(own_archive, gens).generation
    # each shard has one replica on each node, so either node alone holds every article
    shards = gens.client.cluster_status()["collections"][name]["shards"]
    for shard in shards.values():
        assert len({r["node_name"] for r in shard["replicas"].values()}) == 2
    queries = ["*:*", "{!term f=body}" + analyze(stemmed_analyzer(), "الحكومة")[0],
               'body_exact:"%s"' % " ".join(analyze(exact_analyzer(), "مجلس النواب"))]
    before = {q: _ids(gens.client, "failover", q) for q in queries}
    assert len(before["*:*"]) == 40

    node2 = solr_cluster.node_urls[1]
    node2_client = SolrClient(node2)  # keeps its connection to node 2 across the restart
    assert node2_client.count("failover") == 40 and node2_client._pool.opened == 1
    solr_cluster.stop_node(2)
    try:
        _wait_for(lambda: len(gens.health()["live_nodes"]) == 1, what="node 2's departure")
        # a ZooKeeper SOLR_URL reads the live nodes: node 2 is no longer among them
        assert SolrClient("zk:" + solr_cluster.zk).live_nodes() == solr_cluster.node_urls[:1]
        health = gens.health()
        assert len(health["replicas_down"]) == 2
        assert {d["node"] for d in health["replicas_down"]} == {node2.split("//")[1].replace("/", "_")}
        # every search still answers, with every article, whichever node is asked first
        for client in (gens.client, SolrClient([node2, solr_cluster.node_urls[0]])):
            for q in queries:
                assert _ids(client, "failover", q) == before[q], q
        # a write while node 2 is down
        record = _sample_records()[5]
        word = "كسوفتجريبي"
        _ingest(own_archive, tmp_path, [{**record, "title": record["title"] + " " + word}])
        assert _update(own_archive, gens).articles == 1
        written = "{!term f=title_exact}" + analyze(exact_analyzer(), word)[0]
        assert _ids(gens.client, "failover", written) == {record["id"]}
    finally:
        solr_cluster.start_node(2)
    _wait_for(lambda: not gens.health()["replicas_down"] and len(gens.health()["live_nodes"]) == 2,
              what="node 2's recovery")
    # the write is on node 2's own replicas too: ask each of its cores alone (no distribution)
    shards = gens.client.cluster_status()["collections"][name]["shards"]
    on_node2 = [r["core"] for s in shards.values() for r in s["replicas"].values()
                if r["base_url"].rstrip("/") == node2]
    assert len(on_node2) == 2
    found = set()
    total = 0
    for core in on_node2:
        found |= _ids(node2_client, core, written, distrib="false")
        total += node2_client.select(core, {"q": "*:*", "rows": 0, "distrib": "false"})["response"]["numFound"]
    assert found == {record["id"]} and total == 40
    # the connection the restart closed was replaced once, then kept for the four requests
    assert node2_client._pool.opened == 2
    assert _ids(gens.client, "failover", "*:*") == before["*:*"]


@pytest.mark.parametrize("procs", [1, 2], ids=["in-process", "two-workers"])
def test_a_batch_solr_refuses_fails_the_build_at_the_next_batch_or_the_commit(solr_cluster, sample_archive, procs):
    writer = SolrWriter(SolrClient(solr_cluster.solr_url), "no_such_collection", batch=1, procs=procs)
    with sample_archive.app_context():
        article = next(iter_articles(_db()))
    writer.add_document(**to_document(article, ZoneInfo("UTC")))  # sent in the background
    with pytest.raises(SolrError, match="404|not found|no_such_collection"):
        writer.commit()


def test_two_build_workers_write_the_same_collection_as_one(solr_cluster, sample_archive):
    one = _generations(solr_cluster, "sample")
    if one.current() is None:
        _build(sample_archive, one)
    two = _generations(solr_cluster, "twoprocs")
    report = _build(sample_archive, two, procs=2, multiprocess_min=1)
    assert report.articles == 48 and two.client.count("twoprocs") == 48
    fields = "id,title,body,published,section,source,entities,year,month,person,org,place"
    for q in ("*:*", "{!term f=body}" + analyze(stemmed_analyzer(), "الحكومة")[0],
              'body_exact:"%s"' % " ".join(analyze(exact_analyzer(), "مجلس النواب"))):
        params = {"q": q, "fl": fields, "rows": 100, "sort": "id asc", "wt": "json"}
        assert two.client.select("twoprocs", params)["response"] == one.client.select("sample", params)["response"], q
    # every field's terms, with their document frequencies
    for field in ("title", "body", "title_exact", "body_exact", "person", "org", "place"):
        params = {"terms.fl": field, "terms.limit": -1, "terms.sort": "index", "wt": "json"}
        terms = [c.request(f"{name}/terms", params, form=True)["terms"][field]
                 for c, name in ((one.client, "sample"), (two.client, "twoprocs"))]
        assert terms[0] == terms[1] and terms[0], field


def test_titles_and_bodies_without_a_single_term_are_indexed_and_read_back(solr_cluster, tmp_path):
    from datetime import datetime, timezone

    from indexer.search import SearchRequest, SearchService
    from indexer.solr.engine import SolrEngine

    when = datetime(2020, 5, 1, 12, tzinfo=timezone.utc)

    def article(aid, title, body):
        return {"id": aid, "title": title, "subtitle": None, "body": body, "author": None, "url": None,
                "published_at": when, "date_precision": "minute", "section": "culture", "section_label": None,
                "source": "x", "updated_at": when}

    # a title of stop words only and a body of punctuation: the stemmed fields get no term
    articles = [article("stops", "من هو؟", '"'), article("plain", "وزير الثقافة", "افتتح وزير الثقافة معرضا")]
    gens = _generations(solr_cluster, "tokenless")
    assert full_rebuild(articles, gens).articles == 2
    svc = SearchService(str(tmp_path), engine=SolrEngine(solr_cluster.solr_url, "tokenless"))
    try:
        hits = {h.id: h for h in svc.search(SearchRequest(sort="newest")).hits}
        assert hits["stops"].title == "من هو؟" and hits["plain"].title == "وزير الثقافة"
        assert [h.id for h in svc.search(SearchRequest(query="=هو")).hits] == ["stops"]   # the exact field
        assert [h.id for h in svc.search(SearchRequest(query="وزير")).hits] == ["plain"]
        assert svc.engine.searcher().documents(["stops"])[0]["body"] == '"'
    finally:
        svc.close()
