"""The Solr HTTP client against a small local HTTP/1.1 server (no cluster needed): Basic
authentication, a dead node skipped for the next, searches posted as forms, errors in words, and
its kept-alive connections (reused, replaced when the node closed them, never shared with a
forked process)."""
from __future__ import annotations

import base64
import json
import os
import pickle
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from indexer.solr.client import SolrClient, SolrError


@pytest.fixture
def fake_node():
    """(URL, requests seen). A request whose path holds 'hangup' is answered, then its
    connection is closed without a word (as a node's idle timeout or restart does)."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # connections stay open between requests

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            seen.append({"method": self.command, "path": self.path, "body": body, "port": self.client_address[1],
                         "auth": self.headers.get("Authorization"), "type": self.headers.get("Content-Type")})
            status, payload = (400, {"error": {"msg": "Collection: nope not found"}}) if "nope" in self.path \
                else (200, {"collections": ["a_g1"]})
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = "hangup" in self.path

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/solr", seen
    server.shutdown()
    server.server_close()


def test_basic_authentication_is_sent_when_configured(fake_node):
    url, seen = fake_node
    assert SolrClient(url, auth=("arshif", "s3cret")).list_collections() == ["a_g1"]
    assert seen[-1]["auth"] == "Basic " + base64.b64encode(b"arshif:s3cret").decode()
    SolrClient(url).list_collections()
    assert seen[-1]["auth"] is None


def test_a_node_that_does_not_answer_is_skipped_for_the_next(fake_node):
    url, seen = fake_node
    client = SolrClient(["http://127.0.0.1:9/solr", url], timeout=2)
    assert client.list_collections() == ["a_g1"]
    assert client.urls[client._first] == url  # and it is asked first from then on


def test_searches_are_posted_as_forms_and_errors_say_what_solr_said(fake_node):
    url, seen = fake_node
    client = SolrClient(url)
    client.request("a_g1/select", {"q": "body:كتاب", "fq": ["{!tag=section}section:\"x\""]}, form=True)
    assert seen[-1]["method"] == "POST" and seen[-1]["type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(seen[-1]["body"])["q"] == ["body:كتاب"]
    with pytest.raises(SolrError, match="HTTP 400: Collection: nope not found") as info:
        client.select("nope", {"q": "*:*"})
    assert info.value.status == 400


def test_zookeeper_host_strings_and_node_names_are_read_as_solr_writes_them():
    from indexer.solr.zookeeper import node_url, parse_zk_host

    assert parse_zk_host("zk:zk1:2181,zk2:2182/solr") == ([("zk1", 2181), ("zk2", 2182)], "/solr")
    assert parse_zk_host("zk:zk1:2181") == ([("zk1", 2181)], "")
    assert parse_zk_host("ZK:[::1]:2181/a/b/") == ([("::1", 2181)], "/a/b")
    assert node_url("10.0.0.5:8983_solr") == "http://10.0.0.5:8983/solr"
    assert node_url("host:8443_my%2Fsolr", "https") == "https://host:8443/my/solr"


def test_requests_share_one_kept_alive_connection(fake_node):
    url, seen = fake_node
    client = SolrClient(url)
    for _ in range(5):
        client.list_collections()
    client.request("a_g1/select", {"q": "*:*"}, form=True)
    assert len(seen) == 6 and len({r["port"] for r in seen}) == 1
    assert client._pool.opened == 1


def test_a_connection_the_node_closed_is_replaced_and_the_request_sent_once(fake_node):
    url, seen = fake_node
    client = SolrClient(url)
    client.request("admin/hangup")  # answered, then the node drops the connection unannounced
    assert client.list_collections() == ["a_g1"]
    assert [r["path"].split("?")[0] for r in seen] == ["/solr/admin/hangup", "/solr/admin/collections"]
    assert seen[0]["port"] != seen[1]["port"] and client._pool.opened == 2
    client.list_collections()
    assert seen[2]["port"] == seen[1]["port"]


def test_a_forked_process_opens_its_own_connection(fake_node):
    """A child must not write into its parent's socket: it opens its own, and the parent's
    connection goes on serving the parent."""
    url, seen = fake_node
    client = SolrClient(url)
    client.list_collections()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one request, then its pool's count of connections opened
        try:
            client.list_collections()
            os.write(write, str(client._pool.opened).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        child_opened = answer.read()
    os.waitpid(pid, 0)
    client.list_collections()
    assert child_opened == "1"
    assert len(seen) == 3 and seen[0]["port"] == seen[2]["port"] != seen[1]["port"]
    assert client._pool.opened == 1


def test_a_client_sent_to_a_build_worker_arrives_without_connections(fake_node):
    url, seen = fake_node
    client = SolrClient(url)
    client.list_collections()
    copy = pickle.loads(pickle.dumps(client))  # as ProcessPoolExecutor sends it
    assert copy._pool.opened == 0 and copy.list_collections() == ["a_g1"]
    assert seen[0]["port"] != seen[1]["port"]
