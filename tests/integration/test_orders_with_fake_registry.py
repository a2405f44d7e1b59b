"""The order services against an in-memory NPAC (tests/fakes/registry.py), registered through
the composition root: no NPAC tables, and the registry's batch calls can be counted."""
from __future__ import annotations

import json
from datetime import date

import pytest

from gateway import create_app
from gateway.models import Lsr
from gateway.platform import composition
from gateway.services.identity.actors import Actor
from gateway.services.orders import submit as submit_svc
from gateway.services.orders import supplements
from gateway.services.orders.request import LsrRequest
from tests.conftest import EXAMPLES, _config
from tests.fakes.registry import FakeRegistry

NPAC = FakeRegistry(codes={"541555": "CT01"}, spids={"CT01": "Cascade Telecom",
                                                     "B451": "Blue Heron Wireless",
                                                     "OT99": "Other Telco"})


@pytest.fixture
def fake_npac():
    registry = FakeRegistry(codes=dict(NPAC.codes), spids=dict(NPAC.names))
    yield registry


@pytest.fixture
def app(fake_npac):
    """SQLite only: these tests are about the services, not the database."""
    application = create_app(_config("sqlite://", REGISTRY_FACTORY=lambda session: fake_npac))
    yield application
    application.extensions["portgate_db"].engine.dispose()


@pytest.fixture
def heron_ctx(app, cli, actors):
    assert cli("import-accounts", EXAMPLES / "accounts.csv")[0] == 0
    actors.partner()
    actors.user("heron")

    def make():
        import sqlalchemy as sa

        from gateway import db
        from gateway.models import Partner, User

        session = db.session()
        partner = session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
        user = session.scalar(sa.select(User).where(User.username == "heron"))
        return composition.order_context(partner, Actor.from_user(user))

    with app.test_request_context():
        yield make


def simple(**changes) -> LsrRequest:
    return LsrRequest.parse({**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()),
                             **changes})


def test_a_simple_port_gets_its_foc_with_one_batch_npac_lookup(heron_ctx, fake_npac):
    ctx = heron_ctx()
    assert ctx.registry is fake_npac  # the composition root handed the registered registry
    order = submit_svc.submit(ctx, simple()).lsr
    assert order.status == "foc" and order.due_date == date(2026, 11, 24)
    assert fake_npac.calls.count("current_providers") == 1


def test_a_tn_npac_shows_elsewhere_is_rejected_r201(heron_ctx, fake_npac):
    fake_npac.blocks["5415550"] = "OT99"  # the thousands block moved to another carrier
    order = submit_svc.submit(heron_ctx(), simple()).lsr
    assert order.status == "rejected"
    assert [r["code"] for r in order.rejects] == ["R201"]
    assert "Other Telco" in order.rejects[0]["message"]


def test_an_sv_created_before_the_lsr_is_concurred_by_the_foc(heron_ctx, fake_npac):
    ctx = heron_ctx()
    sv = fake_npac.create_subscription("5415550142", "B451", "5415550000", date(2026, 11, 24),
                                       now=ctx.now, concur=False)
    assert sv.status == "conflict"
    assert submit_svc.submit(ctx, simple()).lsr.status == "foc"
    assert fake_npac.get_subscription(sv.id).status == "pending"
    assert fake_npac.get_subscription(sv.id).concurred


def test_a_cancel_cancels_the_pending_svs_of_the_order(heron_ctx, fake_npac):
    ctx = heron_ctx()
    order = submit_svc.submit(ctx, simple()).lsr
    sv = fake_npac.create_subscription("5415550142", "B451", "5415550000", order.due_date,
                                       now=ctx.now, concur=True)
    result = supplements.supplement(ctx, order, simple(sup="1", ver="2"))
    assert result.status == "accepted" and order.status == "canceled"
    assert fake_npac.get_subscription(sv.id).status == "canceled"
    assert ctx.session.get(Lsr, order.id).status == "canceled"
