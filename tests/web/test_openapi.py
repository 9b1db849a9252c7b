"""The OpenAPI document is valid, and what the API returns matches it."""
from __future__ import annotations

import json

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from web.feeds import CSV_COLUMNS


def _validator(doc: dict, name: str) -> Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    return Draft202012Validator(schema)


def test_openapi_document_is_valid_openapi_3_1(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {"/api/v1/search", "/api/v1/articles/{id}", "/healthz", "/search.csv",
                                 "/search.json", "/search.atom"}


def test_search_parameters_are_all_documented(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    names = {p["name"] for p in doc["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "section", "source", "person", "org", "place", "from", "to", "date", "sort", "page",
            "per_page"} <= names


def test_responses_match_the_documented_schemas(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    checks = [("/api/v1/search?q=اسرائيل&date=2018", "SearchResult"), ("/api/v1/search?q=%22x", "Error"),
              ("/api/v1/articles/t-001", "Article"), ("/api/v1/articles/t-003", "Article"),
              ("/api/v1/articles/nope", "Error"), ("/healthz", "Health")]
    for url, schema in checks:
        data = client.get(url).get_json()
        errors = list(_validator(doc, schema).iter_errors(data))
        assert not errors, (url, [e.message for e in errors])
    export = json.loads(client.get("/search.json?q=وزارة").get_data(as_text=True))
    assert not list(_validator(doc, "Export").iter_errors(export))
    assert all(c in doc["paths"]["/search.csv"]["get"]["description"] for c in CSV_COLUMNS)


def test_the_schema_rejects_a_wrong_document(client):
    """The check above would catch a drift: a missing key fails validation."""
    doc = client.get("/api/v1/openapi.json").get_json()
    data = client.get("/api/v1/search?q=x").get_json()
    del data["facets"]
    assert list(_validator(doc, "SearchResult").iter_errors(data))


def test_api_page_lists_every_endpoint(client):
    html = client.get("/api?lang=en").get_data(as_text=True)
    for text in ("GET /api/v1/search", "GET /api/v1/articles/{id}", "GET /search.csv", "GET /search.atom",
                 "GET /healthz", 'href="/api/v1/openapi.json"', "per_page"):
        assert text in html
    assert "Latest date, inclusive: YYYY, YYYY-MM or YYYY-MM-DD (years 1900-2100). An empty value is the same as " \
           "leaving the parameter out." in html
    assert "Parameters of /api/v1/search" in html and '<code dir="ltr">string</code>, repeatable' in html
    assert '<code dir="ltr">string</code>: <code dir="ltr">relevance, newest, oldest</code>' in html  # sort


def test_api_page_in_arabic_says_every_description_in_arabic(client):
    import re

    from web import openapi

    html = client.get("/api?lang=ar").get_data(as_text=True)
    assert "واجهة برمجة أرشيف" in html and "أمثلة" in html and "معاملات /api/v1/search" in html
    assert "رمز القسم أو تسميته العربية أو الإنجليزية؛ القيم المتكررة يكفي أحدها (OR)." in html
    assert "أحدث تاريخ، شاملًا: YYYY أو YYYY-MM أو YYYY-MM-DD (السنوات 1900-2100). القيمة الفارغة كترك المعامل." in html
    assert '<code dir="ltr">string</code>، يقبل التكرار' in html and "سلسلة الاستعلام" in html
    doc = openapi.document()
    english = {op["summary"] for ops in doc["paths"].values() for op in ops.values()}
    english |= {r["description"] for ops in doc["paths"].values() for op in ops.values()
                for r in op["responses"].values()}
    english |= {p["description"].replace(openapi.EMPTY_NOTE, "").strip() for p in openapi.SEARCH_PARAMS}
    text = re.sub(r"<code[^>]*>.*?</code>|<pre[^>]*>.*?</pre>", "", html, flags=re.S)
    assert not [e for e in english if e in text]
    # The machine-readable document stays in English.
    assert "repeated values are OR" in client.get("/api/v1/openapi.json?lang=ar").get_data(as_text=True)


def test_syntax_tokens_in_descriptions_are_isolated_code(client):
    """The q parameter's meaning (and every `token` a description holds) reads cleanly in Arabic:
    each syntax token is its own <code dir="auto">, never loose Latin in the Arabic sentence;
    openapi.json keeps them as CommonMark backticks."""
    ar = client.get("/api?lang=ar").get_data(as_text=True)
    for token in ("title:كلمة", "-كلمة", "NOT", "OR", "أو", "=كلمة", "كلمة*", "date:2018-01..2018-06"):
        assert f'<code dir="auto">{token}</code>' in ar, token
    assert "استبدل <code dir=\"ltr\">/search</code> بأحد العناوين" in ar
    assert '<code dir="auto">ar</code> لرسائل الأخطاء' in ar and "`" not in ar
    en = client.get("/api?lang=en").get_data(as_text=True)
    assert '<code dir="auto">title:word</code>, <code dir="auto">section:X</code>' in en
    doc = client.get("/api/v1/openapi.json").get_json()
    q = next(p for p in doc["paths"]["/api/v1/search"]["get"]["parameters"] if p["name"] == "q")
    assert "`title:word`" in q["description"]
