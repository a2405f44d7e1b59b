"""A submission's statement count does not grow with its TN count (one query for 500 TNs)."""
import json

import sqlalchemy as sa
from sqlalchemy import event

from gateway import clock
from gateway.models import Partner
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.passcodes import passcode_key
from gateway.services.identity.actors import Actor
from gateway.services.orders.context import OrderContext as Context
from gateway.services.orders.request import LsrRequest
from gateway.services.orders.submit import submit
from npac.simulator import SqlRegistry
from tests.conftest import EXAMPLES


def _accounts_csv(path, n_tns):
    lines = ["account_number,btn,customer_name,sano,sasd,sasn,sath,sass,ld1,lv1,city,state,zip,"
             "tn,tn_status,service_class,une,resale_spid,passcode,port_freeze,contact_email"]
    for i in range(n_tns):
        lines.append(f"777000,5035551199,BIG PBX CO,1,,MAIN,ST,,,,PORTLAND,OR,97201,"
                     f"503555{i:04d},working,pbx,N,,,N,pbx@example.net")
    path.write_text("\n".join(lines) + "\n")


def _lsr(pon, tns):
    return {"ccna": "BHW", "pon": pon, "ver": "1", "an": "777000", "cc": "B451", "npdi": "C",
            "reqtyp": "CB", "act": "V", "ddd": "2026-12-10", "agauth": "Y", "init": "Sam",
            "init_tel": "5419990123", "mi": "A", "remarks": "PARTIAL PORT",
            "eu": {"name": "BIG PBX CO", "sano": "1", "sasn": "MAIN", "sath": "ST",
                   "city": "PORTLAND", "state": "OR", "zip": "97201"}, "tns": tns}


_LAST: list = []


def _count_statements(app, body):
    database = app.extensions["portgate_db"]
    with app.app_context():
        session = database.sessionmaker()
        statements = []
        conn = session.connection()
        partner = session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
        assert partner.spids  # loaded before counting: the request's token look-up has it
        ctx = Context(session, SqlRegistry(session), partner, Actor(None, "test"),
                      clock.now(), carrier_profile(), passcode_key=passcode_key())
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(conn, "before_cursor_execute", listener)
        result = submit(ctx, LsrRequest.parse(body))
        session.flush()
        event.remove(conn, "before_cursor_execute", listener)
        status = result.lsr.status
        session.rollback()
        session.close()
    _LAST[:] = statements
    return len(statements), status


def _counted(app, step):
    """Run `step(ctx)` in a transaction that is committed; return (statements, its result)."""
    database = app.extensions["portgate_db"]
    with app.app_context():
        session = database.sessionmaker()
        conn = session.connection()
        partner = session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
        assert partner.spids
        actor = Actor(None, "test", partner.id, "partner_admin", frozenset({"lsr", "view"}))
        ctx = Context(session, SqlRegistry(session), partner, actor, clock.now(),
                      carrier_profile(), passcode_key=passcode_key())
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(conn, "before_cursor_execute", listener)
        result = step(ctx)
        session.flush()
        event.remove(conn, "before_cursor_execute", listener)
        session.commit()
        session.close()
    return statements, result


def _tns(start, count):
    return [f"503555{i:04d}" for i in range(start, start + count)]


def test_statement_count_does_not_grow_with_the_tn_count(app, heron, cli, tmp_path):
    _accounts_csv(tmp_path / "pbx.csv", 1200)
    (tmp_path / "codes.csv").write_text("npa_nxx,spid,lrn\n503555,CT01,5035550000\n")
    assert cli("import-accounts", tmp_path / "pbx.csv")[0] == 0
    assert cli("npac", "import-codes", tmp_path / "codes.csv")[0] == 0
    two = _count_statements(app, _lsr("TWO", _tns(0, 2)))
    hundred = _count_statements(app, _lsr("HUNDRED", _tns(100, 100)))
    assert two[1] == hundred[1] == "foc"
    assert two[0] == hundred[0], (two, hundred)
    project_small = _count_statements(app, _lsr("P101", _tns(200, 101)))
    project_large = _count_statements(app, _lsr("P500", _tns(400, 500)))
    assert project_small[1] == project_large[1] == "manual_review"
    assert project_small[0] == project_large[0], (project_small, project_large)


def test_a_due_date_supplement_and_a_dry_run_take_as_many_statements_for_100_tns_as_for_2(
        app, heron, cli, tmp_path):
    """SUP 2 and the dry run share the submission's facts statement and outbox (issue 17)."""
    from gateway.services.orders.dry_run import dry_run
    from gateway.services.orders.submit import own_order_for_pon
    from gateway.services.orders.supplements import supplement

    _accounts_csv(tmp_path / "pbx.csv", 300)
    (tmp_path / "codes.csv").write_text("npa_nxx,spid,lrn\n503555,CT01,5035550000\n")
    assert cli("import-accounts", tmp_path / "pbx.csv")[0] == 0
    assert cli("npac", "import-codes", tmp_path / "codes.csv")[0] == 0
    sup_counts, dry_counts = [], []
    for pon, tns, other in (("SUPTWO", _tns(0, 2), _tns(2, 2)),
                            ("SUPHUNDRED", _tns(100, 100), _tns(200, 100))):
        _, created = _counted(app, lambda ctx, pon=pon, tns=tns: submit(
            ctx, LsrRequest.parse(_lsr(pon, tns))))
        assert created.lsr.status == "foc"
        sup = LsrRequest.parse({"sup": "2", "ver": "2", "pon": pon, "ccna": "BHW",
                                "ddd": "2026-12-14"})

        def due_date(ctx, pon=pon, sup=sup):
            order = own_order_for_pon(ctx.session, ctx.sender(), ctx.sender().id, pon)
            return supplement(ctx, order, sup)

        statements, result = _counted(app, due_date)
        assert (result.status, result.due_date) == ("accepted", "2026-12-14"), result.rejects
        sup_counts.append(len(statements))
        statements, answer = _counted(app, lambda ctx, tns=other: dry_run(
            ctx, LsrRequest.parse(_lsr(f"DRY{len(tns)}", tns))))
        assert answer["rejects"] == [] and answer["due_date"] == "2026-12-10", answer
        dry_counts.append(len(statements))
    # the order with its versions, order update, version, recipients, audit, notice
    assert sup_counts[0] == sup_counts[1] <= 6, sup_counts
    # the PON look-up and the facts: nothing else
    assert dry_counts[0] == dry_counts[1] == 2, dry_counts


def test_a_submission_rolled_back_after_its_savepoint_leaves_nothing(app, heron, cli, tmp_path):
    """The new order's SAVEPOINT must nest in the request's transaction on SQLite too: a failure
    after it (rollback) leaves no order behind."""
    from gateway.models import Lsr

    _accounts_csv(tmp_path / "pbx.csv", 3)
    (tmp_path / "codes.csv").write_text("npa_nxx,spid,lrn\n503555,CT01,5035550000\n")
    assert cli("import-accounts", tmp_path / "pbx.csv")[0] == 0
    assert cli("npac", "import-codes", tmp_path / "codes.csv")[0] == 0
    database = app.extensions["portgate_db"]
    with app.app_context():
        session = database.sessionmaker()
        partner = session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))  # a read first
        ctx = Context(session, SqlRegistry(session), partner, Actor(None, "test"),
                      clock.now(), carrier_profile())
        assert submit(ctx, LsrRequest.parse(_lsr("ROLLBACK", _tns(0, 2)))).lsr.status == "foc"
        session.rollback()
        session.close()
        check = database.sessionmaker()
        assert check.scalar(sa.select(sa.func.count()).select_from(Lsr)) == 0
        check.close()


def test_a_one_tn_foc_takes_a_bounded_number_of_statements(app, heron, cli, tmp_path):
    """The 1-TN simple port of the examples, from the order row to the outbox (issue 12: 16
    statements before the lifecycle moved to transitions.py, 17 after; issue 17: 10)."""
    count, status = _count_statements(app, json.loads(
        (EXAMPLES / "lsr-simple-port.json").read_text()) | {"pon": "ONETN"})
    assert status == "foc"
    # the order row (on PostgreSQL with the accounts' row locks); the facts (NPAC, TNs, account,
    # open orders, SVs, SPID names, the §11.3 risk look-up, the notice's recipients) in one
    # statement; order update, version, TN index, audit, the §11.2 dispute link, both notices
    # (partner, end user) in one INSERT, their deliveries in one
    assert count <= 10, "\n".join(s.split("\n")[0][:120] for s in _LAST)
    if app.extensions["portgate_db"].engine.dialect.name == "postgresql":
        # the step's writes (order, version, TN index, audit, dispute link, the notices and
        # their deliveries) are one statement of data-modifying CTEs (`db.held_writes`): the
        # order, the facts, the writes
        writes = [s for s in _LAST if s.startswith("WITH w0 AS (")]
        assert count <= 3 and len(writes) == 1, [s[:120] for s in _LAST]
        assert all(f" {table} " in writes[0] for table in (
            "lsrs", "lsr_versions", "lsr_tns", "audit_events", "dispute_links", "notices",
            "deliveries")), writes[0]
    reads = [s for s in _LAST if s.lstrip().upper().startswith(("SELECT", "WITH HOLDERS"))]
    # the facts are the only read (on SQLite, a second time under the writer's lock only when
    # the order was decided while another connection wrote: test_sqlite_early_decision)
    assert len(reads) == 1 and " UNION ALL " in reads[0] and "lsr_tns" in reads[0], reads
    if app.extensions["portgate_db"].engine.dialect.name == "postgresql":
        # the accounts are those the order's INSERT locked, not looked up from the TNs again
        assert "holders" not in reads[0], reads[0][:200]
    else:
        assert reads[0].lstrip().upper().startswith("WITH HOLDERS"), reads[0][:200]
