"""The SPIDs a partner's LSRs may name in CC / NNSP (issue 15), as the portal reads them."""
import sqlalchemy as sa

from gateway.models import Partner
from gateway.services.portal.reads import SpidChoice, spid_choices
from npac.simulator import SqlRegistry


def _choices(app, ccna):
    with app.app_context():
        session = app.extensions["portgate_db"].sessionmaker()
        partner = session.scalar(sa.select(Partner).where(Partner.ccna == ccna))
        try:
            return spid_choices(session, SqlRegistry(session), partner)
        finally:
            session.close()


def test_a_partners_spids_are_sorted_and_named_from_npac(app, examples, actors):
    actors.partner("MLT", "Multi Line Telecom", spids=("SW01", "ML01"), type="clec")
    assert _choices(app, "MLT") == [SpidChoice("ML01", "", "MLT"),
                                    SpidChoice("SW01", "Summit West Communications", "MLT")]


def test_an_agent_is_offered_its_carriers_spids_only_with_the_lsr_privilege(app, examples,
                                                                            actors, cli):
    actors.partner()
    actors.partner("ACE", "Acme Porting Agents", spids=(), type="agent")
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "ACE", "--privilege",
               "csr")[0] == 0
    assert _choices(app, "ACE") == []
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "ACE", "--privilege",
               "lsr")[0] == 0
    assert _choices(app, "ACE") == [SpidChoice("B451", "Blue Heron Wireless", "BHW")]
