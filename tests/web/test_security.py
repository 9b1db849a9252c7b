"""Security headers, rate limits with a clear 429, error pages without stack traces."""
from __future__ import annotations

import re

import pytest

from tests.conftest import FIXTURES, build_instance, make_app

PUBLIC = {"REMOTE_ADDR": "203.0.113.7"}  # a reader on the internet, not loopback


def test_every_response_carries_the_security_headers(client):
    for url in ("/search?q=وزارة", "/api/v1/search?q=x", "/article/t-001", "/nothing", "/static/arshif.css"):
        h = client.get(url).headers
        csp = h["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert h["X-Frame-Options"] == "DENY"



def test_the_worker_header_names_the_process_without_its_pid(client):
    """Monitors (and the live-server test) tell workers apart by X-Arshif-Worker; the name is
    stable for a process but is not its process id, which readers have no business knowing."""
    import os
    names = {client.get(url).headers["X-Arshif-Worker"] for url in ("/search?q=x", "/api/v1/search?q=x", "/nothing")}
    assert len(names) == 1
    (name,) = names
    assert re.fullmatch(r"[0-9a-f]{12}", name) and name != str(os.getpid())
    from web import worker_name
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # a second worker forked from the same master gets a name of its own
        os.write(write, worker_name().encode())
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 64).decode() not in ("", name)

def test_pages_have_no_inline_script_or_style(client):
    """The CSP forbids inline code: any inline script/style/handler would silently break."""
    for url in ("/search?q=وزارة&date=2018", "/article/t-001", "/api", "/nothing", "/search?page=x"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), url
        assert "<style" not in html and not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url


@pytest.fixture
def limited_app(tmp_path):
    return build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_PUBLIC="3 per minute",
                          RATELIMIT_EXPORT="1 per minute", RATELIMIT_LOOPBACK="100 per minute")


def test_api_over_the_limit_is_a_clear_429_in_json(limited_app):
    c = limited_app.test_client()
    codes = [c.get("/api/v1/search?q=x", environ_base=PUBLIC).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.get("/api/v1/search?q=x", environ_base=PUBLIC)
    assert r.status_code == 429 and r.mimetype == "application/json"
    assert "Too many requests" in r.get_json()["error"]
    assert int(r.headers["Retry-After"]) > 0
    # Another address has its own count.
    assert c.get("/api/v1/search?q=x", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200


def test_page_over_the_limit_is_a_429_page_in_both_languages(limited_app):
    c = limited_app.test_client()
    for _ in range(3):
        c.get("/search?q=x", environ_base=PUBLIC)
    r = c.get("/search?q=x", environ_base=PUBLIC)
    html = r.get_data(as_text=True)
    assert r.status_code == 429 and "<h1>429</h1>" in html
    assert "طلبات كثيرة جدًا" in html and "Too many requests" in html


def test_exports_have_the_stricter_limit_and_loopback_the_generous_one(limited_app):
    c = limited_app.test_client()
    assert c.get("/search.csv?q=x", environ_base=PUBLIC).status_code == 200
    assert c.get("/search.csv?q=x", environ_base=PUBLIC).status_code == 429
    # 127.0.0.1 (the test client's own address): far more than the public 3 per minute.
    assert all(c.get("/api/v1/search?q=x").status_code == 200 for _ in range(20))


def test_healthz_is_never_limited(limited_app):
    c = limited_app.test_client()
    assert all(c.get("/healthz", environ_base=PUBLIC).status_code == 200 for _ in range(6))


def test_rate_limits_can_be_switched_off(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_PUBLIC="1 per minute",
                         RATELIMIT_ENABLED=False)
    c = app.test_client()
    assert all(c.get("/api/v1/search", environ_base=PUBLIC).status_code == 200 for _ in range(3))


def test_behind_a_proxy_the_forwarded_address_is_counted(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_PUBLIC="1 per minute",
                         PROXY_FIX_X_FOR=1)
    c = app.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    assert c.get("/api/v1/search", headers=forwarded).status_code == 200
    assert c.get("/api/v1/search", headers=forwarded).status_code == 429  # not the loopback limit


def test_unexpected_errors_are_a_500_page_without_a_traceback(tmp_path):
    app = make_app(tmp_path / "instance", TESTING=False, RATELIMIT_ENABLED=False)

    def boom():
        raise RuntimeError("secret internal detail")
    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    c = app.test_client()
    r = c.get("/boom")
    html = r.get_data(as_text=True)
    assert r.status_code == 500 and "حدث خطأ من جهتنا" in html and "Something went wrong" in html
    assert "secret internal detail" not in html and "Traceback" not in html
    r = c.get("/api/v1/boom")
    assert r.status_code == 500 and r.get_json() == {"error": "Something went wrong on our side."}


@pytest.mark.parametrize("url, code", [("/search?page=x", 400), ("/nothing", 404)])
def test_error_pages_in_arabic_and_english(client, url, code):
    r = client.get(url)
    assert r.status_code == code
    html = r.get_data(as_text=True)
    assert 'lang="ar"' in html and ('lang="en"' in html or code == 400)

