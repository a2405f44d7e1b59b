"""Signing in and out through the real login page in Chromium."""
from tests.browser.conftest import login


def test_partner_user_signs_in_and_sees_the_dashboard_then_signs_out(live, page):
    live.actors.partner()
    live.actors.user("heron")
    login(page, "heron")
    assert page.url.endswith("/portal/")
    assert page.get_by_text("heron").first.is_visible()
    page.get_by_role("button", name="Sign out").click()
    assert "/login" in page.url
    assert page.get_by_text("You are signed out.").is_visible()


def test_wrong_password_keeps_the_user_on_the_login_page_with_an_error(live, page):
    live.actors.partner()
    live.actors.user("heron")
    login(page, "heron", "not-the-password")
    assert "/login" in page.url
    assert page.get_by_text("Invalid username or password.").is_visible()
