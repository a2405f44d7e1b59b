"""Every staff page on a busy desk, at 1280 px and on a 390 px phone: it renders, nothing
overflows the viewport, every form field has a label. Set PORTGATE_SCREENSHOTS=<dir> to save
one screenshot per page there (docs/screenshots holds the committed ones)."""
import json
import os
from datetime import UTC
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from gateway.models import CsrRequest, Delivery, Escalation, Lsr, Partner
from tests.browser.conftest import login
from tests.conftest import EXAMPLES, load_montana

SHOTS = os.environ.get("PORTGATE_SCREENSHOTS")


def _services(live, fn):
    with live.app.app_context():
        from gateway import db

        with db.database().unit_of_work() as session:
            return fn(session)


def busy_desk(live, tmp_path):
    """A week of desk work through the real services, as of Monday 10:00 Pacific."""
    from datetime import date, datetime

    from gateway import clock
    from gateway.platform.carrier_profile import carrier_profile
    from gateway.services.csr import requests as csr
    from gateway.services.escalations import ladder as escalations
    from gateway.services.identity.actors import Actor
    from gateway.services.orders import decisions, manual_entry
    from gateway.services.orders.context import OrderContext as Context
    from gateway.services.orders.request import LsrRequest
    from gateway.services.orders.submit import submit
    from gateway.services.partners import onboarding
    from npac.simulator import SqlRegistry

    live.load_examples()
    load_montana(live.cli, tmp_path)
    live.actors.partner()
    live.actors.partner(ccna="SWC", name="Summit West Communications", spids=("SW01",),
                        type="clec")
    live.actors.user("boss", role="staff_admin", partner=None)
    simple = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    partial = json.loads((EXAMPLES / "lsr-partial-port.json").read_text())
    actor = Actor(None, "boss", role="staff_admin")

    def orders(session, when, bodies):
        live.set_now(when)
        for ccna, body, kwargs in bodies:
            partner = session.scalar(sa.select(Partner).where(Partner.ccna == ccna))
            ctx = Context(session, SqlRegistry(session), partner, actor, clock.now(),
                          carrier_profile(), **kwargs.pop("ctx", {}))
            if kwargs.get("manual"):
                manual_entry.enter_lsr(ctx, LsrRequest.parse(body),
                                       received_at=kwargs["received_at"])
            else:
                submit(ctx, LsrRequest.parse(body))

    def week(session):
        orders(session, "2026-11-20T10:00:00-08:00", [
            ("BHW", dict(simple, pon="A1"), {}),
            ("BHW", dict(simple, pon="A2", agauth="N", tns=["5415557020"]), {})])
        orders(session, "2026-11-23T10:00:00-08:00", [
            ("SWC", dict(simple, pon="S1", ccna="SWC", cc="SW01"), {}),
            ("BHW", dict(partial, exp="Y", ddd="2026-11-23"), {}),
            ("BHW", {"ccna": "BHW", "pon": "MT1", "ver": "1", "an": "900001", "cc": "B451",
                     "npdi": "C", "reqtyp": "CB", "act": "V", "ddd": "2026-11-23", "exp": "Y",
                     "agauth": "Y", "init_tel": "5419990123", "eu": {"zip": "59715"},
                     "tns": ["4065550100"]},
             {"manual": True, "ctx": {"channel": "fax", "manual": True},
              "received_at": datetime(2026, 11, 23, 16, 0, tzinfo=UTC)})])
        review = session.scalar(sa.select(Lsr).where(Lsr.pon == partial["pon"]))
        escalations.escalate_order(session, review, reason="foc_overdue",
                                   text="End user moves offices on 11-24", actor=actor,
                                   now=clock.now(), profile=carrier_profile())
        onboarding.submit_profile(session, onboarding.TradingPartnerProfile(
            name="Juniper Mobile", ccna="JUN", type="wireless", spids=["J123"], ocn="1234",
            street="1 Main St", city="Boise", state="ID", zip="83702",
            admins=[onboarding.AdminEntry("Ana Ortiz", "ana.jun", "ana@juniper.example",
                                          "2085550101")], received_on=date(2026, 11, 20)),
            actor=actor, now=clock.now())
        mt = session.scalar(sa.select(Lsr).where(Lsr.pon == "MT1"))
        decisions.decide_order(Context(session, SqlRegistry(session), None, actor, clock.now(),
                                       carrier_profile()), mt, action="foc",
                               due_date=date(2026, 11, 23))
        bhw = session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
        csr.request_csr(session, SqlRegistry(session), {"tn": "5415550300", "agauth": "Y"},
                        partner=bhw, actor=actor, now=clock.now(), profile=carrier_profile())
        manual_entry.enter_csr(session, SqlRegistry(session), {"tn": "4065550100",
                                                               "agauth": "Y"},
                               partner=bhw, actor=actor, now=clock.now(),
                               profile=carrier_profile(), channel="email",
                               received_at=datetime(2026, 11, 23, 15, 10, tzinfo=UTC))
        session.execute(sa.update(Delivery).where(Delivery.id == 1).values(
            status="dead", attempts=6, last_error="SMTP 550 mailbox unavailable"))

    _services(live, week)


def _ids(live):
    def read(session):
        return {"order": session.scalar(sa.select(Lsr.id).where(Lsr.pon == "BHW20261123B")),
                "pending": session.scalar(sa.select(Partner.id).where(Partner.ccna == "JUN"))}
    return _services(live, read)


PAGES = [("home", "/staff/"), ("queue", "/staff/queue"), ("order", "/staff/orders/{order}"),
         ("manual-lsr", "/staff/manual/lsr"), ("manual-csr", "/staff/manual/csr"),
         ("partners", "/staff/partners"), ("partner-new", "/staff/partners/new"),
         ("partner", "/staff/partners/{pending}"), ("accounts", "/staff/accounts?q=a%20"),
         ("account", "/staff/accounts/884377"), ("escalations", "/staff/escalations"),
         ("escalation-contacts", "/staff/escalation-contacts?state=OR"),
         ("outbox", "/staff/outbox"), ("delivery", "/staff/outbox/1"),
         ("dashboard", "/staff/dashboard"), ("profile", "/staff/profile"),
         ("csr-request", "/staff/csr-requests/2")]

UNLABELLED = """() => [...document.querySelectorAll('main input, main select, main textarea')]
  .filter(el => el.type !== 'hidden' && el.type !== 'submit')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name)"""


def _check(page, path):
    resp = page.goto(path)
    assert resp.status in (200, 400), (path, resp.status)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    assert page.evaluate(UNLABELLED) == [], path


def _check_welcome(live, browser, partner_id):
    """Approve the pending profile; the administrator's one-time link opens its own page."""
    import re

    from gateway import clock
    from gateway.models import Notice
    from gateway.services.identity.actors import Actor
    from gateway.services.partners import onboarding

    def approve(session):
        onboarding.approve(session, session.get(Partner, partner_id),
                           actor=Actor(None, "boss", role="staff_admin"), now=clock.now(),
                           secret=live.app.config["SECRET_KEY"], carrier_name="Cascade Telecom",
                           link_for=lambda token: f"{live.url}/welcome/{token}")
        return session.scalar(sa.select(Notice.body).where(Notice.event == "partner.welcome"))

    body = _services(live, approve)
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    _check(tab, re.search(r"(/welcome/\S+)", body).group(1))
    expect(tab.get_by_label("New password", exact=True)).to_be_visible()
    if SHOTS:
        tab.screenshot(path=str(Path(SHOTS) / "staff-welcome.png"), full_page=True)
    context.close()


@pytest.mark.slow
def test_every_staff_page_fits_a_desktop_and_a_phone(live, page, browser, tmp_path):
    busy_desk(live, tmp_path)
    ids = _ids(live)
    login(page, "boss")
    for name, path in PAGES:
        _check(page, path.format(**ids))
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / f"staff-{name}.png"), full_page=True)
    _check_welcome(live, browser, ids["pending"])
    phone = browser.new_context(base_url=live.url, viewport={"width": 390, "height": 844},
                                is_mobile=True, device_scale_factor=2)
    tab = phone.new_page()
    login(tab, "boss")
    for _name, path in PAGES:
        _check(tab, path.format(**ids))
    if SHOTS:
        tab.goto("/staff/queue")
        tab.screenshot(path=str(Path(SHOTS) / "staff-queue-phone.png"), full_page=True)
    phone.close()
    counts = _services(live, lambda s: (s.scalar(sa.select(sa.func.count()).select_from(
        Escalation)), s.scalar(sa.select(sa.func.count()).select_from(CsrRequest))))
    assert counts == (1, 2)
