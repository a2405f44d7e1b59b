"""Agent access requests in a real browser (business-rules §1.1.2): the agent's administrator
asks, the carrier's reviews and approves `csr` only, suspends and resumes; the API answers R104
while the approval does not cover the act. PORTGATE_SCREENSHOTS=1 saves docs/screenshots/
access-*.png."""
from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, login
from tests.browser.portal_data import LSR_SIMPLE, api, carrier
from tests.conftest import LOA

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CSR = {"tn": "5415550142", "agauth": "Y", "ccna": "BHW", "loa": LOA}


def _shot(page, tmp_path, name: str) -> None:
    target = DOCS if os.environ.get("PORTGATE_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)


def _agent(live) -> str:
    live.actors.partner("AGX", "Port Agents Inc", spids=(), type="agent")
    live.cli_ok("user", "add", "--username", "agxadmin", "--email", "ana@agents.example",
                "--password", PASSWORD, "--role", "partner_admin", "--partner", "AGX",
                "--name", "Ana Gutierrez", "--phone", "503-555-0142")
    live.actors.user("agx", partner="AGX")
    return live.actors.token("agx")


def _codes(answer: dict) -> list[str]:
    return [r["code"] for r in answer["rejects"]]


def test_agent_asks_and_the_carrier_approves_csr_only_suspends_and_resumes(live, page, browser,
                                                                          tmp_path):
    carrier(live)
    token = _agent(live)
    login(page, "agxadmin")
    page.goto("/admin/agents")
    page.get_by_label("Carrier's CCNA").fill("BHW")
    for label in ("csr · request CSRs", "lsr · send LSRs and supplements",
                  "view · read orders and CSRs"):
        page.get_by_label(label).check()
    page.get_by_label("Why").fill("We port Blue Heron's reseller lines under contract 2026-17.")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request went to Blue Heron Wireless")).to_be_visible()
    expect(page.locator("#access-requests")).to_contain_text("open")
    _shot(page, tmp_path, "access-agent-request")

    desk = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    try:
        tab = desk.new_page()
        login(tab, "boss")
        tab.goto("/admin/agents")
        expect(tab.get_by_role("heading", name="Requests waiting for you (1)")).to_be_visible()
        _shot(tab, tmp_path, "access-carrier-requests")
        tab.get_by_role("link", name="Review").click()
        expect(tab.locator("#reason")).to_contain_text("contract 2026-17")
        expect(tab.locator("dl.kv")).to_contain_text("Ana Gutierrez (agxadmin) · 503-555-0142")
        expect(tab.get_by_label("lsr · send LSRs and supplements")).to_be_checked()
        _shot(tab, tmp_path, "access-request-review")
        tab.get_by_label("lsr · send LSRs and supplements").uncheck()
        tab.get_by_label("view · read orders and CSRs").uncheck()
        tab.get_by_role("button", name="Approve").click()
        expect(tab.get_by_text("may now act for you: csr.")).to_be_visible()

        lsr = api(live, token, "/api/v1/lsrs", dict(LSR_SIMPLE, pon="AGX1", loa=LOA))
        assert "R104" in _codes(lsr)
        assert api(live, token, "/api/v1/csr-requests", CSR)["status"] == "returned"

        tab.once("dialog", lambda dialog: dialog.accept())
        tab.get_by_role("button", name="Suspend").click()
        expect(tab.get_by_text("approval is suspended")).to_be_visible()
        expect(tab.locator("#approvals")).to_contain_text("suspended")
        assert _codes(api(live, token, "/api/v1/csr-requests", CSR)) == ["R104"]
        _shot(tab, tmp_path, "access-carrier-suspended")

        page.goto("/admin/agents")
        expect(page.get_by_text(re.compile("refused \\(R104\\) until the carrier resumes"))
               ).to_be_visible()

        tab.get_by_role("button", name="Resume").click()
        expect(tab.get_by_text("may again act for you")).to_be_visible()
        assert api(live, token, "/api/v1/csr-requests", CSR)["status"] == "returned"

        tab.get_by_role("link", name="What it did").click()
        steps = tab.locator("#access-steps")
        for step in ("Access requested", "Request approved", "Approval granted",
                     "Approval suspended", "Approval resumed"):
            expect(steps).to_contain_text(step)
        expect(steps).to_contain_text("Ana Gutierrez (agxadmin)")
        _shot(tab, tmp_path, "access-activity")
    finally:
        desk.close()
    page.goto("/admin/agents")
    expect(page.locator("#access-requests")).to_contain_text("approved")
    _shot(page, tmp_path, "access-agent-approved")
