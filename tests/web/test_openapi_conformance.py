"""Schemathesis against the OpenAPI document the server publishes: every operation, with inputs
the document allows (positive) and inputs it forbids (negative), answers as the document says:
documented status codes and content types, responses matching their schemas, no 500, allowed
input accepted, forbidden input refused, Allow on a 405. Bounded and deterministic
(derandomized examples), so it runs in the suite."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import GenerationMode
from schemathesis.config._checks import NegativeDataRejectionConfig

from archive.dates import DateParseError, parse_bound

EXAMPLES = 60  # across all operations, per mode


def reversed_range(case) -> bool:
    """from after to: a 400 with a message that the document describes but cannot express."""
    query = case.query or {}
    try:
        return (bool(query.get("from")) and bool(query.get("to"))
                and parse_bound(query["from"], end=False) >= parse_bound(query["to"], end=True))
    except (DateParseError, TypeError):
        return False


def unparseable_query(case) -> bool:
    """q with a quotation mark or parenthesis never closed: a 400 naming the place, which the
    document describes but a JSON Schema cannot express (the query language is not regular)."""
    from indexer.query import QueryError, parse

    q = (case.query or {}).get("q")
    try:
        parse(q) if isinstance(q, str) else None
    except QueryError:
        return True
    return False


def float_integer(case) -> bool:
    """page=60.0: an integer to JSON Schema, but no client writes a page number so; the server
    wants digits (and says so with 400)."""
    return any(isinstance(v, float) for v in (case.query or {}).values())


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_the_server_answers_as_its_openapi_document_says(news_app, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", news_app)
    # Forbidden input may also be refused as too long (414) before anything reads it.
    expected = NegativeDataRejectionConfig().expected_statuses + ["414"]
    schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(expected_statuses=expected)

    @given(case=schema.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def conforms(case):
        assume(mode is GenerationMode.NEGATIVE
               or not (reversed_range(case) or float_integer(case) or unparseable_query(case)))
        case.call_and_validate()

    conforms()
