"""Notification preferences and the webhook test in a real browser (issue 15): the checkbox
groups of the contacts and webhook pages, every webhook form error at once, "Send test notice"
answered on the page."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.portal_data import carrier
from tests.integration.test_webhook_addresses import Receiver


def _events(page):
    return page.get_by_role("group", name=re.compile("^Events this contact receives"))


def test_a_contact_gets_the_events_ticked_and_the_list_says_so(live, page):
    carrier(live)
    login(page, "boss")
    page.goto("/admin/contacts")
    page.get_by_label("Name").fill("Night desk")
    page.get_by_label("Email").fill("night@heron.example")
    page.get_by_label("Phone").fill("541 555 0101")
    page.get_by_label("Jeopardy", exact=True).check()
    events = _events(page)
    expect(events.get_by_role("checkbox", checked=True)).to_have_count(6)
    expect(events.get_by_role("checkbox", name=re.compile("^Batches"))).not_to_be_checked()
    events.get_by_role("checkbox", name=re.compile("^Notes")).uncheck()
    page.get_by_role("button", name="Add the contact").click()
    row = page.get_by_role("row", name=re.compile("Night desk"))
    expect(row).to_contain_text("expiry, jeopardy")
    expect(row).not_to_contain_text("notes")

    page.get_by_role("link", name="Night desk").click()
    events = _events(page)
    expect(events.get_by_role("checkbox", name=re.compile("^Notes"))).not_to_be_checked()
    expect(events.get_by_role("checkbox", name=re.compile("^Expiry"))).to_be_checked()
    events.get_by_role("checkbox", name=re.compile("^Batches")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Night desk saved.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Night desk"))).to_contain_text("batches")


@pytest.mark.live_config(WEBHOOK_ALLOW_PRIVATE=True)  # the receiver listens on 127.0.0.1
def test_the_webhook_page_keeps_its_boxes_and_sends_a_test_notice(live, page):
    carrier(live)
    hook = Receiver(status=204)
    try:
        login(page, "boss")
        page.goto("/admin/webhook")
        page.get_by_label("Webhook URL").fill("ftp://files.example/x")
        page.get_by_label("Signing secret").fill("short")
        page.get_by_role("button", name="Save").click()
        summary = page.locator(".error-summary")
        expect(summary.get_by_role("listitem")).to_have_count(2)
        expect(summary).to_contain_text("Webhook URL")
        expect(summary).to_contain_text("Signing secret")

        page.get_by_label("Webhook URL").fill(hook.url)
        page.get_by_label("Signing secret").fill("")
        boxes = page.get_by_role("group", name=re.compile("^Events the webhook receives"))
        boxes.get_by_role("checkbox", name=re.compile("^Completion")).uncheck()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", name="Webhook signing secret")).to_be_visible()
        page.get_by_role("link", name="Done").click()

        boxes = page.get_by_role("group", name=re.compile("^Events the webhook receives"))
        expect(boxes.get_by_role("checkbox", name=re.compile("^Completion"))).not_to_be_checked()
        expect(boxes.get_by_role("checkbox", name=re.compile("^FOC"))).to_be_checked()
        page.get_by_role("button", name="Send test notice").click()
        expect(page.get_by_text(re.compile(r"your webhook answered HTTP 204"))).to_be_visible()
        assert [json.loads(body)["event"] for _h, body in hook.requests] == ["webhook.test"]
    finally:
        hook.server.shutdown()
        hook.server.server_close()
