"""JSON text by orjson (gateway.platform.json_text): the answers' bodies, the JSON columns and
the request bodies read the same as the standard library's, for every value and every input;
what orjson cannot write or read, the standard library does, as before."""
from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.platform.json_text import JSONProvider, column_text, column_value

BIG = 2**70  # beyond orjson's 64 bits

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)


@pytest.fixture
def providers():
    app = Flask(__name__)
    return JSONProvider(app), DefaultJSONProvider(app)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_every_value_reads_back_as_flasks_answer_and_the_columns_text_does(value):
    app = Flask(__name__)
    ours, flasks = JSONProvider(app), DefaultJSONProvider(app)
    assert json.loads(ours.dumps(value, separators=(",", ":"))) \
        == json.loads(flasks.dumps(value, separators=(",", ":")))
    assert json.loads(column_text(value)) == json.loads(json.dumps(value))
    assert column_value(column_text(value)) == json.loads(json.dumps(value))


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_every_request_body_reads_as_the_standard_library_reads_it(value):
    provider = JSONProvider(Flask(__name__))
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False).encode()):
        assert provider.loads(text) == json.loads(text)


def test_an_answers_keys_are_sorted_and_compact_and_flasks_conversions_apply(providers):
    ours, flasks = providers

    @dataclasses.dataclass
    class Point:
        x: int

    body = {"b": 1, "a": [date(2026, 12, 7), datetime(2026, 12, 7, 15, 4, tzinfo=UTC)],
            "d": Decimal("1.50"), "u": uuid.UUID(int=7), "p": Point(3), "t": "Renée"}
    text = ours.dumps(body, separators=(",", ":"))
    assert text.startswith('{"a":["Mon, 07 Dec 2026 00:00:00 GMT"')
    flasks_text = flasks.dumps(body, separators=(",", ":"))
    # the same JSON, character for character, but for "é" written as itself, not as \u00e9
    assert text == json.dumps(json.loads(flasks_text), sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False)
    assert "Ren\\u00e9e" in flasks_text and "Renée" in text


def test_a_jsonify_answer_carries_the_same_json_as_flasks(providers):
    app = Flask(__name__)
    app.json = JSONProvider(app)
    with app.app_context():
        answer = app.json.response({"z": BIG, "a": "ü", "n": None})
    assert answer.mimetype == "application/json"
    assert json.loads(answer.get_data()) == {"a": "ü", "n": None, "z": BIG}


def test_an_integer_beyond_64_bits_is_written_by_the_standard_library(providers):
    ours, _ = providers
    assert ours.dumps({"n": BIG}) == json.dumps({"n": BIG}, sort_keys=True)
    assert column_text([BIG, "x"]) == json.dumps([BIG, "x"])


def test_keys_that_are_not_strings_are_written_as_the_standard_library_writes_them(providers):
    ours, flasks = providers
    assert ours.dumps({2: "b", 1: "a"}) == flasks.dumps({2: "b", 1: "a"})
    assert column_text({1: "a", None: "n"}) == json.dumps({1: "a", None: "n"})
    with pytest.raises(TypeError):  # Flask cannot sort them either
        ours.dumps({1: "a", "b": 2})


def test_what_the_standard_library_refuses_a_column_refuses(providers):
    ours, _ = providers
    with pytest.raises(TypeError):
        column_text({"when": datetime(2026, 12, 7, tzinfo=UTC)})
    with pytest.raises(TypeError):
        column_text({"obj": object()})
    with pytest.raises(TypeError):
        ours.dumps({"obj": object()})


def test_an_indented_answer_is_flasks(providers):
    ours, flasks = providers
    assert ours.dumps({"b": 1, "a": 2}, indent=2) == flasks.dumps({"b": 1, "a": 2}, indent=2)


@pytest.mark.parametrize("text", [
    b'{"n": NaN}', b'{"n": -Infinity}', b'{"n": 123456789012345678901234567890}',
    b'\xef\xbb\xbf{"bom": 1}', '{"u": "\\ud800"}', '{"a": 1, "a": 2}',
    json.dumps({"x": "é"}).encode("utf-16"),
])
def test_inputs_orjson_does_not_read_are_read_by_the_standard_library(text):
    provider = JSONProvider(Flask(__name__))
    expected = json.loads(text)
    got = provider.loads(text)
    assert repr(got) == repr(expected)  # NaN compares unequal to itself: by its text


@pytest.mark.parametrize("text", [b"{", b'{"a": }', b"", b"\xff"])
def test_text_that_is_not_json_is_refused_as_the_standard_library_refuses_it(text):
    provider = JSONProvider(Flask(__name__))
    with pytest.raises(ValueError) as ours:
        provider.loads(text)
    with pytest.raises(ValueError) as stdlib:
        json.loads(text)
    assert type(ours.value) is type(stdlib.value)


def test_the_app_answers_and_stores_json_through_orjson(app):
    assert isinstance(app.json, JSONProvider)
    dialect = app.extensions["portgate_db"].engine.dialect
    assert dialect._json_serializer is column_text
    assert dialect._json_deserializer is column_value
