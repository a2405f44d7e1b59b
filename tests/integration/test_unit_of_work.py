"""One unit of work per request, ended as soon as the view has answered (db.UnitOfWorkApp):
committed for an answer under 400, rolled back otherwise, before the answer's body is
serialized and before the after-request hooks run (issue 17: SQLite's writer lock is held
until the commit)."""
from __future__ import annotations

from http import HTTPStatus

import pytest
import sqlalchemy as sa
from flask import Response, g, jsonify
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import Headers

from gateway import clock, db
from gateway.models import AuditEvent


def _watch(app, seen: list[str]) -> None:
    """Record the session's commit and rollback, the JSON serialization and a hook's run."""
    provider = app.json
    plain = provider.response

    def response(*args, **kwargs):
        seen.append("serialized")
        return plain(*args, **kwargs)

    provider.response = response

    @app.after_request
    def hook(resp):
        seen.append("hook" + ("" if "db_session" in g else " (unit of work ended)"))
        return resp

    def committed(_session):
        seen.append("commit")

    def rolled_back(_session, _previous):
        seen.append("rollback")

    event.listen(Session, "after_commit", committed)
    event.listen(Session, "after_soft_rollback", rolled_back)
    app.extensions["test_listeners"] = (committed, rolled_back)


def _unwatch(app) -> None:
    committed, rolled_back = app.extensions.pop("test_listeners")
    event.remove(Session, "after_commit", committed)
    event.remove(Session, "after_soft_rollback", rolled_back)


def _audit_row(detail: str) -> None:
    db.session().add(AuditEvent(at=clock.now(), actor="test", action=f"test.{detail}",
                                object_type="test", object_id="1"))


@pytest.fixture
def watched(app):
    seen: list[str] = []

    @app.post("/test/unit-of-work/<outcome>")
    def write(outcome: str):
        _audit_row(outcome)
        if outcome == "data":
            return {"written": True}, 201
        if outcome == "refused":
            return {"error": "no"}, 409
        if outcome == "response":
            return jsonify(written=True)
        if outcome == "after-commit":
            return db.AfterCommit(lambda: seen.append("made") or {"made": True}), 201
        if outcome == "after-commit-refused":
            return db.AfterCommit(lambda: seen.append("made") or {"error": "no"}), 409
        if outcome == "after-commit-plain":
            return db.AfterCommit(lambda: seen.append("made") or ["plain"])
        return None  # a broken view: Flask answers 500

    _watch(app, seen)
    yield app.test_client(), seen
    _unwatch(app)


def _rows(app, action: str) -> int:
    with app.app_context():
        return db.session().scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == action))


def test_a_successful_answer_is_committed_before_its_body_is_serialized(watched, app):
    client, seen = watched
    resp = client.post("/test/unit-of-work/data")
    assert resp.status_code == 201 and resp.get_json() == {"written": True}
    assert seen[:3] == ["commit", "serialized", "hook (unit of work ended)"]
    assert _rows(app, "test.data") == 1


def test_a_body_made_after_commit_is_made_once_committed_then_serialized(watched, app):
    client, seen = watched
    resp = client.post("/test/unit-of-work/after-commit")
    assert resp.status_code == 201 and resp.get_json() == {"made": True}
    assert seen[:4] == ["commit", "made", "serialized", "hook (unit of work ended)"]
    assert _rows(app, "test.after-commit") == 1
    resp = client.post("/test/unit-of-work/after-commit-plain")
    assert resp.status_code == 200 and resp.get_json() == ["plain"]


def test_a_refused_body_made_after_commit_is_made_before_the_rollback(watched, app):
    client, seen = watched
    resp = client.post("/test/unit-of-work/after-commit-refused")
    assert resp.status_code == 409 and resp.get_json() == {"error": "no"}
    assert "commit" not in seen and seen.index("made") < seen.index("rollback")
    assert _rows(app, "test.after-commit-refused") == 0


def test_a_refusal_is_rolled_back_before_the_hooks(watched, app):
    client, seen = watched
    assert client.post("/test/unit-of-work/refused").status_code == 409
    assert "commit" not in seen and seen.index("rollback") < seen.index(
        "hook (unit of work ended)")
    assert _rows(app, "test.refused") == 0


def test_a_view_that_made_its_response_is_committed_before_the_hooks(watched, app):
    client, seen = watched
    assert client.post("/test/unit-of-work/response").status_code == 200
    assert seen.index("commit") < seen.index("hook (unit of work ended)")
    assert _rows(app, "test.response") == 1


def test_a_broken_view_commits_nothing(watched, app):
    client, seen = watched
    app.testing = False  # the 500 answer instead of the exception
    assert client.post("/test/unit-of-work/broken").status_code == 500
    assert "commit" not in seen and _rows(app, "test.broken") == 0


@pytest.mark.parametrize(("rv", "status"), [
    ({"a": 1}, 200), ([1], 200), ("text", 200), (b"bytes", 200), (iter(["x"]), 200),
    (({"a": 1}, 201), 201), (("x", "404 NOT FOUND"), 404),
    (("x", HTTPStatus.ACCEPTED), 202), (("x", 201, {"X-A": "1"}), 201),
    (("x", {"X-A": "1"}), 200), (("x", Headers({"X-A": "1"})), 200), (("x", [("X-A", "1")]), 200),
    (Response("x", status=302), 302), ((Response("x", status=200), 400), 400),
    ((Response("x", status=418), {"X-A": "1"}), 418), (None, 500), ((None, 200), 500),
    (("x",), 500), (("x", 200, {}, "extra"), 500),
    (lambda environ, start_response: [], None),
    (db.AfterCommit(dict), 200), ((db.AfterCommit(dict), 201), 201),
])
def test_the_answers_status_is_known_before_the_answer_is_made(app, rv, status):
    assert db.answer_status(rv) == status
    made = rv[0] if isinstance(rv, tuple) else rv
    if isinstance(made, db.AfterCommit):  # Flask is given the body it makes
        rv = (made.make(), *rv[1:]) if isinstance(rv, tuple) else made.make()
    with app.test_request_context():
        if status == 500:  # Flask refuses to make an answer of it
            with pytest.raises(TypeError):
                app.make_response(rv)
        elif status is not None:
            assert app.make_response(rv).status_code == status  # as Flask makes it


def test_a_sessions_connection_is_the_same_within_a_transaction_and_new_after_it(app):
    """db.AppSession: `connection()` remembered for its transaction, asked again after it."""
    asked: list[int] = []
    plain = Session.connection

    def counted(self, *args, **kwargs):
        asked.append(1)
        return plain(self, *args, **kwargs)

    with app.app_context():
        session = db.database().sessionmaker()
        assert isinstance(session, db.AppSession)
        Session.connection = counted
        try:
            first = session.connection()
            assert session.connection() is first and len(asked) == 1
            with session.begin_nested():  # a savepoint: the same connection
                assert session.connection() is first and len(asked) == 1
            session.commit()
            second = session.connection()  # a new transaction: SQLAlchemy's answer
            assert len(asked) == 2 and second.in_transaction()
            session.rollback()
            assert session.connection(bind_arguments={}) is not None  # arguments: asked
            assert len(asked) == 3
        finally:
            Session.connection = plain
            session.close()
