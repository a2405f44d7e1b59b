"""Notification preferences (issue 15): each contact, user and webhook chooses the notice
categories it receives, within what its contact types bring; defaults are "as today".
On SQLite and PostgreSQL."""
import json

import pytest
import sqlalchemy as sa

from gateway.models import Contact, Delivery, Notice, Partner, User
from gateway.services.identity.actors import Actor
from gateway.services.outbox import notices
from gateway.services.partners import contacts as contact_svc
from gateway.services.partners import webhooks
from tests.conftest import EXAMPLES, set_now

ACTOR = Actor(None, "test")
EVERY_CATEGORY = ["batches", "completion", "expiry", "foc", "jeopardy", "notes", "reject"]


@pytest.fixture(autouse=True)
def _loopback_receivers(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the webhook URL below is never called


def _partner(session) -> Partner:
    return session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))


def _add(session, name, types, notify=None) -> Contact:
    partner = _partner(session)
    return contact_svc.add_contact(session, partner.id, name=name,
                                   email=f"{name}@heron.example", phone="5415550100",
                                   types=types, notify=notify, actor=ACTOR,
                                   now=partner.created_at)


def _emails(session, event) -> set[str]:
    """Every address the event's email deliveries went to."""
    session.expire_all()
    targets = session.scalars(sa.select(Delivery.target).join(Notice).where(
        Notice.event == event, Delivery.channel == "email"))
    return {address for target in targets for address in target.split(",")}


def _webhook_events(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(sa.select(Notice.event).join(Delivery).where(
        Delivery.channel == "webhook").order_by(Notice.id)))


def _foc(heron) -> dict:
    order = heron.post("/api/v1/lsrs", json.loads((EXAMPLES / "lsr-simple-port.json")
                                                  .read_text())).get_json()
    assert order["status"] == "foc", order
    return order


def _complete(app, heron) -> None:
    """The new provider activates the FOC'd TN on its due date: the order is completed."""
    set_now(app, "2026-11-24T09:00:00-08:00")
    sv = heron.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "B451",
                                                   "lrn": "5419990000",
                                                   "due_date": "2026-11-24"}).get_json()
    assert heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate").status_code == 200


def test_an_foc_goes_to_the_contact_that_kept_foc_not_to_the_one_that_unticked_it(
        heron, db_session):
    _add(db_session, "keeps", ["foc"])
    _add(db_session, "unticked", ["foc"], notify=["reject", "completion"])
    db_session.commit()
    _foc(heron)
    sent = _emails(db_session, "lsr.foc")
    assert "keeps@heron.example" in sent and "unticked@heron.example" not in sent


def test_a_webhook_with_completion_unticked_gets_the_foc_but_no_completion(app, heron,
                                                                          db_session):
    partner = _partner(db_session)
    webhooks.configure_webhook(db_session, partner, "http://127.0.0.1:9/hooks",
                               "whsec-0123456789abcdef", actor=ACTOR, now=partner.created_at,
                               https_only=False, allow_private=True,
                               events=[c for c in EVERY_CATEGORY if c != "completion"])
    _add(db_session, "closer", ["completion"])
    db_session.commit()
    _foc(heron)
    _complete(app, heron)
    assert "lsr.completed" in set(db_session.scalars(sa.select(Notice.event)))
    assert _webhook_events(db_session) == ["lsr.foc"]
    assert "closer@heron.example" in _emails(db_session, "lsr.completed")  # email unaffected


def test_by_default_a_webhook_gets_every_category_and_a_contact_what_its_types_bring(
        app, heron, db_session):
    partner = _partner(db_session)
    webhooks.configure_webhook(db_session, partner, "http://127.0.0.1:9/hooks",
                               "whsec-0123456789abcdef", actor=ACTOR, now=partner.created_at,
                               https_only=False, allow_private=True)
    contact = _add(db_session, "watch", ["jeopardy"])
    db_session.commit()
    assert sorted(partner.webhook_events) == EVERY_CATEGORY
    assert sorted(contact.notify) == [c for c in EVERY_CATEGORY if c != "batches"]
    _foc(heron)
    _complete(app, heron)
    assert _webhook_events(db_session) == ["lsr.foc", "lsr.completed"]
    for event in ("lsr.expired", "lsr.note", "npac.conflict"):
        assert "watch@heron.example" in notices.partner_recipients(db_session, partner.id,
                                                                   event), event
    for event in ("lsr.foc", "lsr.completed", "lsr_batch.done", "escalation.raised"):
        assert "watch@heron.example" not in notices.partner_recipients(db_session, partner.id,
                                                                       event), event


def test_a_jeopardy_contact_can_keep_expiries_and_drop_notes(heron, db_session):
    partner = _partner(db_session)
    contact = _add(db_session, "watch", ["jeopardy"])
    contact_svc.set_contact_types(db_session, contact, ["jeopardy"], actor=ACTOR,
                                  now=partner.created_at, notify=["expiry", "jeopardy"])
    db_session.commit()
    assert "watch@heron.example" in notices.partner_recipients(db_session, partner.id,
                                                               "lsr.expired")
    assert "watch@heron.example" in notices.partner_recipients(db_session, partner.id,
                                                               "lsr.disputed")
    assert "watch@heron.example" not in notices.partner_recipients(db_session, partner.id,
                                                                   "lsr.note")


def test_batch_results_go_by_email_to_those_who_opted_in_whatever_their_types(heron,
                                                                             db_session):
    partner = _partner(db_session)
    _add(db_session, "optin", ["reject"], notify=["reject", "batches"])
    _add(db_session, "default", ["reject"])
    user = db_session.scalar(sa.select(User).where(User.username == "heron"))
    contact_svc.set_user_notify(db_session, user, ["batches"], actor=ACTOR,
                                now=partner.created_at)
    notices.emit(db_session, "lsr_batch.done", partner, {"id": 1}, now=partner.created_at,
                 subject="Batch 1 done", body="done")
    db_session.commit()
    assert _emails(db_session, "lsr_batch.done") == {"optin@heron.example",
                                                     "heron@example.net"}


def test_escalation_contacts_keep_escalations_whatever_their_categories(heron, db_session):
    """Escalations are no category: only the contact type decides (§10.3)."""
    partner = _partner(db_session)
    _add(db_session, "esc", ["escalation"], notify=[])
    db_session.commit()
    assert notices.partner_recipients(db_session, partner.id, "escalation.raised") == [
        "esc@heron.example"]
    assert notices.partner_recipients(db_session, partner.id, "lsr.foc") == []


def test_preferences_are_audited_and_unknown_categories_refused(heron, db_session):
    from gateway.errors import InvalidInput
    from gateway.models import AuditEvent

    partner = _partner(db_session)
    contact = _add(db_session, "desk", ["foc"])
    with pytest.raises(InvalidInput, match="Unknown notice category 'sms'"):
        contact_svc.set_contact_types(db_session, contact, ["foc"], actor=ACTOR,
                                      now=partner.created_at, notify=["foc", "sms"])
    contact_svc.set_contact_types(db_session, contact, ["foc"], actor=ACTOR,
                                  now=partner.created_at, notify=["foc", "batches"])
    db_session.commit()
    event = db_session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "contact.types_changed"))
    assert event.before["notify"] == ["completion", "expiry", "foc", "jeopardy", "notes",
                                      "reject"]
    assert event.after == {"types": ["foc"], "notify": ["batches", "foc"]}


def test_the_recipients_loaded_with_the_facts_are_those_the_recipients_query_finds(
        heron, db_session, cli):
    """A submission's outcome notice takes its recipients from the facts statement (issue 17):
    for every event, the same addresses as the recipients' own statement."""
    from gateway import clock
    from gateway.platform.carrier_profile import carrier_profile
    from gateway.services.orders.facts import order_facts
    from npac.simulator import SqlRegistry

    for name in ("on.user", "off.user"):
        assert cli("user", "add", "--username", name, "--email", f"{name}@heron.example",
                   "--password", "a long enough passphrase 42", "--role", "partner_user",
                   "--partner", "BHW")[0] == 0
    assert cli("user", "disable", "off.user")[0] == 0
    db_session.expire_all()
    partner = _partner(db_session)
    users = {u.username: u for u in db_session.scalars(sa.select(User).where(
        User.username.in_(["on.user", "off.user"])))}
    users["on.user"].contact_types_csv = "foc,completion"
    users["off.user"].contact_types_csv = "foc"
    _add(db_session, "keeps", ["foc"])
    _add(db_session, "unticked", ["foc"], notify=["reject", "completion"])
    _add(db_session, "watch", ["jeopardy"])
    _add(db_session, "batcher", ["reject"], notify=["batches", "reject"])
    _add(db_session, "gone", ["foc", "reject"]).removed_at = partner.created_at
    db_session.commit()
    keep: dict = {}
    order_facts(db_session, SqlRegistry(db_session), ["5415550142"], profile=carrier_profile(),
                now=clock.now(), keep=keep, addressees=partner.id)
    known = keep["addressees"][partner.id]
    loaded = {email for email, _types, _notify in known}
    assert {"keeps@heron.example", "on.user@heron.example"} <= loaded
    assert not {"gone@heron.example", "off.user@heron.example"} & loaded
    events = sorted(set(notices.CONTACT_TYPE) | set(notices.CATEGORY))
    for event in events:
        assert notices.partner_recipients(db_session, partner.id, event, known) == \
            notices.partner_recipients(db_session, partner.id, event), event
    assert any(notices.partner_recipients(db_session, partner.id, e, known) for e in events)
