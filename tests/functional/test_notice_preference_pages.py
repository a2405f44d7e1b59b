"""The partner administrator's pages for notification preferences and the webhook's "Send test
notice" (issue 15): checkbox groups on the contact, user and webhook pages, every form error at
once, audited changes; a signed `webhook.test` whose answer the page shows without an oracle."""
import hashlib
import hmac
import json
import re
import socket

import sqlalchemy as sa

from gateway.models import AuditEvent, Contact, Delivery, Notice, Partner, User

SECRET = "whsec-test-0123456789"


def _fresh(store, query):
    store.expire_all()
    return store.scalar(query)


def _audit(store, action):
    return _fresh(store, sa.select(AuditEvent).where(AuditEvent.action == action)
                  .order_by(AuditEvent.id.desc()))


def _ticked(page: str, name: str) -> list[str]:
    return sorted(re.findall(rf'<input checked[^>]*name="{name}"[^>]*value="([a-z]+)"', page)
                  + re.findall(rf'<input[^>]*name="{name}"[^>]*value="([a-z]+)"[^>]*checked',
                               page))


def test_a_contact_is_added_with_events_unticked_and_the_list_says_what_it_receives(admin,
                                                                                   store):
    form = admin.get("/admin/contacts").get_data(as_text=True)
    assert _ticked(form, "notify") == ["completion", "expiry", "foc", "jeopardy", "notes",
                                       "reject"]  # the default: as today, batches opt-in
    resp = admin.post("/admin/contacts", {"name": "Night desk", "email": "night@heron.example",
                                          "phone": "5415550101", "types": ["foc", "jeopardy"],
                                          "notify": ["foc", "expiry", "completion"]})
    assert resp.status_code == 302
    contact = _fresh(store, sa.select(Contact))
    assert contact.notify == {"foc", "expiry", "completion"}
    row = re.search(r"Night desk</a>.*?</tr>", admin.get("/admin/contacts").get_data(
        as_text=True), re.S).group(0)
    assert "<td>foc, expiry</td>" in row  # completion is ticked, but no type brings it
    assert _audit(store, "contact.added").after["notify"] == ["completion", "expiry", "foc"]


def test_a_contact_page_shows_its_events_and_saves_a_change_audited(admin, store):
    admin.post("/admin/contacts", {"name": "Desk", "email": "desk@heron.example",
                                   "phone": "5415550101", "types": ["jeopardy"],
                                   "notify": ["jeopardy", "notes"]})
    contact = _fresh(store, sa.select(Contact))
    page = admin.get(f"/admin/contacts/{contact.id}").get_data(as_text=True)
    assert _ticked(page, "notify") == ["jeopardy", "notes"]
    assert "<legend>Events this contact receives</legend>" in page
    resp = admin.post(f"/admin/contacts/{contact.id}", {"types": ["jeopardy"],
                                                        "notify": ["expiry", "batches"]})
    assert resp.status_code == 302
    assert _fresh(store, sa.select(Contact)).notify == {"expiry", "batches"}
    event = _audit(store, "contact.types_changed")
    assert (event.before["notify"], event.after["notify"]) == (["jeopardy", "notes"],
                                                              ["batches", "expiry"])


def test_a_contact_form_reports_every_error_at_once(admin, store):
    resp = admin.post("/admin/contacts", {"name": "", "email": "x", "phone": "541-555-01",
                                          "types": [], "notify": ["sms"]})
    page = resp.get_data(as_text=True)
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert resp.status_code == 422
    for label in ("Name", "Email", "Phone", "Notices this contact receives",
                  "Events this contact receives"):
        assert f">{label}:" in summary, label
    assert _fresh(store, sa.select(sa.func.count()).select_from(Contact)) == 0


def test_the_user_page_sets_the_events_the_user_receives(admin, store):
    uid = re.search(r'/admin/users/(\d+)">heron', admin.get("/admin/users").get_data(
        as_text=True)).group(1)
    page = admin.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert "<legend>Events this user receives</legend>" in page
    resp = admin.post(f"/admin/users/{uid}", {
        "email": "heron@example.net", "role": "partner_user", "access": "privileges",
        "privileges": ["csr", "lsr", "view"], "contact_types": ["foc"],
        "notify": ["foc", "batches"]})
    assert resp.status_code == 302
    user = _fresh(store, sa.select(User).where(User.username == "heron"))
    assert user.notify == {"foc", "batches"} and user.contact_types == {"foc"}
    assert _audit(store, "user.notify_changed").after == {"notify": ["batches", "foc"]}
    assert _ticked(admin.get(f"/admin/users/{uid}").get_data(as_text=True), "notify") == [
        "batches", "foc"]
    listing = admin.get("/admin/contacts").get_data(as_text=True)
    assert "receives foc, batches" in listing


def test_the_webhook_page_saves_its_events_and_reports_every_error_at_once(app, admin, store):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    resp = admin.post("/admin/webhook", {"url": "ftp://files.example/x", "secret": "short",
                                         "events": ["foc", "sms"]})
    summary = resp.get_data(as_text=True).split('class="error-summary"')[1].split("</div>")[0]
    assert resp.status_code == 422
    for label in ("Webhook URL", "Signing secret", "Events the webhook receives"):
        assert f">{label}:" in summary, label
    resp = admin.post("/admin/webhook", {"url": "http://127.0.0.1:9/hooks", "secret": SECRET,
                                         "events": ["foc", "reject", "batches"]})
    assert resp.status_code == 302
    partner = _fresh(store, sa.select(Partner).where(Partner.ccna == "BHW"))
    assert partner.webhook_events == {"foc", "reject", "batches"}
    event = _audit(store, "partner.webhook_events")
    assert event.before["events"] == ["batches", "completion", "expiry", "foc", "jeopardy",
                                      "notes", "reject"]
    assert event.after == {"events": ["batches", "foc", "reject"]}
    page = admin.get("/admin/webhook").get_data(as_text=True)
    assert _ticked(page, "events") == ["batches", "foc", "reject"]


def _set_hook(app, admin, url):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    assert admin.post("/admin/webhook", {"url": url, "secret": SECRET,
                                         "events": ["foc"]}).status_code == 302


def test_send_test_notice_posts_a_signed_webhook_test_and_shows_the_answer(app, admin, store,
                                                                          receiver):
    hook = receiver(status=204)
    _set_hook(app, admin, hook.url)
    page = admin.post("/admin/webhook/test", follow_redirects=True).get_data(as_text=True)
    headers, body = hook.requests[0]
    payload = json.loads(body)
    assert payload["event"] == headers["X-Portgate-Event"] == "webhook.test"
    assert payload["id"] == headers["X-Portgate-Delivery"] and payload["data"]["test"] is True
    assert headers["X-Portgate-Signature"] == "sha256=" + hmac.new(
        SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert f"Test notice {payload['id']} sent: your webhook answered HTTP 204." in page
    event = _audit(store, "partner.webhook_tested")
    assert event.after == {"url": hook.url, "outcome": "HTTP 204"}
    assert event.details["delivery_id"] == payload["id"]
    # tried once, never queued: nothing for the worker to retry, no notice to anyone
    assert _fresh(store, sa.select(sa.func.count()).select_from(Delivery)
                  .join(Notice).where(Notice.event == "webhook.test")) == 0


def test_a_failing_receiver_is_shown_its_http_status(app, admin, store, receiver):
    hook = receiver(status=503)
    _set_hook(app, admin, hook.url)
    page = admin.post("/admin/webhook/test", follow_redirects=True).get_data(as_text=True)
    assert len(hook.requests) == 1 and "failed: HTTP 503." in page
    assert _audit(store, "partner.webhook_tested").after["outcome"] == "HTTP 503"


def test_an_unreachable_receiver_says_connection_failed_and_nothing_more(app, admin, store):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _set_hook(app, admin, f"http://127.0.0.1:{port}/hooks")
    page = admin.post("/admin/webhook/test", follow_redirects=True).get_data(as_text=True)
    assert "failed: connection failed." in page
    assert not re.search(r"refused|Errno|ConnectError|timed out", page, re.I)


def test_a_webhook_host_now_resolving_to_a_private_address_is_not_called(app, admin, store,
                                                                        fake_dns, receiver):
    hook = receiver(status=204)
    fake_dns["oss.heron.example"] = ["93.184.215.14"]
    _set_hook(app, admin, f"http://oss.heron.example:{hook.port}/hooks")
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    fake_dns["oss.heron.example"] = ["127.0.0.1"]  # DNS changed after the URL was saved
    page = admin.post("/admin/webhook/test", follow_redirects=True).get_data(as_text=True)
    assert hook.requests == [] and "failed: connection failed." in page
    assert "127.0.0.1" not in page


def test_send_test_notice_without_a_webhook_says_to_set_one(admin, store):
    page = admin.post("/admin/webhook/test", follow_redirects=True).get_data(as_text=True)
    assert "Set a webhook URL first." in page
    assert "Send test notice" not in page  # the button shows only with a webhook
    assert _audit(store, "partner.webhook_tested") is None
