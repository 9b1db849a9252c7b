"""The admin pages: sign-in required everywhere, CSRF, failed sign-ins limited and logged,
accounts from the CLI, upload of a mixed folder with exact counts, one reindex at a time."""
from __future__ import annotations

import io
import json
import logging
import re
import time
import zipfile
from pathlib import Path

import pytest

from archive import jobs
from tests.conftest import FIXTURES, build_instance, make_app

PASSWORD = "a-long-password"


def token(client, path="/admin/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, name="mona", password=PASSWORD, lang=None):
    """Sign in (the pages in ``lang`` when given, else the default Arabic); returns a CSRF token."""
    if lang:
        client.set_cookie("lang", lang)
    r = client.post("/admin/login", data={"name": name, "password": password, "csrf_token": token(client)})
    assert r.status_code == 303, r.get_data(as_text=True)
    return token(client, "/admin/")  # a fresh token: signing in starts a new session


def wait_job(client, job_id: int, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/admin/api/jobs/{job_id}").get_json()
        if job["status"] in ("completed", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")


@pytest.fixture
def admin_app(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_ENABLED=False)
    r = app.test_cli_runner().invoke(args=["user", "add", "mona", "--role", "admin", "--password-stdin"],
                                     input=PASSWORD + "\n")
    assert r.exit_code == 0 and "added admin mona" in r.output
    return app


def admin_urls(app) -> list[tuple[str, set]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") and rule.endpoint not in ("auth.login",):
            url = re.sub(r"<(?:int:)?[a-z_]+>", "1", rule.rule)
            urls.append((url, rule.methods - {"HEAD", "OPTIONS"}))
    return urls


def test_every_admin_route_requires_sign_in(admin_app):
    client = admin_app.test_client()
    urls = admin_urls(admin_app)
    assert len(urls) >= 12
    for url, methods in urls:
        for method in methods:
            r = client.open(url, method=method, data={"csrf_token": token(client)})
            if url.startswith("/admin/api/"):
                assert r.status_code == 401, (method, url)
                assert "error" in r.get_json()
            elif url == "/admin/logout":
                assert r.status_code == 303  # signing out anonymous is harmless
            else:
                assert r.status_code == 302, (method, url, r.status_code)
                assert r.location.startswith("/admin/login?next=")
    # nothing was started: only the ingest and the reindex build_instance ran
    assert [j.kind for j in jobs.recent(admin_app.extensions["arshif.db"])] == ["reindex", "ingest"]
    # signed in, every page answers
    sign_in(client)
    for url, methods in urls:
        if "GET" in methods and "/1" not in url and url != "/admin/logout":
            assert client.get(url).status_code == 200, url


def test_csrf_missing_is_400(admin_app):
    client = admin_app.test_client()
    assert client.post("/admin/login", data={"name": "mona", "password": PASSWORD}).status_code == 400
    csrf = sign_in(client)
    assert client.post("/admin/reindex", data={"full": "1"}).status_code == 400
    assert client.post("/admin/api/reindex", json={}).status_code == 400
    assert client.post("/admin/users", data={"name": "x", "password": PASSWORD, "csrf_token": "forged"}).status_code == 400
    assert client.post("/admin/users", data={"name": "sami", "password": PASSWORD, "role": "librarian",
                                             "csrf_token": csrf}).status_code == 303


def test_sign_in_out_roles_and_cookie(admin_app):
    client = admin_app.test_client()
    r = client.post("/admin/login", data={"name": "mona", "password": PASSWORD, "csrf_token": token(client),
                                          "next": "https://evil.example/"})
    assert r.status_code == 303 and r.location == "/admin/"  # never an open redirect
    cookie = r.headers["Set-Cookie"]
    assert "arshif_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/admin/").get_data(as_text=True)
    assert 'dir="rtl"' in page and "حالة الأرشيف" in page
    csrf = token(client, "/admin/")
    assert client.post("/admin/users", data={"name": "sami", "password": PASSWORD, "role": "librarian",
                                             "csrf_token": csrf}).status_code == 303
    assert client.post("/admin/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/admin/").status_code == 302
    # a librarian may work but not manage accounts
    sign_in(client, "sami")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/users").status_code == 403


def test_failed_sign_ins_are_limited_and_logged(tmp_path, caplog):
    app = build_instance(tmp_path / "instance", LOGIN_RATELIMIT="3 per minute")
    app.test_cli_runner().invoke(args=["user", "add", "mona", "--password-stdin"], input=PASSWORD + "\n")
    client = app.test_client()
    csrf = token(client)
    with caplog.at_level(logging.WARNING):
        codes = [client.post("/admin/login", data={"name": "mona", "password": "wrong-password",
                                                   "csrf_token": csrf}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "failed sign-in for 'mona' from 127.0.0.1" in caplog.text
    # blocked even with the right password until the window moves on
    r = client.post("/admin/login", data={"name": "mona", "password": PASSWORD, "csrf_token": csrf})
    assert r.status_code == 429


def test_user_add_cli(tmp_path):
    app = make_app(tmp_path / "instance")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"], input="").exit_code == 0  # never prompts
    r = runner.invoke(args=["user", "add", "سلمى"], input="short\nshort\n")
    assert r.exit_code != 0 and "at least 8 characters" in r.output
    r = runner.invoke(args=["user", "add", "سلمى"], input=PASSWORD + "\n" + PASSWORD + "\n")
    assert r.exit_code == 0 and "added librarian سلمى" in r.output
    r = runner.invoke(args=["user", "add", "سلمى", "--password-stdin"], input=PASSWORD + "\n")
    assert r.exit_code != 0 and "already a user called" in r.output
    with app.app_context():
        from sqlalchemy import select
        from archive.models import User
        with app.extensions["arshif.db"].session() as s:
            stored = s.scalar(select(User.password_hash))
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_upload_of_a_mixed_folder_gives_exact_counts(tmp_path):
    app = build_instance(tmp_path / "instance", RATELIMIT_ENABLED=False)
    app.test_cli_runner().invoke(args=["user", "add", "mona", "--password-stdin"], input=PASSWORD + "\n")
    client = app.test_client()
    csrf = sign_in(client)
    pages = {f"wahat/{p.name}": p.read_bytes() for p in sorted((FIXTURES / "pages" / "wahat").iterdir())}
    files = [
        (io.BytesIO((FIXTURES / "news.jsonl").read_bytes()), "news.jsonl"),
        (io.BytesIO((FIXTURES / "bad.jsonl").read_bytes()), "bad.jsonl"),
        (io.BytesIO((FIXTURES / "html" / "market.html").read_bytes()), "market.html"),
        (io.BytesIO(_zip(pages)), "pages.zip"),
    ]
    r = client.post("/admin/ingest", data={"files": files, "format": "auto", "csrf_token": csrf},
                    content_type="multipart/form-data")
    assert r.status_code == 303, r.get_data(as_text=True)
    job = wait_job(client, int(r.location.rsplit("/", 1)[1]))
    assert job["status"] == "completed", job
    run = job["result"]
    # An incremental reindex follows, started by the same librarian: what was uploaded is searchable.
    page = client.get(f"/admin/jobs/{job['id']}").get_data(as_text=True)
    assert f'href="/admin/jobs/{run["reindex_job"]}"' in page
    reindex = wait_job(client, run["reindex_job"])
    assert reindex["status"] == "completed" and reindex["started_by"] == "mona" and reindex["kind"] == "reindex"
    assert reindex["result"]["articles"] == run["added"]
    found = client.get("/api/v1/search?q=سوق").get_json()
    assert found["total"] >= 1 and client.get("/healthz").get_json()["indexed"] == run["added"]
    # The same files ingested by the CLI into a fresh instance give the same counts.
    expected = build_instance(tmp_path / "expected").test_cli_runner().invoke(args=[
        "ingest", str(FIXTURES / "news.jsonl"), str(FIXTURES / "bad.jsonl"), str(FIXTURES / "html" / "market.html"),
        str(FIXTURES / "pages" / "wahat"), "--json", "--no-reindex"])
    counts = json.loads(expected.stdout)
    assert {k: run[k] for k in ("read", "added", "updated", "unchanged", "duplicates", "rejected")} == \
        {k: counts[k] for k in ("read", "added", "updated", "unchanged", "duplicates", "rejected")}
    assert run["read"] == 6 + 5 + 1 + 4 and run["rejected"] == 3
    # history: the run with its counts and rejections, raw excerpt and the saved upload to download
    page = client.get(f"/admin/runs/{run['run_id']}").get_data(as_text=True)
    assert "bad-json" in page and "no-body" in page and "bad-date" in page
    rid = int(re.search(r"/admin/rejections/(\d+)/raw", page).group(1))
    raw = client.get(f"/admin/rejections/{rid}/raw")
    assert raw.status_code == 200 and "attachment" in raw.headers["Content-Disposition"] and raw.data
    original = client.get(f"/admin/rejections/{rid}/input")
    assert original.status_code == 200 and original.data == (FIXTURES / "bad.jsonl").read_bytes()
    # uploading the same files again adds nothing
    files = [(io.BytesIO((FIXTURES / "news.jsonl").read_bytes()), "news.jsonl")]
    r = client.post("/admin/ingest", data={"files": files, "csrf_token": csrf}, content_type="multipart/form-data")
    job = wait_job(client, int(r.location.rsplit("/", 1)[1]))
    assert job["result"]["added"] == 0 and job["result"]["unchanged"] == 6


def test_upload_refuses_zip_escapes_and_oversize(admin_app):
    client = admin_app.test_client()
    csrf = sign_in(client, lang="en")
    evil = _zip({"../../escape.jsonl": b"{}"})
    r = client.post("/admin/ingest", data={"files": [(io.BytesIO(evil), "evil.zip")], "csrf_token": csrf},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "outside its folder" in r.get_data(as_text=True)
    admin_app.config["UPLOAD_MAX_BYTES"] = 100
    big = _zip({"a.jsonl": b"x" * 1000})
    r = client.post("/admin/ingest", data={"files": [(io.BytesIO(big), "big.zip")], "csrf_token": csrf},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "larger than the limit" in r.get_data(as_text=True)
    assert not list((Path(admin_app.instance_path) / "uploads").iterdir())  # nothing left behind


def test_two_reindexes_at_once_one_runs_one_is_refused(admin_app):
    client = admin_app.test_client()
    csrf = sign_in(client, lang="en")
    before = client.get("/healthz").get_json()["generation"]
    first = client.post("/admin/api/reindex", json={"full": True}, headers={"X-CSRFToken": csrf})
    second = client.post("/admin/reindex", data={"full": "1", "csrf_token": csrf})
    assert first.status_code == 202
    assert second.status_code == 409
    text = second.get_data(as_text=True)
    assert re.search(r"a reindex is already running, started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by mona", text)
    job = wait_job(client, first.get_json()["job"]["id"])
    assert job["status"] == "completed" and job["done"] == job["total"] == 6
    health = client.get("/healthz").get_json()
    assert health["generation"] == job["result"]["generation"] != before  # picked up without restart
    assert client.post("/admin/api/reindex", json={}, headers={"X-CSRFToken": csrf}).status_code == 202
