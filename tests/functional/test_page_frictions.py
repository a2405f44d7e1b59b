"""Pages that used to answer the wrong thing: exports past an error, pages past the end,
403s without a word of why, one form error at a time."""
import json

import pytest

from tests.conftest import EXAMPLES, Web


def body(**changes):
    return {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes}


def test_an_export_with_a_bad_date_is_refused_like_the_page_not_everything(web, heron):
    heron.post("/api/v1/lsrs", body())
    resp = web.get("/portal/orders.csv?date_from=bad")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Nothing was exported" in text and "Received from" in text
    assert "BHW20261123A" not in text
    assert web.get("/portal/orders.csv?date_from=2026-11-01").status_code == 200


def test_a_page_past_the_end_says_so_and_links_the_last_page(web, heron):
    heron.post("/api/v1/lsrs", body())
    page = web.get("/portal/orders?page=99999").get_data(as_text=True)
    assert "No orders yet" not in page
    assert "Page 99999 is past the end: 1 order on 1 page" in page
    assert "page=1" in page


@pytest.mark.parametrize("path,who", [("/admin/", "your company&#39;s administrators"),
                                      ("/staff/", "the carrier&#39;s LNP desk"),
                                      ("/staff/accounts", "the carrier&#39;s LNP desk")])
def test_a_403_page_says_who_the_page_is_for(web, path, who):
    resp = web.get(path, headers={"Accept": "text/html"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 403 and "Not allowed" in page
    assert who in page and "signed in as heron" in page
    assert "read-protected" not in page


def test_a_staff_admin_page_refuses_plain_staff_with_a_reason(client, actors):
    actors.user("desk1", partner=None, role="staff")
    web = Web(client)
    web.login("desk1")
    resp = web.get("/staff/partners/new", headers={"Accept": "text/html"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 403 and "the LNP desk&#39;s administrators" in page


def test_the_webhook_form_shows_every_error_at_once(admin):
    resp = admin.post("/admin/webhook", {"url": "ftp://oss.example.net/x", "secret": "short"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "is not an http or https URL" in page and "at least 16 characters" in page.lower()
