"""Escalations climb the state's ladder after 4 business hours without acknowledgement."""
import json

import sqlalchemy as sa

from gateway.models import Escalation
from gateway.services.escalations.ladder import acknowledge
from gateway.services.identity.actors import Actor
from tests.conftest import EXAMPLES, set_now


def _escalate(app, heron):
    set_now(app, "2026-11-20T15:00:00-08:00")  # Friday 15:00 Pacific
    order = heron.post("/api/v1/lsrs", dict(
        json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), ddd="2026-11-23")).get_json()
    return heron.post(f"/api/v1/lsrs/{order['id']}/escalations",
                      {"reason": "foc_overdue", "text": "No FOC yet"}).get_json()


def test_unacknowledged_escalation_rises_after_four_business_hours_not_over_a_weekend(
        app, heron, cli, db_session):
    escalation = _escalate(app, heron)
    assert escalation["level"] == 1
    row = db_session.get(Escalation, escalation["id"])
    assert row.ack_due_at.isoformat() == "2026-11-23T18:00:00+00:00"  # Monday 10:00 Pacific
    set_now(app, "2026-11-22T12:00:00-08:00")  # Sunday
    assert "escalations_risen: 0" in cli("sweep")[1]
    set_now(app, "2026-11-23T10:00:01-08:00")
    assert "escalations_risen: 1" in cli("sweep")[1]
    assert "escalations_risen: 0" in cli("sweep")[1]  # idempotent
    db_session.expire_all()
    assert db_session.get(Escalation, escalation["id"]).level == 2


def test_acknowledged_escalation_stops_rising(app, heron, cli, db_session):
    escalation = _escalate(app, heron)
    row = db_session.get(Escalation, escalation["id"])
    acknowledge(db_session, row, actor=Actor(None, "desk", role="staff"), now=row.created_at)
    db_session.commit()
    set_now(app, "2026-11-24T10:00:00-08:00")
    assert "escalations_risen: 0" in cli("sweep")[1]


def test_escalation_stops_at_the_top_of_the_ladder(app, heron, cli, db_session):
    escalation = _escalate(app, heron)
    set_now(app, "2026-12-10T10:00:00-08:00")
    assert "escalations_risen: 2" in cli("sweep")[1]
    db_session.expire_all()
    assert db_session.scalar(sa.select(Escalation.level).where(
        Escalation.id == escalation["id"])) == 3
