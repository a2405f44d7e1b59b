"""The desk dashboard: figures per day computed in the database (a handful of grouped queries)."""
import json
from collections import Counter
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import event

from gateway.models import Lsr
from gateway.services.desk import dashboards
from tests.conftest import EXAMPLES, set_now

PACIFIC = ZoneInfo("America/Los_Angeles")


def example(name, **changes):
    return dict(json.loads((EXAMPLES / name).read_text()), **changes)


def build_a_week(app, heron, staff_web, client, actors, store):
    """Five days of desk work; returns the rejects the API answered, per partner."""
    actors.partner(ccna="SWC", name="Summit West Communications", spids=("SW01",), type="clec")
    actors.user("summit", partner="SWC")
    from tests.conftest import Api

    summit = Api(client, actors.token("summit"))
    rejects = Counter()
    set_now(app, "2026-11-20T10:00:00-08:00")  # Friday
    assert heron.post("/api/v1/lsrs", example("lsr-simple-port.json", pon="A1")).get_json()[
        "status"] == "foc"
    bad = heron.post("/api/v1/lsrs", example("lsr-simple-port.json", pon="A2", agauth="N",
                                             tns=["5415557020"])).get_json()
    rejects.update(("BHW", r["code"]) for r in bad["rejects"])
    set_now(app, "2026-11-23T10:00:00-08:00")  # Monday
    taken = summit.post("/api/v1/lsrs", example("lsr-simple-port.json", pon="S1", ccna="SWC",
                                                cc="SW01")).get_json()
    rejects.update(("SWC", r["code"]) for r in taken["rejects"])
    fax = {"partner": "BHW", "channel": "fax", "received_at": "2026-11-23T09:00",
           "received_zone": "America/Denver", "pon": "MT1", "ver": "1", "an": "900001",
           "cc": "B451", "npdi": "C", "reqtyp": "CB", "act": "V", "ddd": "2026-11-23",
           "exp": "Y", "agauth": "Y", "init_tel": "5419990123", "eu_zip": "59715",
           "tns": "4065550100"}
    assert staff_web.post("/staff/manual/lsr", fax).status_code == 302
    mt = store.scalar(sa.select(Lsr).where(Lsr.pon == "MT1"))
    assert mt.status == "manual_review"
    assert staff_web.post(f"/staff/orders/{mt.id}/foc", {"due_date": "2026-11-23"}).status_code \
        == 302  # on time: due 4 business hours after 09:00 Mountain
    partial = heron.post("/api/v1/lsrs", example("lsr-partial-port.json", exp="Y",
                                                 ddd="2026-11-23")).get_json()
    assert partial["status"] == "manual_review"
    set_now(app, "2026-11-25T10:00:00-08:00")  # Wednesday: past Tuesday 17:00, late
    assert staff_web.post(f"/staff/orders/{partial['id']}/foc",
                          {"due_date": "2026-11-25"}).status_code == 302
    assert heron.post("/api/v1/csr-requests", {"tn": "5415550300", "agauth": "Y"}).get_json()[
        "status"] == "returned"
    csr = {"partner": "BHW", "channel": "email", "received_at": "2026-11-25T08:00",
           "received_zone": "America/Denver", "tn": "4065550100", "agauth": "y"}
    assert staff_web.post("/staff/manual/csr", csr).status_code == 302
    return rejects


def metrics(app):
    with app.app_context():
        from gateway import clock

        session = app.extensions["portgate_db"].sessionmaker()
        now = clock.now()
        days = dashboards.day_range(now.astimezone(PACIFIC).date(), 7, PACIFIC)
        result = dashboards.desk_metrics(session, now=now, days=days)
        session.close()
    return result


def test_dashboard_figures_per_day(app, heron, montana, staff_web, client, actors, store):
    rejects = build_a_week(app, heron, staff_web, client, actors, store)
    m = metrics(app)
    assert [d.isoformat() for d in m.days][2::3] == ["2026-11-21", "2026-11-24"]
    fri, mon = 1, 4  # 11-19 … 11-25
    assert m.received["electronic"] == [0, 2, 0, 0, 2, 0, 0]
    assert m.received["manual"] == [0, 0, 0, 0, 1, 0, 0]
    assert m.outcomes["foc"][fri] == 1 and m.outcomes["rejected"][fri] == 1
    assert m.outcomes["foc"][mon] == 2 and m.outcomes["rejected"][mon] == 1
    assert sum(m.outcomes["manual_review"]) == 0
    assert m.focs["automatic"] == [0, 1, 0, 0, 0, 0, 0]
    assert m.focs["staff_on_time"] == [0, 0, 0, 0, 1, 0, 0]
    assert m.focs["late"] == [0, 0, 0, 0, 0, 0, 1]
    got = Counter({(ccna, code): n for ccna, codes in m.reject_partners
                   for code, n in codes.items()})
    assert got == rejects and {c for _, c in rejects} == set(m.reject_codes)
    assert m.csr["electronic"]["count"] == 1 and m.csr["electronic"]["buckets"][0] == 1
    assert m.csr["manual"]["buckets"] == [0, 0, 1, 0, 0]  # 3 hours from the email's time
    assert m.csr["manual"]["met"] == 1 and abs(m.csr["manual"]["avg_seconds"] - 10800) < 1
    assert m.review_overdue == 0


def test_dashboard_page_draws_the_charts_as_inline_svg(app, heron, montana, staff_web, client,
                                                       actors, store):
    build_a_week(app, heron, staff_web, client, actors, store)
    page = staff_web.get("/staff/dashboard?days=7").get_data(as_text=True)
    assert page.count("<svg") == 5 and "<script" not in page.split("</head>")[1]
    assert "LSRs received per day" in page and "Reject reasons per partner" in page
    assert "SWC" in page and "R205" in page
    assert "67%" in page  # FOCs on time: 2 of 3 (automatic + staff on time; one late)


def test_dashboard_with_no_data_says_so_in_every_chart(staff_web):
    page = staff_web.get("/staff/dashboard").get_data(as_text=True)
    assert page.count("No data in this period") == 5


def test_an_unknown_period_falls_back_to_two_weeks(staff_web):
    page = staff_web.get("/staff/dashboard?days=9999").get_data(as_text=True)
    assert "last 14 days</option>" in page and 'value="14" selected' in page


def test_dashboard_figures_take_five_statements_whatever_the_volume(app, heron, montana,
                                                                    staff_web, client, actors,
                                                                    store):
    build_a_week(app, heron, staff_web, client, actors, store)
    statements = []
    with app.app_context():
        from gateway import clock

        session = app.extensions["portgate_db"].sessionmaker()
        conn = session.connection()
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(conn, "before_cursor_execute", listener)
        days = dashboards.day_range(clock.now().astimezone(PACIFIC).date(), 30, PACIFIC)
        dashboards.desk_metrics(session, now=clock.now(), days=days)
        event.remove(conn, "before_cursor_execute", listener)
        session.close()
    assert len(statements) == 5, statements
