"""The Solr HTTP client against a small local HTTP server (no cluster needed): Basic
authentication, a dead node skipped for the next, searches posted as forms, errors in words."""
from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from indexer.solr.client import SolrClient, SolrError


@pytest.fixture
def fake_node():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            seen.append({"method": self.command, "path": self.path, "body": body,
                         "auth": self.headers.get("Authorization"), "type": self.headers.get("Content-Type")})
            status, payload = (400, {"error": {"msg": "Collection: nope not found"}}) if "nope" in self.path \
                else (200, {"collections": ["a_g1"]})
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
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
