"""The isolation matrix: every route × every kind of actor, with the answer each must get.

To cover a new route, add a row to ROUTES: its endpoint, method, path (placeholders are filled
from the world's objects of partner A, see OBJECT_PARAMS) and the expected answer per actor
kind, built with `api(...)`, `staff_api(...)`, `page(...)` or `everyone(...)`.
`test_every_route_has_a_row` fails until the row exists.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.security.world import (
    A_ADMIN,
    A_SIDE,
    A_USER,
    ANON,
    B_SIDE,
    B_USER,
    DEAD,
    DISABLED,
    KINDS,
    ROLES,
    STAFF_SIDE,
    SUSPENDED,
    World,
    build_world,
    passcode_of,
    privileges_of,
    simple_port,
)

# a URL parameter -> the world's id of partner A's object of that kind
OBJECT_PARAMS = {"lsr_id": "lsr_id", "req_id": "req_id", "sv_id": "sv_id", "loa_id": "loa_id",
                 "escalation_id": "escalation_id", "user_id": "user_id",
                 "contact_id": "contact_id", "token_id": "token_id", "role_id": "role_id",
                 "order_id": "lsr_id", "csr_id": "req_id", "approval_id": "approval_id",
                 "delivery_id": "delivery_id", "request_id": "request_id", "note_id": "note_id",
                 "batch_id": "batch_id"}
CARRIER_PARAMS = {"account_number", "tn", "filename", "partner_id", "ccna", "state", "action",
                  "token"}
PORTAL = ("partner_admin", "partner_user")
ADMIN = ("partner_admin",)
DESK = ("staff", "staff_admin")
EVERY_ROLE = PORTAL + DESK


# --- expected answers -----------------------------------------------------------------------
def everyone(status: int, **overrides: int) -> dict[str, int]:
    return {kind: overrides.get(kind, status) for kind in KINDS}


def api(ok: int, *, need: str | tuple[str, ...] | None = None, other: int | None = None,
        staff: int = 403) -> dict[str, int]:
    """A partner API route: 401 without live credentials, 403 lacking `need` (a tuple: any one
    of them; and staff on partner writes), `other` for partner B (404 on partner A's objects),
    else `ok`."""
    out = {kind: 401 for kind in DEAD}
    out.update({kind: staff for kind in STAFF_SIDE})
    needs = set((need,) if isinstance(need, str) else need or ())
    for kind in A_SIDE + B_SIDE:
        out[kind] = 403 if needs and not needs & privileges_of(kind) else ok
        if kind in B_SIDE and other is not None and out[kind] != 403:
            out[kind] = other
    return out


def staff_api(ok: int) -> dict[str, int]:
    out = everyone(403, **{kind: 401 for kind in DEAD})
    out.update({kind: ok for kind in STAFF_SIDE})
    return out


def page(ok, *, roles=PORTAL, need: str | tuple[str, ...] | None = None,
         other: int | None = None) -> dict[str, int]:
    """A portal page: 302 to the login page without a live session, 403 for other roles or
    lacking `need` (a tuple: any one of them), `other` for partner B's people (404 on partner
    A's objects)."""
    out = {kind: 302 for kind in DEAD}
    needs = set((need,) if isinstance(need, str) else need or ())
    for kind in A_SIDE + B_SIDE + STAFF_SIDE:
        role = ROLES.get(kind, "partner_user")
        allowed = role in roles and (not needs or bool(needs & privileges_of(kind)))
        out[kind] = ok if allowed else 403
        if allowed and kind in B_SIDE and other is not None:
            out[kind] = other
    return out


LIVE_PAGE = {kind: 302 for kind in A_SIDE + B_SIDE + STAFF_SIDE}
# an empty form posted by someone allowed: the handler refuses it (400 or 422, the page's
# choice); what matters here is that it got past sign-in, role, privilege and ownership
INVALID_FORM = (400, 422)


@dataclass
class Route:
    endpoint: str
    method: str
    path: str
    expect: dict[str, int]
    body: Callable[[World, str], dict] | None = None
    prepare: Callable[[World], dict] | None = None
    form: bool = False
    last: bool = False  # ends the session (logout): run after every other row


def _csr(world: World, kind: str) -> dict:
    return {"tn": world.fresh_tn(), "agauth": "Y"}


def _lsr(world: World, kind: str) -> dict:
    return simple_port(world.fresh_tn(), world.pon(), ccna="SWC" if kind in B_SIDE else "BHW",
                       cc="SW01" if kind in B_SIDE else "B451")


def _sup(world: World, kind: str) -> dict:
    n = next(world.counter)
    return {"sup": "2", "ver": "ABCDEFGHJK"[n % 10] + "0123456789"[n // 10 % 10],
            "ddd": "2026-11-30"}


def _sv(world: World, kind: str) -> dict:
    spid = "SW01" if kind in B_SIDE else "B451"
    return {"tn": world.fresh_tn(), "new_spid": spid, "lrn": "5419990000",
            "due_date": "2026-11-24"}


def _manual_lsr(world: World, kind: str) -> dict:
    return {"partner_ccna": "BHW", "channel": "fax", "received_at": "2026-11-23T09:00:00-08:00",
            "lsr": simple_port(world.fresh_tn(), world.pon())}


def _manual_csr(world: World, kind: str) -> dict:
    return {"partner_ccna": "BHW", "channel": "email",
            "received_at": "2026-11-23T09:00:00-08:00",
            "request": {"tn": world.fresh_tn(), "agauth": "Y"}}


def _batch(world: World) -> dict:
    """A queued LSR batch of partner A."""
    resp = world.api(A_USER).post("/api/v1/lsr-batches", {"lsrs": [
        simple_port(world.fresh_tn(), world.pon())]})
    assert resp.status_code == 202, resp.get_json()
    return {"batch_id": resp.get_json()["id"]}


def _pending_sv(world: World) -> dict:
    order = world.api(A_USER).post("/api/v1/lsrs", simple_port(world.fresh_tn(), world.pon()))
    tn = order.get_json()["foc"]["tns"][0]
    sv = world.api(A_USER).post("/api/v1/npac/subscriptions", {
        "tn": tn, "new_spid": "B451", "lrn": "5419990000", "due_date": "2026-11-24"})
    assert sv.get_json()["status"] == "pending", sv.get_json()
    return {"sv_id": sv.get_json()["id"]}


LOGIN_PAGE = everyone(302, **{ANON: 200, DISABLED: 200, SUSPENDED: 200})

ROUTES = [
    # service endpoints and static files: public
    Route("health.healthz", "GET", "/healthz", everyone(200)),
    Route("health.readyz", "GET", "/readyz", everyone(200)),
    Route("static", "GET", "/static/portgate.css", everyone(200)),
    Route("api.openapi", "GET", "/api/v1/openapi.json", everyone(200)),
    # sign-in pages
    Route("auth.index", "GET", "/", everyone(302)),
    Route("auth.login", "GET", "/login", LOGIN_PAGE),
    Route("auth.login", "POST", "/login", LOGIN_PAGE, form=True,
          body=lambda w, k: {"username": "nobody", "password": "wrong-password"}),
    Route("auth.logout", "POST", "/logout", everyone(302), form=True, last=True),
    Route("auth.profile", "GET", "/profile", page(200, roles=EVERY_ROLE)),
    Route("auth.update_profile", "POST", "/profile", page(302, roles=EVERY_ROLE), form=True,
          body=lambda w, k: {"email": f"{k.replace('_', '.')}@example.net",
                             "timezone": "America/Denver"}),
    Route("auth.change_password", "POST", "/profile/password", page(INVALID_FORM, roles=EVERY_ROLE),
          form=True, body=lambda w, k: {"current": "not-my-password", "new": "New-Pass-2026!xy",
                                        "confirm": "New-Pass-2026!xy"}),
    # the second step and the forced password change (§1.3.1): nothing without a pending
    # sign-in or a temporary password, whoever asks (back to the login or home page)
    Route("auth.second_factor", "GET", "/login/code", everyone(302)),
    Route("auth.second_factor", "POST", "/login/code", everyone(302), form=True,
          body=lambda w, k: {"code": "123456"}),
    Route("auth.enrol", "GET", "/login/enrol", everyone(302)),
    Route("auth.enrol", "POST", "/login/enrol", everyone(302), form=True,
          body=lambda w, k: {"code": "123456"}),
    Route("auth.new_password", "GET", "/password/new", everyone(302)),
    Route("auth.new_password", "POST", "/password/new", everyone(302), form=True),
    # partner portal, administration and staff pages
    Route("portal.home", "GET", "/portal/", page(200)),
    Route("partner_admin.home", "GET", "/admin/", page(200, roles=("partner_admin",))),
    Route("staff.home", "GET", "/staff/", page(200, roles=("staff", "staff_admin"))),
    # partner portal (gateway/portal): reading needs view or the privilege of the request
    Route("portal.list_csrs", "GET", "/portal/csr", page(200, need=("csr", "view"))),
    Route("portal.new_csr", "GET", "/portal/csr/new", page(200, need="csr")),
    Route("portal.new_csr", "POST", "/portal/csr/new", page(INVALID_FORM, need="csr"),
          form=True),
    Route("portal.show_csr", "GET", "/portal/csr/{req_id}",
          page(200, need=("csr", "view"), other=404)),
    Route("portal.download_csr_csv", "GET", "/portal/csr/{req_id}.csv",
          page(200, need=("csr", "view"), other=404)),
    Route("portal.download_csr_json", "GET", "/portal/csr/{req_id}.json",
          page(200, need=("csr", "view"), other=404)),
    Route("portal.escalation_contacts", "GET", "/portal/escalation-contacts", page(200)),
    Route("portal.new_lsr", "GET", "/portal/lsrs/new", page(200, need="lsr")),
    Route("portal.new_lsr", "POST", "/portal/lsrs/new", page(200, need="lsr"), form=True),
    Route("portal.check_tns", "POST", "/portal/lsrs/check-tns", page(200, need="lsr"),
          form=True),
    Route("portal.list_orders", "GET", "/portal/orders", page(200, need=("view", "lsr"))),
    Route("portal.export_orders", "GET", "/portal/orders.csv", page(200, need=("view", "lsr"))),
    # bulk (issue 15): a batch is its sending partner's; partner B gets 404
    Route("portal.list_batches", "GET", "/portal/batches", page(200, need="lsr")),
    Route("portal.batch_template", "GET", "/portal/batches/template.csv", page(200, need="lsr")),
    Route("portal.preview_batch", "POST", "/portal/batches/preview",
          page(INVALID_FORM, need="lsr"), form=True),
    Route("portal.create_batch", "POST", "/portal/batches", page(INVALID_FORM, need="lsr"),
          form=True),
    Route("portal.show_batch", "GET", "/portal/batches/{batch_id}",
          page(200, need=("lsr", "view"), other=404), prepare=lambda w: _batch(w)),
    Route("portal.batch_progress", "GET", "/portal/batches/{batch_id}/progress.json",
          page(200, need=("lsr", "view"), other=404), prepare=lambda w: _batch(w)),
    Route("portal.batch_results", "GET", "/portal/batches/{batch_id}/results.csv",
          page(200, need=("lsr", "view"), other=404), prepare=lambda w: _batch(w)),
    Route("api.create_lsr_batch", "POST", "/api/v1/lsr-batches", api(202, need="lsr"),
          body=lambda w, k: {"lsrs": [_lsr(w, k)]}),
    Route("api.get_lsr_batch", "GET", "/api/v1/lsr-batches/{batch_id}",
          api(200, need=("view", "lsr"), other=404), prepare=lambda w: _batch(w)),
    Route("api.lsr_batch_results", "GET", "/api/v1/lsr-batches/{batch_id}/results.csv",
          api(200, need=("view", "lsr"), other=404), prepare=lambda w: _batch(w)),
    Route("api.create_csr_batch", "POST", "/api/v1/csr-batches", api(201, need="csr"),
          body=lambda w, k: {"requests": [_csr(w, k)]}),
    Route("portal.show_order", "GET", "/portal/orders/{lsr_id}",
          page(200, need=("view", "lsr"), other=404)),
    Route("portal.correct_order", "GET", "/portal/orders/{lsr_id}/correct",
          page(200, need="lsr", other=404)),
    Route("portal.correct_order", "POST", "/portal/orders/{lsr_id}/correct",
          page(200, need="lsr", other=404), form=True),
    Route("portal.cancel_order", "POST", "/portal/orders/{lsr_id}/cancel",
          page(INVALID_FORM, need="lsr", other=404), form=True),
    Route("portal.change_due_date", "POST", "/portal/orders/{lsr_id}/due-date",
          page(INVALID_FORM, need="lsr", other=404), form=True),
    Route("portal.escalate_order", "POST", "/portal/orders/{lsr_id}/escalate",
          page(INVALID_FORM, other=404), form=True),
    Route("portal.write_note", "POST", "/portal/orders/{lsr_id}/notes",
          page(INVALID_FORM, need="lsr", other=404), form=True),
    Route("portal.note_attachment", "GET", "/portal/orders/{lsr_id}/notes/{note_id}/attachment",
          page(200, need=("view", "lsr"), other=404)),
    # partner administration (gateway/partner_admin): the partner's admins only
    Route("partner_admin.list_users", "GET", "/admin/users", page(200, roles=ADMIN)),
    Route("partner_admin.new_user", "GET", "/admin/users/new", page(200, roles=ADMIN)),
    Route("partner_admin.new_user", "POST", "/admin/users/new", page(INVALID_FORM, roles=ADMIN),
          form=True),
    Route("partner_admin.edit_user", "GET", "/admin/users/{user_id}",
          page(200, roles=ADMIN, other=404)),
    Route("partner_admin.edit_user", "POST", "/admin/users/{user_id}",
          page(INVALID_FORM, roles=ADMIN, other=404), form=True),
    Route("partner_admin.disable_user", "POST", "/admin/users/{user_id}/disable",
          page(302, roles=ADMIN, other=404), form=True,
          prepare=lambda w: {"user_id": w.victim_user()}),
    Route("partner_admin.reset_password", "POST", "/admin/users/{user_id}/reset-password",
          page(200, roles=ADMIN, other=404), form=True,
          prepare=lambda w: {"user_id": w.victim_user()}),
    Route("partner_admin.list_roles", "GET", "/admin/roles", page(200, roles=ADMIN)),
    Route("partner_admin.list_roles", "POST", "/admin/roles", page(INVALID_FORM, roles=ADMIN),
          form=True),
    Route("partner_admin.edit_role", "GET", "/admin/roles/{role_id}",
          page(200, roles=ADMIN, other=404)),
    Route("partner_admin.edit_role", "POST", "/admin/roles/{role_id}",
          page(INVALID_FORM, roles=ADMIN, other=404), form=True),
    Route("partner_admin.delete_role", "POST", "/admin/roles/{role_id}/delete",
          page(302, roles=ADMIN, other=404), form=True,
          prepare=lambda w: {"role_id": w.victim_role()}),
    Route("partner_admin.list_contacts", "GET", "/admin/contacts", page(200, roles=ADMIN)),
    Route("partner_admin.list_contacts", "POST", "/admin/contacts", page(INVALID_FORM, roles=ADMIN),
          form=True),
    Route("partner_admin.edit_contact", "GET", "/admin/contacts/{contact_id}",
          page(200, roles=ADMIN, other=404)),
    Route("partner_admin.edit_contact", "POST", "/admin/contacts/{contact_id}",
          page(INVALID_FORM, roles=ADMIN, other=404), form=True),
    Route("partner_admin.remove_contact", "POST", "/admin/contacts/{contact_id}/remove",
          page(302, roles=ADMIN, other=404), form=True,
          prepare=lambda w: {"contact_id": w.victim_contact()}),
    Route("partner_admin.list_tokens", "GET", "/admin/tokens", page(200, roles=ADMIN)),
    Route("partner_admin.list_tokens", "POST", "/admin/tokens", page(INVALID_FORM, roles=ADMIN),
          form=True),
    Route("partner_admin.revoke_token", "POST", "/admin/tokens/{token_id}/revoke",
          page(302, roles=ADMIN, other=404), form=True,
          prepare=lambda w: {"token_id": w.victim_token()}),
    Route("partner_admin.webhook", "GET", "/admin/webhook", page(200, roles=ADMIN)),
    Route("partner_admin.webhook", "POST", "/admin/webhook", page(302, roles=ADMIN),
          form=True),
    Route("partner_admin.rotate_webhook_secret", "POST", "/admin/webhook/rotate",
          page(302, roles=ADMIN), form=True),
    Route("partner_admin.test_webhook", "POST", "/admin/webhook/test",
          page(302, roles=ADMIN), form=True),
    Route("partner_admin.agents", "GET", "/admin/agents", page(200, roles=ADMIN)),
    Route("partner_admin.agents", "POST", "/admin/agents", page(INVALID_FORM, roles=ADMIN),
          form=True),
    Route("partner_admin.agent_activity", "GET", "/admin/agents/{approval_id}/activity",
          page(200, roles=ADMIN, other=404)),
    Route("partner_admin.revoke_agent", "POST", "/admin/agents/{approval_id}/revoke",
          page(302, roles=ADMIN, other=404), form=True,
          prepare=lambda w: {"approval_id": w.victim_approval()}),
    # agent access requests, suspend and resume (business-rules §1.1.2)
    Route("partner_admin.ask_access", "POST", "/admin/agents/ask",
          page(INVALID_FORM, roles=ADMIN), form=True),
    Route("partner_admin.review_request", "GET", "/admin/agents/requests/{request_id}",
          page(200, roles=ADMIN, other=404)),
    Route("partner_admin.approve_request", "POST",
          "/admin/agents/requests/{request_id}/approve", page(302, roles=ADMIN, other=404),
          form=True, prepare=lambda w: {"request_id": w.victim_request()},
          body=lambda w, k: {"privileges": ["view"]}),  # nothing ticked is refused (422)
    Route("partner_admin.decline_request", "POST",
          "/admin/agents/requests/{request_id}/decline", page(302, roles=ADMIN, other=404),
          form=True, prepare=lambda w: {"request_id": w.victim_request()}),
    Route("partner_admin.pause_agent", "POST", "/admin/agents/{approval_id}/suspend",
          page(302, roles=ADMIN, other=404), form=True,
          prepare=lambda w: {"approval_id": w.victim_approval()}),
    # staff console (gateway/staff): staff; partners, profile and contacts staff_admin only
    Route("staff.queue", "GET", "/staff/queue", page(200, roles=DESK)),
    Route("staff.dashboard", "GET", "/staff/dashboard", page(200, roles=DESK)),
    Route("staff.accounts", "GET", "/staff/accounts", page(200, roles=DESK)),
    Route("staff.account", "GET", "/staff/accounts/{account_number}", page(200, roles=DESK)),
    Route("staff.unlock_account", "POST", "/staff/accounts/{account_number}/unlock",
          page(302, roles=DESK), form=True),
    Route("staff.freeze_account", "POST", "/staff/accounts/{account_number}/freeze",
          page(302, roles=DESK), form=True),  # an empty form: refused, back to the account
    Route("staff.decide_hold", "POST", "/staff/orders/{lsr_id}/hold", page(302, roles=DESK),
          form=True),  # an empty form (and the order is not held): back to the order
    Route("staff.csr_request", "GET", "/staff/csr-requests/{req_id}", page(200, roles=DESK)),
    Route("staff.order", "GET", "/staff/orders/{lsr_id}", page(200, roles=DESK)),
    Route("staff.issue_foc", "POST", "/staff/orders/{lsr_id}/foc", page(INVALID_FORM, roles=DESK),
          form=True),
    Route("staff.reject", "POST", "/staff/orders/{lsr_id}/reject", page(INVALID_FORM, roles=DESK),
          form=True),
    # partner A's order has its FOC: not an expedite awaiting staff, so the desk gets 409
    Route("staff.grant_expedite", "POST", "/staff/orders/{lsr_id}/grant-expedite",
          page(409, roles=DESK), form=True),
    Route("staff.write_note", "POST", "/staff/orders/{lsr_id}/notes",
          page(INVALID_FORM, roles=DESK), form=True),
    Route("staff.note_attachment", "GET", "/staff/orders/{lsr_id}/notes/{note_id}/attachment",
          page(200, roles=DESK)),
    Route("staff.manual_csr", "GET", "/staff/manual/csr", page(200, roles=DESK)),
    Route("staff.manual_csr", "POST", "/staff/manual/csr", page(INVALID_FORM, roles=DESK),
          form=True),
    Route("staff.manual_lsr", "GET", "/staff/manual/lsr", page(200, roles=DESK)),
    Route("staff.manual_lsr", "POST", "/staff/manual/lsr", page(INVALID_FORM, roles=DESK),
          form=True),
    Route("staff.escalation_list", "GET", "/staff/escalations", page(200, roles=DESK)),
    Route("staff.acknowledge_escalation", "POST",
          "/staff/escalations/{escalation_id}/acknowledge", page(302, roles=DESK), form=True,
          prepare=lambda w: {"escalation_id": w.escalation()}),
    Route("staff.resolve_escalation", "POST", "/staff/escalations/{escalation_id}/resolve",
          page(302, roles=DESK), form=True,
          prepare=lambda w: {"escalation_id": w.escalation()}),
    Route("staff.outbox", "GET", "/staff/outbox", page(200, roles=DESK)),
    Route("staff.audit_trail", "GET", "/staff/audit", page(200, roles=DESK)),
    Route("staff.delivery", "GET", "/staff/outbox/{delivery_id}", page(200, roles=DESK)),
    Route("staff.resend_delivery", "POST", "/staff/outbox/{delivery_id}/resend",
          page(302, roles=DESK), form=True),
    Route("staff.escalation_contacts", "GET", "/staff/escalation-contacts",
          page(200, roles=("staff_admin",))),
    Route("staff.save_escalation_contact", "POST", "/staff/escalation-contacts",
          page(INVALID_FORM, roles=("staff_admin",)), form=True),
    Route("staff.remove_escalation_contact", "POST",
          "/staff/escalation-contacts/{contact_id}/remove", page(302, roles=("staff_admin",)),
          form=True, prepare=lambda w: {"contact_id": w.victim_escalation_contact()}),
    Route("staff.import_escalation_contacts", "POST", "/staff/escalation-contacts/import",
          page(INVALID_FORM, roles=("staff_admin",)), form=True),
    Route("staff.partners", "GET", "/staff/partners", page(200, roles=("staff_admin",))),
    Route("staff.new_partner", "GET", "/staff/partners/new", page(200, roles=("staff_admin",))),
    Route("staff.new_partner", "POST", "/staff/partners/new",
          page(INVALID_FORM, roles=("staff_admin",)), form=True),
    Route("staff.partner", "GET", "/staff/partners/{partner_id}",
          page(200, roles=("staff_admin",))),
    Route("staff.change_partner_status", "POST", "/staff/partners/{partner_id}/{action}",
          page(INVALID_FORM, roles=("staff_admin",)), form=True),
    Route("staff.approve_partner", "POST", "/staff/partners/{partner_id}/approve",
          page(409, roles=("staff_admin",)), form=True),
    Route("staff.resend_welcome", "POST", "/staff/partners/{partner_id}/users/{user_id}/welcome",
          page(302, roles=("staff_admin",)), form=True,
          prepare=lambda w: {"user_id": w.victim_user()}),
    Route("staff.sign_in_users", "GET", "/staff/users", page(200, roles=("staff_admin",))),
    Route("staff.reset_second_factor", "POST", "/staff/users/{user_id}/mfa-reset",
          page(302, roles=("staff_admin",)), form=True,
          prepare=lambda w: {"user_id": w.victim_user()}),
    Route("staff.carrier_profile_view", "GET", "/staff/profile",
          page(200, roles=("staff_admin",))),
    # first-login page reached from the welcome email: its token is the credential
    Route("welcome.set_password", "GET", "/welcome/{token}", everyone(410)),
    Route("welcome.set_password", "POST", "/welcome/{token}", everyone(410), form=True),
    # CSR requests (api-contract §4.1)
    Route("api.create_csr_request", "POST", "/api/v1/csr-requests", api(201, need="csr"),
          body=_csr),
    Route("api.list_csr_requests", "GET", "/api/v1/csr-requests",
          api(200, need=("view", "csr"), staff=200)),
    Route("api.get_csr_request", "GET", "/api/v1/csr-requests/{req_id}",
          api(200, need=("view", "csr"), other=404, staff=200)),
    # LSRs (§4.2)
    Route("api.create_lsr", "POST", "/api/v1/lsrs", api(201, need="lsr"), body=_lsr),
    Route("api.validate_lsr", "POST", "/api/v1/lsrs/validate", api(200, need="lsr"), body=_lsr),
    Route("api.list_lsrs", "GET", "/api/v1/lsrs", api(200, need=("view", "lsr"), staff=200)),
    Route("api.get_lsr", "GET", "/api/v1/lsrs/{lsr_id}",
          api(200, need=("view", "lsr"), other=404, staff=200)),
    Route("api.supplement_lsr", "POST", "/api/v1/lsrs/{lsr_id}/supplements",
          api(200, need="lsr", other=404), body=_sup),
    Route("api.escalate_lsr", "POST", "/api/v1/lsrs/{lsr_id}/escalations",
          api(201, need=("view", "lsr"), other=404),
          body=lambda w, k: {"reason": "foc_overdue", "text": "matrix"}),
    Route("api.list_order_escalations", "GET", "/api/v1/lsrs/{lsr_id}/escalations",
          api(200, need=("view", "lsr"), other=404, staff=200)),
    Route("api.list_notes", "GET", "/api/v1/lsrs/{lsr_id}/notes",
          api(200, need=("view", "lsr"), other=404, staff=200)),
    Route("api.write_note", "POST", "/api/v1/lsrs/{lsr_id}/notes",
          api(201, need="lsr", other=404, staff=201), body=lambda w, k: {"text": "matrix"}),
    Route("api.note_attachment", "GET", "/api/v1/lsrs/{lsr_id}/notes/{note_id}/attachment",
          api(200, need=("view", "lsr"), other=404, staff=200)),
    Route("api.escalation_contacts", "GET", "/api/v1/escalation-contacts?state=OR",
          api(200, staff=200)),
    Route("api.get_loa", "GET", "/api/v1/loas/{loa_id}",
          api(200, need=("view", "lsr", "csr"), other=404, staff=200)),
    # NPAC as the new provider (§4.3)
    Route("npac.lookup_tn", "GET", "/api/v1/npac/tns/5415550142", api(200, staff=200)),
    Route("npac.create_subscription", "POST", "/api/v1/npac/subscriptions", api(201),
          body=_sv),
    Route("npac.get_subscription", "GET", "/api/v1/npac/subscriptions/{sv_id}",
          api(200, other=404)),
    Route("npac.activate_subscription", "POST", "/api/v1/npac/subscriptions/{conflict_sv}/"
          "activate", api(409, other=404), prepare=lambda w: {"conflict_sv": w.conflict_sv()}),
    Route("npac.cancel_subscription", "POST", "/api/v1/npac/subscriptions/{sv_id}/cancel",
          api(200, other=404), prepare=lambda w: {"sv_id": w.conflict_sv()}),
    # staff (§4.4)
    Route("api.staff_queue", "GET", "/api/v1/staff/queue", staff_api(200)),
    Route("api.staff_decision", "POST", "/api/v1/staff/lsrs/{lsr_id}/decision", staff_api(200),
          prepare=lambda w: {"lsr_id": w.review_order()},
          body=lambda w, k: {"action": "foc", "due_date": "2026-11-24"}),
    Route("api.staff_manual_lsr", "POST", "/api/v1/staff/manual-lsrs", staff_api(201),
          body=_manual_lsr),
    Route("api.staff_manual_csr", "POST", "/api/v1/staff/manual-csr-requests", staff_api(201),
          body=_manual_csr),
    Route("api.staff_unlock", "POST", "/api/v1/staff/accounts/{account_number}/unlock",
          staff_api(200)),
    Route("api.staff_freeze", "PUT", "/api/v1/staff/accounts/{account_number}/freeze",
          staff_api(200),
          body=lambda w, k: {"freeze": False, "channel": "phone", "note": "isolation matrix"}),
    Route("api.staff_hold", "POST", "/api/v1/staff/lsrs/{lsr_id}/hold", staff_api(409),
          body=lambda w, k: {"action": "release"}),  # partner A's order is not on hold
    # the end user's dispute link (§11.2): public; an unknown link is 404 for everyone, and
    # 429 once one address has sent too many unknown links (every kind here is 127.0.0.1)
    Route("stop.show", "GET", "/stop/{token}", everyone((404, 429))),
    Route("stop.dispute", "POST", "/stop/{token}", everyone((404, 429)), form=True,
          body=lambda w, k: {"confirm": "yes"}),
    Route("api.staff_escalations", "GET", "/api/v1/staff/escalations", staff_api(200)),
    Route("api.acknowledge_escalation", "POST",
          "/api/v1/staff/escalations/{escalation_id}/acknowledge", staff_api(200),
          prepare=lambda w: {"escalation_id": w.escalation()}),
    Route("api.resolve_escalation", "POST", "/api/v1/staff/escalations/{escalation_id}/resolve",
          staff_api(200), prepare=lambda w: {"escalation_id": w.escalation()},
          body=lambda w, k: {"resolution": "Called the partner back."}),
    Route("api.staff_conflict", "POST", "/api/v1/staff/npac/subscriptions/{sv_id}/conflict",
          staff_api(200), prepare=_pending_sv, body=lambda w, k: {"cause": 50}),
    Route("api.export_audit", "GET", "/api/v1/staff/audit?action=lsr.*", staff_api(200)),
]

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


def rule_keys(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def send(world: World, route: Route, kind: str):
    """Make the route's request as the actor kind: a bearer token for the API, else a session."""
    values = {**world.ids, **(route.prepare(world) if route.prepare else {})}
    path = route.path.format(**values)
    body = route.body(world, kind) if route.body else None
    if path.startswith("/api/"):
        return world.api(kind)(route.method, path, body)
    client = world.page_client(kind)
    if route.method == "GET":
        return client.get(path)
    return client.open(path, method=route.method, data=body or {})


def check_answer(resp, route: Route, kind: str, expected) -> None:
    text = resp.get_data(as_text=True)
    allowed = expected if isinstance(expected, tuple) else (expected,)
    assert resp.status_code in allowed, \
        f"{route.method} {route.path} as {kind}: {resp.status_code} != {expected}: {text[:300]}"
    missing = [h for h in SECURITY_HEADERS if h not in resp.headers]
    assert not missing, f"{route.method} {route.path} as {kind}: no {missing}"
    if "frame-ancestors 'none'" not in resp.headers["Content-Security-Policy"]:
        raise AssertionError(f"{route.path}: CSP allows framing")
    leaked = [passcode_of(n) for n in range(400) if passcode_of(n) in text] + \
        (["7713"] if re.search(r"\b7713\b", text) else [])
    assert not leaked, f"{route.method} {route.path} as {kind} shows passcodes {leaked}"
    if resp.status_code == 302 and kind in DEAD:
        assert "/login" in resp.headers["Location"], resp.headers["Location"]


@pytest.fixture
def world(app, client, cli, tmp_path):
    return build_world(app, client, cli, tmp_path)


def test_every_route_has_a_row(app):
    table = {(route.endpoint, route.method) for route in ROUTES}
    missing = sorted(rule_keys(app) - table)
    stale = sorted(table - rule_keys(app))
    assert not missing, f"routes without a row in the isolation matrix: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"
    for route in ROUTES:
        assert set(route.expect) == set(KINDS), f"{route.endpoint}: not every actor kind"


def test_isolation_matrix(world, capsys):
    """Every route × every actor kind gets exactly its expected answer."""
    cases, wrong = 0, []
    rows = [r for r in ROUTES if (r.endpoint, r.method) in rule_keys(world.app)]  # stale: above
    for route in sorted(rows, key=lambda r: r.last):
        for kind in KINDS:
            resp = send(world, route, kind)
            try:
                check_answer(resp, route, kind, route.expect[kind])
            except AssertionError as err:  # every mismatch reported at once
                wrong.append(str(err).splitlines()[0][:240])
            cases += 1
    assert not wrong, f"{len(wrong)} of {cases} cases wrong:\n" + "\n".join(wrong)
    assert cases == len(rows) * len(KINDS) > 0
    with capsys.disabled():
        print(f"\nisolation matrix: {len(rows)} route rows x {len(KINDS)} actor kinds = "
              f"{cases} cases")


def object_cases(app, world: World):
    """(route row, URL) of every rule that names an object, with partner A's object's id."""
    table = {(route.endpoint, route.method): route for route in ROUTES}
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        params = set(rule.arguments)
        unknown = params - set(OBJECT_PARAMS) - CARRIER_PARAMS
        assert not unknown, f"{rule.rule}: add {unknown} to OBJECT_PARAMS or CARRIER_PARAMS"
        if not params & set(OBJECT_PARAMS):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            route = table[(rule.endpoint, method)]
            if route.expect[A_USER] == route.expect[A_ADMIN] == 403:
                continue  # staff only: every partner is refused whatever the object
            values = {p: world.ids[OBJECT_PARAMS[p]] if p in OBJECT_PARAMS else world.ids[p]
                      for p in params}
            yield route, adapter.build(rule.endpoint, values, method=method)


def test_partner_b_gets_404_for_every_object_of_partner_a(app, world, capsys):
    """Fetching or changing partner A's objects as partner B: 404, never 403 or 200 (a role
    or privilege partner B's person lacks anyway is refused 403 before any object is looked
    up, whosever it is)."""
    cases = 0
    for route, url in object_cases(app, world):
        kinds = [k for k in B_SIDE if route.expect[k] not in (403, (403,))]
        assert kinds, f"{route.method} {url}: no person of partner B may use it at all?"
        for kind in kinds:
            body = route.body(world, kind) if route.body else {}
            if url.startswith("/api/"):
                resp = world.api(kind)(route.method, url, body)
            else:
                resp = world.page_client(kind).open(url, method=route.method, data=body)
            assert resp.status_code == 404, \
                f"{route.method} {url} as {kind}: {resp.status_code} {resp.get_data()[:200]}"
            cases += 1
    assert cases >= 2 * 8
    with capsys.disabled():
        print(f"\ncross-partner object cases (partner B on partner A's ids): {cases}")


def list_urls(app) -> list[str]:
    urls = [rule.rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments]
    return urls + ["/api/v1/lsrs?pon=APRIVATE1", "/api/v1/lsrs?pon=APRIVATE2",
                   "/api/v1/lsrs?status=foc", "/api/v1/csr-requests?tn=5415551000",
                   "/api/v1/lsrs?tn=5415551001",
                   "/api/v1/escalation-contacts?state=OR"]


def test_partner_b_lists_show_nothing_of_partner_a(app, world, capsys):
    """Every list (page or API) as partner B holds none of partner A's PONs, orders, people."""
    cases = 0
    for url in list_urls(app):
        for kind in B_SIDE:
            resp = (world.api(kind).get(url) if url.startswith("/api/")
                    else world.page_client(kind).get(url))
            assert resp.status_code < 500, url
            text = resp.get_data(as_text=True)
            seen = sorted(m for m in world.markers if m in text)
            assert not seen, f"GET {url} as {kind} shows partner A's {seen}"
            cases += 1
    lsrs = world.api(B_USER).get("/api/v1/lsrs?pon=APRIVATE1").get_json()
    assert lsrs["total"] == 0 and lsrs["items"] == []
    with capsys.disabled():
        print(f"\ncross-partner list cases: {cases}")
