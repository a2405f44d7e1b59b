"""Partner administration: named roles, contacts, API tokens, webhook and agent access."""
import re

import sqlalchemy as sa

from gateway.models import AgentApproval, ApiToken, Contact, Partner, Role
from tests.conftest import Api, Web


def _secret(page: str) -> str:
    return re.search(r'id="secret"[^>]*value="([^"]+)"', page).group(1)


def _one(store, query):
    store.expire_all()
    return store.scalar(query)


def test_roles_are_created_renamed_and_deleted_only_when_unused(admin, store, actors):
    assert admin.post("/admin/roles", {"name": "Read only", "privileges": ["view"]}
                      ).status_code == 302
    resp = admin.post("/admin/roles", {"name": "read ONLY", "privileges": ["csr"]})
    assert resp.status_code == 409 and b"exists already" in resp.data
    role = _one(store, sa.select(Role))
    heron = admin.get("/admin/users").get_data(as_text=True)
    uid = re.search(r'/admin/users/(\d+)">heron', heron).group(1)
    admin.post(f"/admin/users/{uid}", {"email": "heron@example.net", "role": "partner_user",
                                       "access": "named_role", "named_role": str(role.id)})
    resp = admin.post(f"/admin/roles/{role.id}/delete", follow_redirects=True)
    assert b"hold the role" in resp.data and _one(store, sa.select(Role)) is not None
    assert admin.post("/admin/roles", {"name": "", "privileges": []}).status_code == 422


def test_contacts_are_added_edited_and_the_last_holder_cannot_be_removed(admin, store):
    resp = admin.post("/admin/contacts", {"name": "Port desk", "email": "desk@heron.example",
                                          "phone": "+1 541 555 0100", "types": ["foc", "reject"]})
    assert resp.status_code == 302
    contact = _one(store, sa.select(Contact))
    assert contact.types == {"foc", "reject"} and contact.phone == "+1 541 555 0100"
    resp = admin.post(f"/admin/contacts/{contact.id}/remove", follow_redirects=True)
    assert b"must keep the contact type" in resp.data
    assert _one(store, sa.select(Contact)).removed_at is None
    resp = admin.post(f"/admin/contacts/{contact.id}", {"types": ["foc"]})
    assert resp.status_code == 409 and b"reject" in resp.data
    admin.post("/admin/contacts", {"name": "Night desk", "email": "night@heron.example",
                                   "phone": "5415550101", "types": ["foc", "reject"]})
    resp = admin.post(f"/admin/contacts/{contact.id}/remove", follow_redirects=True)
    assert b"Port desk removed" in resp.data
    page = admin.get("/admin/contacts").get_data(as_text=True)
    assert "Night desk" in page and "Port desk" not in page


def test_a_contact_needs_name_email_phone_and_a_type(admin, store):
    resp = admin.post("/admin/contacts", {"name": "", "email": "x", "phone": "", "types": []})
    assert resp.status_code == 422 and b"There is a problem" in resp.data
    assert _one(store, sa.select(sa.func.count()).select_from(Contact)) == 0


def test_tokens_are_shown_once_work_and_stop_when_revoked(client, admin, store):
    page = admin.get("/admin/tokens").get_data(as_text=True)
    uid = re.search(r'<option value="(\d+)">heron', page).group(1)
    resp = admin.post("/admin/tokens", {"user_id": uid, "name": "OSS (prod)",
                                        "expires_on": "2026-12-31"})
    token = _secret(resp.get_data(as_text=True))
    assert resp.headers["Cache-Control"] == "no-store" and token.startswith("pgt_")
    row = _one(store, sa.select(ApiToken).where(ApiToken.name == "OSS (prod)"))
    assert row.token_hash != token and row.expires_at.isoformat() == "2027-01-01T07:59:59+00:00"
    api = Api(client, token)
    assert api.get("/api/v1/lsrs").status_code == 200
    listing = admin.get("/admin/tokens").get_data(as_text=True)
    assert token not in listing and row.prefix in listing
    admin.post(f"/admin/tokens/{row.id}/revoke")
    assert api.get("/api/v1/lsrs").status_code == 401
    assert "revoked" in admin.get("/admin/tokens").get_data(as_text=True)


def test_a_token_cannot_expire_in_the_past_or_act_for_another_partner(admin, actors, store):
    page = admin.get("/admin/tokens").get_data(as_text=True)
    uid = re.search(r'<option value="(\d+)">heron', page).group(1)
    resp = admin.post("/admin/tokens", {"user_id": uid, "name": "old",
                                        "expires_on": "2026-11-01"})
    assert resp.status_code == 422 and b"must be in the future" in resp.data
    actors.partner("NWT", "Northwest Telco", spids=("N123",), type="clec")
    actors.user("nwt", partner="NWT")
    actors.token("nwt")
    foreign = _one(store, sa.select(ApiToken).order_by(ApiToken.id.desc()))
    assert foreign.user.username == "nwt"
    assert admin.post(f"/admin/tokens/{foreign.id}/revoke").status_code == 404
    assert _one(store, sa.select(ApiToken).where(ApiToken.id == foreign.id)).revoked_at is None


def test_the_webhook_secret_is_generated_kept_rotated_and_the_webhook_cleared(admin, store,
                                                                              fake_dns):
    fake_dns.update({"oss.heron.example": ["93.184.215.14"],
                     "oss2.heron.example": ["93.184.215.15"]})
    page = admin.post("/admin/webhook", {"url": "https://oss.heron.example/lnp"}
                      ).get_data(as_text=True)
    first = _secret(page)
    partner = _one(store, sa.select(Partner).where(Partner.ccna == "BHW"))
    assert partner.webhook_url == "https://oss.heron.example/lnp"
    assert partner.webhook_secret == first
    assert admin.post("/admin/webhook", {"url": "https://oss2.heron.example/lnp"}
                      ).status_code == 302
    partner = _one(store, sa.select(Partner).where(Partner.ccna == "BHW"))
    assert partner.webhook_secret == first and partner.webhook_url.startswith("https://oss2")
    rotated = _secret(admin.post("/admin/webhook/rotate").get_data(as_text=True))
    assert rotated != first
    assert _one(store, sa.select(Partner.webhook_secret).where(Partner.ccna == "BHW")
                ) == rotated
    assert admin.post("/admin/webhook", {"url": ""}).status_code == 302
    assert _one(store, sa.select(Partner.webhook_url).where(Partner.ccna == "BHW")) is None


def test_a_bad_webhook_url_is_refused_and_changes_nothing(admin, store):
    resp = admin.post("/admin/webhook", {"url": "ftp://files.example/x",
                                         "secret": "0123456789abcdef"})
    assert resp.status_code == 422 and b"is not an http or https URL" in resp.data
    assert _one(store, sa.select(Partner.webhook_url).where(Partner.ccna == "BHW")) is None


def test_an_agent_is_approved_seen_at_work_and_revoked(client, admin, actors, store):
    actors.partner("ACE", "Acme Porting Agents", spids=(), type="agent")
    actors.user("ace", partner="ACE")
    resp = admin.post("/admin/agents", {"agent_ccna": "ace", "privileges": ["csr", "view"]})
    assert resp.status_code == 302
    approval = _one(store, sa.select(AgentApproval))
    assert approval.privileges == {"csr", "view"}
    ace = Api(client, actors.token("ace"))
    loa = {"filename": "loa.pdf", "content_base64": "JVBERi0xLjQK"}
    csr = ace.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y", "ccna": "BHW",
                                            "loa": loa}).get_json()
    assert csr["status"] == "returned"
    page = admin.get(f"/admin/agents/{approval.id}/activity").get_data(as_text=True)
    assert f"CSR {csr['id']}" in page and "csr.disclosed" in page
    assert admin.post(f"/admin/agents/{approval.id}/revoke").status_code == 302
    again = ace.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y",
                                              "ccna": "BHW", "loa": loa}).get_json()
    assert [r["code"] for r in again["rejects"]] == ["R104"]
    assert "revoked" in admin.get("/admin/agents").get_data(as_text=True)


def test_only_active_agent_companies_can_be_approved(admin, actors, store):
    actors.partner("NWT", "Northwest Telco", spids=("N123",), type="clec")
    resp = admin.post("/admin/agents", {"agent_ccna": "NWT", "privileges": ["csr"]})
    assert resp.status_code == 404 and b"No active agent company" in resp.data
    resp = admin.post("/admin/agents", {"agent_ccna": "ZZZ", "privileges": ["csr"]})
    assert resp.status_code == 404
    assert _one(store, sa.select(sa.func.count()).select_from(AgentApproval)) == 0


def test_an_agent_sees_who_approved_it(client, heron, actors, cli):
    actors.partner("ACE", "Acme Porting Agents", spids=(), type="agent")
    actors.user("aceadmin", role="partner_admin", partner="ACE")
    cli("partner", "grant", "--carrier", "BHW", "--agent", "ACE", "--privilege", "lsr")
    Web(client).login("aceadmin")
    page = client.get("/admin/agents").get_data(as_text=True)
    assert "Blue Heron Wireless" in page and "lsr" in page and "Approve an agent" not in page


def test_a_token_expiry_beyond_ten_years_is_a_form_error_and_the_list_always_shows(
        admin, store):
    """An expiry date of 9999-12-31 made the end of that day overflow (a 500); one issued from
    UTC then broke the token list for admins east of UTC."""
    from gateway.models import User
    heron = store.scalar(sa.select(User).where(User.username == "heron"))
    far = admin.post("/admin/tokens", {"user_id": str(heron.id), "name": "oss",
                                        "expires_on": "9999-12-31"})
    assert far.status_code in (400, 422) and "ten years" in far.get_data(as_text=True)
    assert store.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(
        ApiToken.name == "oss")) == 0
    admin.post("/profile", {"email": "boss@example.net", "timezone": "Asia/Tokyo"})
    assert admin.get("/admin/tokens").status_code == 200


def test_a_webhook_url_urlparse_cannot_read_is_a_form_error(admin):
    resp = admin.post("/admin/webhook", {"url": "http://[::1", "secret": "s" * 20})
    assert resp.status_code == 422 and "is not a URL" in resp.get_data(as_text=True)
