"""Sign-ins end when they should: a session cookie saved before signing out, before a new
password or before the account was disabled no longer opens the admin pages."""
from __future__ import annotations

import pytest

from tests.web.test_admin import PASSWORD, admin_app, sign_in, token  # noqa: F401 (fixture)

COOKIE = "arshif_session"


def saved_cookie(client) -> str:
    return client.get_cookie(COOKIE).value


def replay(app, cookie: str):
    """A new browser that presents the saved cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other


def test_a_cookie_saved_before_sign_out_no_longer_opens_the_admin_pages(admin_app):
    client = admin_app.test_client()
    csrf = sign_in(client)
    cookie = saved_cookie(client)
    assert replay(admin_app, cookie).get("/admin/").status_code == 200  # the copy works while signed in
    assert client.post("/admin/logout", data={"csrf_token": csrf}).status_code == 303
    stolen = replay(admin_app, cookie)
    r = stolen.get("/admin/")
    assert r.status_code == 302 and r.location.startswith("/admin/login")
    assert stolen.get("/admin/api/status").status_code == 401
    # signing in again works, with a fresh cookie
    sign_in(client)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("change", [["user", "password", "mona", "--password-stdin"],
                                    ["user", "disable", "mona"]])
def test_a_new_password_or_disabling_ends_the_sign_ins(admin_app, change):
    client = admin_app.test_client()
    sign_in(client)
    assert client.get("/admin/").status_code == 200
    r = admin_app.test_cli_runner().invoke(args=change, input="another-long-password\n")
    assert r.exit_code == 0, r.output
    assert client.get("/admin/").status_code == 302
    if change[1] == "password":
        sign_in(client, password="another-long-password")
        assert client.get("/admin/").status_code == 200
    else:
        r = client.post("/admin/login", data={"name": "mona", "password": PASSWORD,
                                              "csrf_token": token(client)})
        assert r.status_code == 401  # disabled: refused
        assert admin_app.test_cli_runner().invoke(args=["user", "enable", "mona"]).exit_code == 0
        sign_in(client)
        assert client.get("/admin/").status_code == 200


def test_cookies_from_before_session_versions_are_signed_out(admin_app):
    """A cookie naming only the account (as issued before this change) opens nothing."""
    client = admin_app.test_client()
    sign_in(client)
    with client.session_transaction() as session:
        session["_user_id"] = session["_user_id"].split(":")[0]
    assert client.get("/admin/").status_code == 302


def test_an_admin_disabling_an_account_on_the_users_page_ends_its_sign_ins(admin_app):
    r = admin_app.test_cli_runner().invoke(args=["user", "add", "sami", "--password-stdin"], input=PASSWORD + "\n")
    assert r.exit_code == 0
    sami, mona = admin_app.test_client(), admin_app.test_client()
    sign_in(sami, "sami")
    csrf = sign_in(mona)
    assert sami.get("/admin/").status_code == 200
    page = mona.get("/admin/users").get_data(as_text=True)
    assert "/admin/users/sami/active" in page and "/admin/users/mona/active" not in page  # never oneself
    r = mona.post("/admin/users/sami/active", data={"active": "0", "csrf_token": csrf})
    assert r.status_code == 303
    assert sami.get("/admin/").status_code == 302   # signed out at once
    assert mona.post("/admin/users/mona/active", data={"active": "0", "csrf_token": csrf}).status_code == 400
    assert mona.post("/admin/users/nobody/active", data={"active": "0", "csrf_token": csrf}).status_code == 404
    assert mona.post("/admin/users/sami/active", data={"active": "1", "csrf_token": csrf}).status_code == 303
    sign_in(sami, "sami")
    assert sami.get("/admin/").status_code == 200
