"""Schemathesis against /api/v1/openapi.json on a real server on 127.0.0.1 (issue 8 §4):
generated valid and invalid requests to every operation, as a partner and as staff; no 5xx,
and every answer matches the document (status codes, content types, body schemas)."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from gateway import create_app
from tests.concurrency.conftest import app_config, dedicated_schema, load_world, run_cli

pytestmark = pytest.mark.slow

# The LSR and CSR fields are business rules, not syntax (gateway/schemas): a malformed value
# is a recorded reject (201), so "negative data must be rejected with 4xx" does not apply.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES_PER_OPERATION = 10


@contextmanager
def served(url: str, tmp_path):
    app = create_app(app_config(url))
    tokens = load_world(app, tmp_path)
    run_cli(app, "user", "add", "--username", "desk", "--email", "desk@example.net",
            "--password", "Test-Pass-2026!x", "--role", "staff")
    tokens["desk"] = run_cli(app, "token", "issue", "desk").strip()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", tokens
    finally:
        server.shutdown()
        thread.join(5)
        app.extensions["portgate_db"].engine.dispose()


def fuzz(base: str, tokens: dict[str, str]) -> tuple[int, int, list[str]]:
    """Run every operation (staff ones with a staff token, the rest as a partner); return
    (cases, 5xx seen, failures)."""
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    stats = {"cases": 0, "5xx": 0}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        who = "desk" if operation.path.startswith("/staff/") else "heron"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, base, {"Authorization": f"Bearer {tokens[who]}"}, stats,
                 failures)
    return stats["cases"], stats["5xx"], failures


def _run(operation, mode, base: str, headers: dict, stats: dict, failures: list) -> None:
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(base_url=f"{base}/api/v1", headers=headers, timeout=30)
        stats["cases"] += 1
        stats["5xx"] += response.status_code >= 500
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as err:  # collected: every operation runs
            failures.append(f"{operation.label} [{mode.value}] {response.status_code}: "
                            f"{str(err)[:400]}\n  {case.as_curl_command()[:300]}")

    run()


def report(db: str, cases: int, fives: int, failures: list[str], capsys) -> None:
    with capsys.disabled():
        print(f"\nschemathesis on {db}: {cases} cases, {fives} answers 5xx, "
              f"{len(failures)} schema mismatches")
    assert cases > 300
    assert fives == 0, failures[:5]
    assert not failures, "\n".join(failures[:10])


def test_schemathesis_finds_no_5xx_and_no_schema_mismatch_on_sqlite(tmp_path, capsys):
    with served(f"sqlite:///{tmp_path / 'fuzz.db'}", tmp_path) as (base, tokens):
        cases, fives, failures = fuzz(base, tokens)
    report("SQLite", cases, fives, failures, capsys)


@pytest.mark.postgres
def test_schemathesis_finds_no_5xx_and_no_schema_mismatch_on_postgresql(tmp_path, capsys):
    with dedicated_schema("schemathesis") as url, served(url, tmp_path) as (base, tokens):
        cases, fives, failures = fuzz(base, tokens)
    report("PostgreSQL", cases, fives, failures, capsys)
