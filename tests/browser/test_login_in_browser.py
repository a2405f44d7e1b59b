"""Signing in and out through the real login page in Chromium."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import follow, login


def test_partner_user_signs_in_and_sees_the_dashboard_then_signs_out(live, page):
    live.actors.partner()
    live.actors.user("heron")
    login(page, "heron")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_text("heron").first).to_be_visible()
    follow(page, page.get_by_role("button", name="Sign out"))
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_wrong_password_keeps_the_user_on_the_login_page_with_an_error(live, page):
    live.actors.partner()
    live.actors.user("heron")
    login(page, "heron", "not-the-password")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_text("Invalid username or password.")).to_be_visible()
