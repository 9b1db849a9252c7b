"""Web tests run with rate limiting off, except the tests about it (tests/web/test_security.py)."""
from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, build_instance


@pytest.fixture(scope="session")
def news_app(tmp_path_factory):
    """tests/fixtures/news.jsonl, indexed, with rate limits off. Read-only: do not ingest."""
    return build_instance(tmp_path_factory.mktemp("news") / "instance", FIXTURES / "news.jsonl",
                          RATELIMIT_ENABLED=False)
