"""Granting an agent (business-rules §1.1.2): no privilege named (None, the CLI without
--privilege) grants them all; an explicit empty list grants nothing and is refused, never read
as "everything"."""
import pytest
import sqlalchemy as sa

from gateway.models import AgentApproval, AuditEvent, Partner


@pytest.fixture
def parties(actors):
    actors.partner()
    actors.partner("AGX", "Port Agents Inc", spids=(), type="agent")


def _approvals(store):
    store.expire_all()
    return list(store.scalars(sa.select(AgentApproval).order_by(AgentApproval.id)))


def test_the_cli_without_privilege_grants_every_privilege(parties, cli, store):
    code, out = cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX")
    assert code == 0 and "csr, lsr, view" in out, out
    assert [a.privileges for a in _approvals(store)] == [{"csr", "lsr", "view"}]
    code, out = cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
                    "--privilege", "view")
    assert code == 0, out
    assert _approvals(store)[-1].privileges == {"view"}


def test_the_service_reads_none_as_all_and_refuses_an_empty_list(parties, app, store):
    from gateway import clock, db
    from gateway.errors import InvalidInput
    from gateway.services.identity.actors import CLI
    from gateway.services.partners import directory

    with app.app_context():
        session = db.session()
        found = {p.ccna: p for p in session.scalars(sa.select(Partner))}
        with pytest.raises(InvalidInput) as refused:
            directory.grant_agent(session, found["BHW"], found["AGX"], [], actor=CLI,
                                  now=clock.now())
        assert refused.value.code == "invalid_privileges"
        session.rollback()
    assert _approvals(store) == []
    assert store.scalar(sa.select(AuditEvent).where(AuditEvent.action == "agent.granted")) \
        is None
    with app.app_context():
        session = db.session()
        found = {p.ccna: p for p in session.scalars(sa.select(Partner))}
        approval = directory.grant_agent(session, found["BHW"], found["AGX"], None, actor=CLI,
                                         now=clock.now())
        assert approval.privileges == {"csr", "lsr", "view"}
        session.commit()
    assert [a.privileges for a in _approvals(store)] == [{"csr", "lsr", "view"}]
