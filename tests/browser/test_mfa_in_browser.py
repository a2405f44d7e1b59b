"""Two-step sign-in in Chromium (business-rules §1.3.1): a staff admin enrols by QR code, signs
in with a code, then with a recovery code, and is signed out after 30 idle minutes of wall-clock
time. With PORTGATE_SCREENSHOTS=1 it saves docs/screenshots/mfa-*.png."""
from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect

from gateway import clock
from tests.browser.conftest import follow, login

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class WallClock:
    """The server's wall clock (gateway.clock.wall_now), moved by the test."""

    def __init__(self, monkeypatch):
        self.offset = timedelta(0)
        monkeypatch.setattr(clock, "wall_now", self.now)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta) -> None:
        self.offset += timedelta(**delta)


@pytest.mark.live_config(MFA_REQUIRED_ROLES=None)  # the carrier profile's roles, as in production
def test_staff_admin_enrols_signs_in_with_a_code_and_a_recovery_code_then_idles_out(
        live, page, monkeypatch, tmp_path):
    shots = DOCS if os.environ.get("PORTGATE_SCREENSHOTS") else tmp_path
    wall = WallClock(monkeypatch)
    live.actors.user("deskadmin", role="staff_admin", partner=None)

    # first sign-in: the password, then the QR code and its key
    login(page, "deskadmin")
    expect(page).to_have_url(re.compile(r"/login/enrol$"))
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    page.screenshot(path=str(shots / "mfa-enrol.png"), full_page=True)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code").fill(totp.at(wall.now()))
    follow(page, page.get_by_role("button", name="Turn on two-step sign-in"))
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    codes = page.locator("#recovery-codes li").all_inner_texts()
    page.screenshot(path=str(shots / "mfa-recovery-codes.png"), full_page=True)
    follow(page, page.get_by_role("link", name=re.compile("continue")))
    expect(page).to_have_url(re.compile(r"/staff/$"))
    follow(page, page.get_by_role("button", name="Sign out"))

    # second sign-in: the password, then a code from the app (a later time step)
    wall.advance(seconds=30)
    login(page, "deskadmin")
    expect(page).to_have_url(re.compile(r"/login/code$"))
    page.screenshot(path=str(shots / "mfa-code.png"), full_page=True)
    page.get_by_label("Code").fill(totp.at(wall.now()))
    follow(page, page.get_by_role("button", name="Verify"))
    expect(page).to_have_url(re.compile(r"/staff/$"))
    follow(page, page.get_by_role("button", name="Sign out"))

    # third: no phone at hand, a recovery code instead
    login(page, "deskadmin")
    page.get_by_label("Code").fill(codes[0])
    follow(page, page.get_by_role("button", name="Verify"))
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_text("You used a recovery code; 9 are left")).to_be_visible()

    # 31 minutes without a request: the next page is the login, saying why
    wall.advance(minutes=31)
    page.goto("/staff/partners")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_text("signed out after 30 minutes without activity")).to_be_visible()
    page.screenshot(path=str(shots / "mfa-signed-out.png"), full_page=True)

    # the recovery code used once does not work again
    login(page, "deskadmin")
    page.get_by_label("Code").fill(codes[0])
    follow(page, page.get_by_role("button", name="Verify"))
    expect(page.get_by_text("That code is not right").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/code$"))
