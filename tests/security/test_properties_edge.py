"""Hypothesis over the edges (issue 8 §4): every portal form, every API schema, the JSON
hardening and the API itself take any input without an exception or a 5xx."""
from __future__ import annotations

import importlib
import inspect
import json
import pkgutil

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

import forms
import gateway.schemas as api_schemas
from gateway import create_app
from gateway.errors import InvalidInput
from gateway.platform.hardening import MAX_JSON_DEPTH, check_json
from tests.conftest import EXAMPLES, _config

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))
texts = st.text(max_size=40) | st.sampled_from(["", " ", "\x00", "A\x00B", "9" * 400,
                                                "2026-02-30", "5415550142", "<script>"])
scalars = st.none() | st.booleans() | st.integers() | st.floats() | texts
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(texts, inner, max_size=4), max_leaves=16)
COUNTS = {"forms": 0, "schemas": 0, "api": 0}


def form_classes() -> list[type]:
    """Every concrete FlaskForm of the forms package (new forms are picked up by themselves)."""
    for module in pkgutil.iter_modules(forms.__path__):
        importlib.import_module(f"forms.{module.name}")
    found, stack = [], list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("forms.") and not cls.__name__.startswith("_"):
            found.append(cls)
    return sorted(set(found), key=lambda c: (c.__module__, c.__name__))


def _kwargs_for(cls: type) -> dict:
    """Values for a form's required keyword arguments (what its view passes)."""
    values = {}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if param.kind is param.KEYWORD_ONLY and param.default is param.empty:
            hint = str(param.annotation)
            values[name] = (["BHW"] if "list" in hint else False if "bool" in hint
                            else 1 if "int" in hint else "text")
    return values


def schema_classes() -> list[type]:
    return sorted({obj for obj in vars(api_schemas).values()
                   if inspect.isclass(obj) and issubclass(obj, Schema) and obj is not Schema}
                  | {api_schemas.LsrSchema}, key=lambda c: c.__name__)


@pytest.fixture(scope="module")
def form_app():
    """Forms are pure (no database): one app for all of them."""
    application = create_app(_config("sqlite://"))
    yield application
    application.extensions["portgate_db"].engine.dispose()


@pytest.mark.parametrize("form_cls", form_classes(), ids=lambda c: c.__name__)
def test_no_input_crashes_a_form(form_app, form_cls):
    app = form_app
    with app.test_request_context():
        field_names = list(form_cls(meta={"csrf": False}, formdata=None,
                                    **_kwargs_for(form_cls))._fields)

    @SETTINGS
    @given(data=st.fixed_dictionaries({}, optional={n: st.lists(texts, max_size=3)
                                                    for n in field_names + ["extra"]}))
    def check(data):
        with app.test_request_context(method="POST"):
            formdata = MultiDict([(k, v) for k, values in data.items() for v in values])
            form = form_cls(formdata=formdata, meta={"csrf": False}, **_kwargs_for(form_cls))
            for field in form:  # choices the view would set from the database
                if getattr(field, "choices", ()) is None:
                    field.choices = []
            assert form.validate() in (True, False)
            assert all(isinstance(e, (str, list, dict)) for e in form.errors.values())
        COUNTS["forms"] += 1

    check()


def test_every_form_is_covered():
    names = {c.__name__ for c in form_classes()}
    assert {"LoginForm", "PasswordChangeForm"} <= names


@pytest.mark.parametrize("schema_cls", schema_classes(), ids=lambda c: c.__name__)
@SETTINGS
@given(payload=json_values | st.dictionaries(texts, json_values, max_size=8))
def test_no_input_crashes_a_schema(schema_cls, payload):
    try:
        loaded = schema_cls().load(payload)
    except ValidationError as err:
        assert err.messages
    else:
        assert isinstance(loaded, dict)
    COUNTS["schemas"] += 1


@SETTINGS
@given(value=json_values)
def test_check_json_accepts_or_refuses_cleanly(value):
    try:
        check_json(value)
    except InvalidInput as err:
        assert err.status == 400 and err.message
    else:
        text = json.dumps(value, allow_nan=True)
        assert "\\u0000" not in text and "NaN" not in text.replace('"NaN"', "")


@SETTINGS
@given(items=st.lists(texts | st.sampled_from(["\ud800", "x\udfff", "5415550123"]),
                      max_size=6))
def test_a_list_of_texts_is_refused_exactly_when_one_of_them_is_bad(items):
    """check_json reads a list of texts as one joined text: the verdict is still per item."""
    from gateway.platform.hardening import bad_text

    refused = False
    try:
        check_json({"tns": items})
    except InvalidInput:
        refused = True
    assert refused == any(bad_text(item) for item in items)


def test_check_json_depth_limit_is_exact():
    nested: list = []
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    check_json(nested)
    with pytest.raises(InvalidInput):
        check_json([nested])
    texts_at_the_limit: list = ["5415550123"]  # a text counts as a level, in a list too
    for _ in range(MAX_JSON_DEPTH - 2):
        texts_at_the_limit = [texts_at_the_limit]
    check_json(texts_at_the_limit)
    with pytest.raises(InvalidInput):
        check_json([texts_at_the_limit])


LSR = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
API_POSTS = ("/api/v1/lsrs", "/api/v1/lsrs/validate", "/api/v1/csr-requests",
             "/api/v1/npac/subscriptions")


@SETTINGS
@given(changes=st.dictionaries(st.sampled_from(sorted(LSR) + ["sup", "loa", "tn", "x\x00"]),
                               json_values, max_size=6),
       path=st.sampled_from(API_POSTS))
def _post_anything(heron, changes, path):
    resp = heron.post(path, {**LSR, **changes})
    assert resp.status_code < 500, resp.get_data(as_text=True)[:300]
    assert set(resp.get_json().get("error", {"code": 1, "message": 1})) >= {"code", "message"}
    COUNTS["api"] += 1


def test_no_body_crashes_the_api(heron, capsys):
    _post_anything(heron)
    assert COUNTS["api"] > 0
    with capsys.disabled():
        print(f"\nhypothesis at the edge: {COUNTS['api']} API bodies, "
              f"{COUNTS['forms']} form posts, {COUNTS['schemas']} schema loads, no crash")
