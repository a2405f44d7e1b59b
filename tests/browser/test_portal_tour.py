"""A walk through every partner and administration page on realistic data, at 1280 px and on a
390 px phone; with PORTGATE_SCREENSHOTS=1 it saves docs/screenshots/portal-*.png, admin-*.png."""
from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.a11y import axe_check
from tests.browser.conftest import follow, login
from tests.browser.portal_data import busy_desk

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shooter(page, tmp_path):
    target = DOCS if os.environ.get("PORTGATE_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)

    def shot(name: str, heading: str) -> None:
        expect(page.get_by_role("heading", level=1).first).to_contain_text(heading)
        if not name.endswith("errors"):
            expect(page.locator(".error-summary")).to_have_count(0)
        page.screenshot(path=str(target / f"{name}.png"), full_page=True)

    return shot


def test_every_partner_page_renders_on_realistic_data(live, page, tmp_path):
    data = busy_desk(live)
    shot = _shooter(page, tmp_path)
    page.goto("/login")
    shot("portal-login", "Sign in")
    login(page, "heron")
    shot("portal-dashboard", "port-out dashboard")
    expect(page.get_by_role("heading", name="Rejects waiting for a fix")).to_be_visible()
    page.goto("/portal/csr")
    shot("portal-csr-list", "CSR requests")
    page.goto("/portal/csr/new")
    shot("portal-csr-new", "Request a Customer Service Record")
    page.goto("/portal/csr/2")
    shot("portal-csr", "CSR 2")
    page.goto("/portal/lsrs/new?csr=2")
    shot("portal-lsr-new", "New LSR")
    expect(page.locator("#partial-table")).to_be_visible()
    follow(page, page.get_by_role("button", name="Check before sending"))
    expect(page.locator(".error-summary")).to_be_visible()
    shot("portal-lsr-check-errors", "New LSR")
    page.goto(f"/portal/orders/{data['rejected']['id']}")
    shot("portal-order-reject", "PON")
    expect(page.get_by_role("cell", name="R305")).to_be_visible()
    page.goto(f"/portal/orders/{data['expedite']['id']}")
    shot("portal-order-review", "PON")
    expect(page.locator(".clock").first).to_be_visible()
    page.goto(f"/portal/orders/{data['foc']['id']}")
    shot("portal-order-foc", "PON")
    expect(page.locator(".timeline")).to_contain_text("NPAC: SV created for 5415550142")
    page.goto(f"/portal/orders/{data['expedite']['id']}/correct")
    shot("portal-order-correct", "Correct PON")
    page.goto("/portal/orders")
    shot("portal-orders", "Orders")
    page.goto("/portal/escalation-contacts?state=OR")
    shot("portal-escalation-contacts", "Escalation contacts")
    page.goto("/profile")
    shot("portal-profile", "Your profile")
    page.goto("/portal/orders/999999")
    shot("portal-error", "Not found")


def test_every_partner_admin_page_renders(live, page, tmp_path):
    busy_desk(live)
    live.app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the sample host resolves nowhere here
    live.cli_ok("partner", "webhook", "--ccna", "BHW", "--url", "https://oss.example.net/hook",
                "--secret", "whsec_demo_secret_0123456789")
    shot = _shooter(page, tmp_path)
    login(page, "boss")
    shot("admin-home", "administration")
    page.goto("/admin/users")
    shot("admin-users", "Users")
    page.goto("/admin/users/new")
    shot("admin-user-new", "Add a user")
    page.get_by_label("Username").fill("sam.ortiz")
    page.get_by_label("Email").fill("sam.ortiz@heron.example")
    follow(page, page.get_by_role("button", name="Add the user"))
    shot("admin-user-created", "sam.ortiz is added")
    page.goto("/admin/users")
    follow(page, page.get_by_role("link", name="heron", exact=True))
    shot("admin-user-edit", "heron")
    page.goto("/admin/roles")
    page.get_by_label("Role name").fill("Order desk")
    page.locator("#privileges-1").check()
    follow(page, page.get_by_role("button", name="Create the role"))
    shot("admin-roles", "Named roles")
    follow(page, page.get_by_role("link", name="Order desk"))
    shot("admin-role-edit", "Role Order desk")
    page.goto("/admin/contacts")
    page.get_by_label("Name").fill("Heron port desk")
    page.get_by_label("Email").fill("portdesk@heron.example")
    page.get_by_label("Phone").fill("541 555 0188")
    for label in ("FOC", "Reject", "Jeopardy"):
        page.get_by_label(label, exact=True).check()
    follow(page, page.get_by_role("button", name="Add the contact"))
    shot("admin-contacts", "Notification contacts")
    follow(page, page.get_by_role("link", name="Heron port desk"))
    shot("admin-contact-edit", "Heron port desk")
    page.goto("/admin/tokens")
    page.get_by_label("Name").fill("OSS integration (prod)")
    follow(page, page.get_by_role("button", name="Make the token"))
    expect(page.locator("#secret")).to_have_value(re.compile(r"^pgt_"))
    shot("admin-token-created", "API token")
    page.goto("/admin/tokens")
    shot("admin-tokens", "API tokens")
    page.goto("/admin/webhook")
    shot("admin-webhook", "Webhook")
    page.goto("/admin/agents")
    shot("admin-agents", "Agent access")
    follow(page, page.get_by_role("link", name="What it did"))
    shot("admin-agent-activity", "Acme Porting Agents")


def test_pages_fit_a_390_px_phone(live, browser, tmp_path):
    data = busy_desk(live)
    context = browser.new_context(base_url=live.url, viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        shot = _shooter(phone, tmp_path)
        login(phone, "heron")
        for path, name, heading in (("/portal/", "portal-phone-dashboard", "dashboard"),
                                    ("/portal/lsrs/new?csr=2", "portal-phone-lsr", "New LSR"),
                                    (f"/portal/orders/{data['rejected']['id']}",
                                     "portal-phone-order", "PON")):
            phone.goto(path)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 392, f"{path} is {width}px wide"
            shot(name, heading)
        phone.get_by_role("button", name="Menu").click()
        expect(phone.get_by_role("link", name="Orders", exact=True)).to_be_visible()
        axe_check(phone)  # the menu open
    finally:
        context.close()
