"""Which events each notice category covers, and the pure preference checks (issue 15)."""
from types import SimpleNamespace

from gateway.models.partners import DEFAULT_NOTIFY_CSV, NOTICE_CATEGORIES
from gateway.services.outbox.notices import CATEGORY, CONTACT_TYPE, received, wants, webhook_wants

EVERYTHING = frozenset(NOTICE_CATEGORIES)


def test_expiry_and_notes_are_their_own_categories_but_still_come_with_jeopardy():
    assert (CATEGORY["lsr.expired"], CATEGORY["lsr.note"]) == ("expiry", "notes")
    assert CONTACT_TYPE["lsr.expired"] == CONTACT_TYPE["lsr.note"] == "jeopardy"
    assert received({"jeopardy"}, frozenset(DEFAULT_NOTIFY_CSV.split(","))) == [
        "expiry", "jeopardy", "notes"]


def test_every_emailed_partner_event_but_escalations_has_a_category():
    uncategorised = {e for e in CONTACT_TYPE if e not in CATEGORY}
    assert {CONTACT_TYPE[e] for e in uncategorised} == {"escalation"}
    assert set(CATEGORY.values()) == EVERYTHING


def test_wants_lets_through_ticked_categories_and_events_of_no_category():
    assert wants({"foc"}, "lsr.foc") and wants({"foc"}, "lsr.canceled")
    assert not wants({"reject"}, "lsr.foc")
    assert wants(set(), "escalation.raised") and wants(set(), "csr.returned")


def test_batches_are_received_when_ticked_whatever_the_contact_types():
    assert received(set(), {"batches"}) == ["batches"]
    assert received({"foc"}, {"foc", "completion"}) == ["foc"]  # completion needs its type


def test_a_webhook_needs_a_url_an_event_it_carries_and_the_category_ticked():
    hook = SimpleNamespace(webhook_url="https://oss.example/h", webhook_events=EVERYTHING)
    assert webhook_wants(hook, "lsr_batch.done") and webhook_wants(hook, "csr.returned")
    assert not webhook_wants(hook, "lsr.foc_overdue")  # jeopardy by email only, as before
    hook.webhook_events = EVERYTHING - {"completion"}
    assert not webhook_wants(hook, "lsr.completed") and webhook_wants(hook, "lsr.foc")
    hook.webhook_url = None
    assert not webhook_wants(hook, "lsr.foc")
