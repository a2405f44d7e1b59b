"""A walk through every partner and administration page on realistic data, at 1280 px and on a
390 px phone; with PORTGATE_SCREENSHOTS=1 it saves docs/screenshots/portal-*.png, admin-*.png."""
from __future__ import annotations

import os
import re
from pathlib import Path

from tests.browser.conftest import login
from tests.browser.portal_data import busy_desk

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shooter(page, tmp_path):
    target = DOCS if os.environ.get("PORTGATE_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)

    def shot(name: str, heading: str) -> None:
        assert page.get_by_role("heading", level=1).first.inner_text().find(heading) >= 0, \
            f"{name}: {page.url}"
        assert not page.locator(".error-summary").count() or name.endswith("errors")
        page.screenshot(path=str(target / f"{name}.png"), full_page=True)

    return shot


def test_every_partner_page_renders_on_realistic_data(live, page, tmp_path):
    data = busy_desk(live)
    shot = _shooter(page, tmp_path)
    page.goto("/login")
    shot("portal-login", "Sign in")
    login(page, "heron")
    shot("portal-dashboard", "port-out dashboard")
    assert page.get_by_role("heading", name="Rejects waiting for a fix").is_visible()
    page.goto("/portal/csr")
    shot("portal-csr-list", "CSR requests")
    page.goto("/portal/csr/new")
    shot("portal-csr-new", "Request a Customer Service Record")
    page.goto("/portal/csr/2")
    shot("portal-csr", "CSR 2")
    page.goto("/portal/lsrs/new?csr=2")
    shot("portal-lsr-new", "New LSR")
    assert page.locator("#partial-table").is_visible()
    page.get_by_role("button", name="Check before sending").click()
    assert page.locator(".error-summary").is_visible()
    shot("portal-lsr-check-errors", "New LSR")
    page.goto(f"/portal/orders/{data['rejected']['id']}")
    shot("portal-order-reject", "PON")
    assert page.get_by_role("cell", name="R305").is_visible()
    page.goto(f"/portal/orders/{data['expedite']['id']}")
    shot("portal-order-review", "PON")
    assert page.locator(".clock").first.is_visible()
    page.goto(f"/portal/orders/{data['foc']['id']}")
    shot("portal-order-foc", "PON")
    assert page.locator(".timeline").inner_text().find("NPAC: SV created for 5415550142") >= 0
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
    page.get_by_role("button", name="Add the user").click()
    shot("admin-user-created", "sam.ortiz is added")
    page.goto("/admin/users")
    page.get_by_role("link", name="heron", exact=True).click()
    shot("admin-user-edit", "heron")
    page.goto("/admin/roles")
    page.get_by_label("Role name").fill("Order desk")
    page.locator("#privileges-1").check()
    page.get_by_role("button", name="Create the role").click()
    shot("admin-roles", "Named roles")
    page.get_by_role("link", name="Order desk").click()
    shot("admin-role-edit", "Role Order desk")
    page.goto("/admin/contacts")
    page.get_by_label("Name").fill("Heron port desk")
    page.get_by_label("Email").fill("portdesk@heron.example")
    page.get_by_label("Phone").fill("541 555 0188")
    for label in ("FOC", "Reject", "Jeopardy"):
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Add the contact").click()
    shot("admin-contacts", "Notification contacts")
    page.get_by_role("link", name="Heron port desk").click()
    shot("admin-contact-edit", "Heron port desk")
    page.goto("/admin/tokens")
    page.get_by_label("Name").fill("OSS integration (prod)")
    page.get_by_role("button", name="Make the token").click()
    assert re.match(r"pgt_", page.locator("#secret").input_value())
    shot("admin-token-created", "API token")
    page.goto("/admin/tokens")
    shot("admin-tokens", "API tokens")
    page.goto("/admin/webhook")
    shot("admin-webhook", "Webhook")
    page.goto("/admin/agents")
    shot("admin-agents", "Agent access")
    page.get_by_role("link", name="What it did").click()
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
        assert phone.get_by_role("link", name="Orders", exact=True).is_visible()
    finally:
        context.close()
