"""Partner administration in a real browser: a disabled user cannot sign in; a new user's
temporary password works."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import follow, login
from tests.browser.portal_data import carrier


def test_partner_admin_disables_a_user_who_then_cannot_sign_in(live, page):
    carrier(live)
    login(page, "boss")
    follow(page, page.get_by_role("link", name="Users").first)
    follow(page, page.get_by_role("link", name="heron"))
    page.once("dialog", lambda dialog: dialog.accept())
    follow(page, page.get_by_role("button", name="Disable heron"))
    expect(page.get_by_text("heron is disabled")).to_be_visible()
    row = page.get_by_role("row", name="heron")
    expect(row).to_contain_text("disabled 2026-11-23")
    follow(page, page.get_by_role("button", name="Sign out"))
    login(page, "heron")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_text("This account is disabled")).to_be_visible()


def test_a_canceled_confirmation_leaves_the_user_active(live, page):
    carrier(live)
    login(page, "boss")
    page.goto("/admin/users")
    follow(page, page.get_by_role("link", name="heron"))  # its script asks for confirmation
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Disable heron").click()
    page.goto("/admin/users")
    expect(page.get_by_role("row", name="heron")).to_contain_text("active")


def test_partner_admin_adds_a_user_who_signs_in_with_the_temporary_password(live, page,
                                                                           browser):
    carrier(live)
    login(page, "boss")
    page.goto("/admin/users/new")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Email").fill("sam@heron.example")
    page.get_by_label("a named role").check()
    expect(page.locator('[data-when="privileges"]')).to_be_hidden()
    page.get_by_label("the privileges ticked below").check()
    page.get_by_label("lsr · send LSRs and supplements").check()
    page.get_by_label("FOC", exact=True).check()
    follow(page, page.get_by_role("button", name="Add the user"))
    expect(page.locator("#secret")).to_have_value(re.compile(r"\S"))
    password = page.locator("#secret").input_value()
    assert len(password) == 16
    other = browser.new_context(base_url=live.url)
    try:
        tab = other.new_page()
        login(tab, "sam", password)
        # the password is temporary (§1.3.1): sam chooses one before anything else
        expect(tab.get_by_role("heading", level=1)).to_contain_text("Choose a new password")
        tab.get_by_label("Temporary password").fill(password)
        tab.get_by_label("New password", exact=True).fill("Blue-Sky-Pass-2026!")
        tab.get_by_label("Repeat the new password").fill("Blue-Sky-Pass-2026!")
        tab.get_by_role("button", name="Set my password").click()
        expect(tab.get_by_role("heading", level=1)).to_contain_text("port-out dashboard")
        expect(tab.get_by_role("link", name="New LSR").first).to_be_visible()
    finally:
        other.close()
