"""Librarian accounts: creating them, checking passwords (hashed with werkzeug.security), and
ending their sign-ins (a session version that sign-out, a new password or disabling raises)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from archive.db import Database
from archive.errors import UserError
from archive.models import User, utcnow

ROLES = ("librarian", "admin")
NAME = re.compile(r"^[^\s/\\\x00-\x1f]{1,100}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
# A hash to check against when the name is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("arshif-no-such-user")


class AccountError(UserError, ValueError):
    """A name, role or password that cannot be accepted, in plain words."""


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    session_version: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _account(u: User) -> Account:
    return Account(u.id, u.name, u.role, u.active, u.created_at, u.last_login_at, u.session_version or 0)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("the password must have at least %(n)s characters", n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise AccountError("the password must have at most %(n)s characters", n=MAX_PASSWORD)


def add_user(db: Database, name: str, password: str, role: str = "librarian") -> Account:
    """Create an account; AccountError when the name is taken or the input is unacceptable."""
    name = name.strip()
    if not NAME.match(name):
        raise AccountError("a user name is 1 to 100 characters without spaces or slashes")
    if role not in ROLES:
        raise AccountError("the role must be one of %(roles)s", roles=", ".join(ROLES))
    check_password(password)
    with db.session() as s:
        if s.scalar(select(User.id).where(User.name == name)) is not None:
            raise AccountError("there is already a user called %(name)s", name=name)
        user = User(name=name, password_hash=generate_password_hash(password), role=role, active=True)
        s.add(user)
        s.flush()
        return _account(user)


def _named(s, name: str) -> User:
    user = s.scalar(select(User).where(User.name == name))
    if user is None:
        raise AccountError("there is no user called %(name)s", name=name)
    return user


def set_password(db: Database, name: str, password: str) -> None:
    """A new password; the account's existing sign-ins end."""
    check_password(password)
    with db.session() as s:
        user = _named(s, name)
        user.password_hash = generate_password_hash(password)
        user.session_version = (user.session_version or 0) + 1


def set_active(db: Database, name: str, active: bool) -> None:
    """Enable or disable an account; disabling ends its sign-ins (and refuses new ones)."""
    with db.session() as s:
        user = _named(s, name)
        user.active = active
        user.session_version = (user.session_version or 0) + 1


def end_sessions(db: Database, user_id: int) -> None:
    """Sign the account out everywhere: every session cookie issued before stops working."""
    with db.session() as s:
        user = s.get(User, user_id)
        if user is not None:
            user.session_version = (user.session_version or 0) + 1


def authenticate(db: Database, name: str, password: str) -> Account | None:
    """The account when the name and password match an active account, else None."""
    if not name or len(password) > MAX_PASSWORD:
        return None
    with db.session() as s:
        user = s.scalar(select(User).where(User.name == name.strip()))
        if user is None:
            check_password_hash(_DUMMY_HASH, password)
            return None
        if not check_password_hash(user.password_hash, password) or not user.active:
            return None
        user.last_login_at = utcnow()
        return _account(user)


def get_user(db: Database, user_id: int) -> Account | None:
    with db.session() as s:
        user = s.get(User, user_id)
        return _account(user) if user is not None and user.active else None


def list_users(db: Database) -> list[Account]:
    with db.session() as s:
        return [_account(u) for u in s.scalars(select(User).order_by(User.name))]


def count_users(db: Database) -> int:
    return len(list_users(db))
