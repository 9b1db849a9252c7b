"""Rate limits hold across the worker processes of `arshif serve`: the counters live in a file
of the instance folder, not in each worker's memory (where 2 workers allowed 10 failed
sign-ins a minute instead of the documented 5)."""
from __future__ import annotations

import re

from tests.conftest import build_instance, make_app
from tests.web.server import Client, serve
from tests.web.test_admin import PASSWORD, token


def failed_sign_ins(client, times: int) -> list[int]:
    csrf = token(client)
    return [client.post("/admin/login", data={"name": "mona", "password": "wrong-password",
                                              "csrf_token": csrf}).status_code for _ in range(times)]


def test_two_apps_on_one_instance_count_failures_together(tmp_path):
    """Two app objects stand for two worker processes: each has its own limiter and storage."""
    first = build_instance(tmp_path / "instance", LOGIN_RATELIMIT="4 per minute")
    first.test_cli_runner().invoke(args=["user", "add", "mona", "--password-stdin"], input=PASSWORD + "\n")
    second = make_app(tmp_path / "instance", LOGIN_RATELIMIT="4 per minute")
    assert first.extensions["arshif.login_limiter"] is not second.extensions["arshif.login_limiter"]
    a, b = first.test_client(), second.test_client()
    assert failed_sign_ins(a, 2) + failed_sign_ins(b, 2) == [401] * 4
    assert failed_sign_ins(a, 1) == [429] and failed_sign_ins(b, 1) == [429]


def test_public_limits_are_shared_between_apps_too(tmp_path):
    first = build_instance(tmp_path / "instance", RATELIMIT_LOOPBACK="3 per minute")
    second = make_app(tmp_path / "instance", RATELIMIT_LOOPBACK="3 per minute")
    codes = [app.test_client().get("/api").status_code for app in (first, second, first, second)]
    assert codes == [200, 200, 200, 429]


def test_login_lockout_with_two_real_workers(tmp_path):
    """The documented 5 failures a minute, whichever of the 2 gunicorn workers answers."""
    instance = tmp_path / "instance"
    app = build_instance(instance)
    app.test_cli_runner().invoke(args=["user", "add", "mona", "--password-stdin"], input=PASSWORD + "\n")
    with serve(str(instance), workers=2) as base:
        codes = []
        for _ in range(12):
            client = Client(base)  # a new connection each time: either worker may take it
            page = client.request("/admin/login")[2]
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            status, _, _ = client.request("/admin/login", {"name": "mona", "password": "wrong-password",
                                                                 "csrf_token": csrf})
            codes.append(status)
        assert codes == [401] * 5 + [429] * 7, codes
