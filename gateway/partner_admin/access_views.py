"""Partner administration: the webhook (api-contract §5) and agent access (§1.1)."""
from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from forms.partner_admin import AccessRequestForm, AgentGrantForm, ConfirmForm, WebhookForm
from gateway import clock, db
from gateway.auth import role_required
from gateway.errors import GatewayError
from gateway.partner_admin import bp
from gateway.portal.common import actor, failed, no_store
from gateway.services.identity import people
from gateway.services.outbox.webhook_target import WebhookUrlNotAllowed
from gateway.services.partners import access_requests, agent_access
from gateway.services.partners import webhooks as partner_settings


def _https_only() -> bool:
    return bool(current_app.config.get("WEBHOOK_HTTPS_ONLY"))


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))


# a partner learns that the address is refused, not what the host resolves to (no oracle on
# the carrier's internal DNS); the CLI names the address for the operator
NOT_ALLOWED = ("webhook_url_not_allowed: webhooks go only to public internet addresses; this "
               "URL's host does not resolve to one.")


def _webhook_page(form, status: int = 200):
    partner = current_user.partner
    return render_template(
        "partner_admin/webhook.html", form=form, partner=partner, https_only=_https_only(),
        deliveries=partner_settings.recent_webhook_deliveries(db.session(), partner.id),
        confirm=ConfirmForm()), status


def _saved_webhook_form() -> WebhookForm:
    partner = current_user.partner
    form = WebhookForm(formdata=None, url=partner.webhook_url or "",
                       events=sorted(partner.webhook_events))
    form.https_only = _https_only()
    return form


def _secret_page(secret: str, url: str):
    return no_store(make_response(render_template("partner_admin/secret_once.html",
                                                  kind="webhook", secret=secret, url=url)))


@bp.route("/webhook", methods=["GET", "POST"])
@role_required("partner_admin")
def webhook():
    partner = current_user.partner
    form = WebhookForm()
    form.https_only = _https_only()
    if not form.is_submitted():
        return _webhook_page(_saved_webhook_form())
    if not form.validate():
        return _webhook_page(form, 422)
    try:
        generated = partner_settings.configure_webhook(
            db.session(), partner, form.url.data, form.secret.data, actor=actor(),
            now=clock.now(), https_only=_https_only(), allow_private=_allow_private(),
            events=form.events.data)
    except GatewayError as err:
        text, status = failed(err)
        flash(NOT_ALLOWED if isinstance(err, WebhookUrlNotAllowed) else text, "error")
        return _webhook_page(form, status)
    if generated:
        return _secret_page(generated, partner.webhook_url)
    flash("Webhook saved." if partner.webhook_url else "Webhook cleared: no more webhook "
          "notices.", "success")
    return redirect(url_for("partner_admin.webhook"))


@bp.post("/webhook/rotate")
@role_required("partner_admin")
def rotate_webhook_secret():
    partner = current_user.partner
    if not ConfirmForm().validate():
        return redirect(url_for("partner_admin.webhook"))
    try:
        secret = partner_settings.rotate_secret(db.session(), partner, actor=actor(),
                                                now=clock.now(), https_only=_https_only(),
                                                allow_private=_allow_private())
    except GatewayError as err:
        text = failed(err)[0]
        flash(NOT_ALLOWED if isinstance(err, WebhookUrlNotAllowed) else text, "error")
        return redirect(url_for("partner_admin.webhook"))
    return _secret_page(secret, partner.webhook_url)


@bp.post("/webhook/test")
@role_required("partner_admin")
def test_webhook():
    """Send a signed `webhook.test` now and show what the receiver answered (issue 15)."""
    if not ConfirmForm().validate():
        flash("The form expired; try again.", "error")
        return redirect(url_for("partner_admin.webhook"))
    try:
        outcome = partner_settings.send_test_notice(
            db.session(), current_user.partner, actor=actor(), now=clock.now(),
            https_only=_https_only(), allow_private=_allow_private())
    except GatewayError as err:
        flash(failed(err)[0], "error")
        return redirect(url_for("partner_admin.webhook"))
    if outcome.ok:
        flash(f"Test notice {outcome.delivery_id} sent: your webhook answered {outcome.shown}.",
              "success")
    else:
        flash(f"Test notice {outcome.delivery_id} failed: {outcome.shown}. Check the URL, "
              "that the receiver answers 2xx, and that it checks the signature with the "
              "current secret.", "error")
    return redirect(url_for("partner_admin.webhook"))


def agents_page(form, status: int = 200, ask=None):
    """The agent access page: a carrier's approvals and the requests it got; an agent's
    approvals and the requests it sent (with the form to ask)."""
    session, pid = db.session(), current_user.partner_id
    is_agent = current_user.partner.is_agent
    requests = (access_requests.requests_from(session, pid) if is_agent
                else access_requests.requests_to(session, pid))
    # who asked and who answered, with full name and phone (§1.3.2), in one query
    names = people.labels(session, [i for r in requests
                                    for i in (r.requested_by_id, r.decided_by_id)])
    return render_template(
        "partner_admin/agents.html", form=form or AgentGrantForm(),
        ask=ask or AccessRequestForm(), approvals=agent_access.approvals_given(session, pid),
        held=agent_access.approvals_held(session, pid), requests=requests, names=names,
        confirm=ConfirmForm()), status


@bp.route("/agents", methods=["GET", "POST"])
@role_required("partner_admin")
def agents():
    form = AgentGrantForm()
    if not form.is_submitted():
        return agents_page(form)
    if not form.validate():
        return agents_page(form, 422)
    try:
        approval = agent_access.grant(db.session(), current_user.partner, form.agent_ccna.data,
                                      form.privileges.data, actor=actor(), now=clock.now())
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
        return agents_page(form, status)
    flash(f"{approval.agent.name} ({approval.agent.ccna}) may now act for you: "
          f"{', '.join(sorted(approval.privileges))}.", "success")
    return redirect(url_for("partner_admin.agents"))


@bp.post("/agents/<int:approval_id>/revoke")
@role_required("partner_admin")
def revoke_agent(approval_id: int):
    session = db.session()
    approval = agent_access.approval_of(session, current_user.partner_id, approval_id)
    if ConfirmForm().validate():
        try:
            agent_access.revoke(session, current_user.partner, approval, actor=actor(),
                                now=clock.now())
            flash(f"{approval.agent.name} may no longer act for you; its new requests are "
                  "refused (R104).", "success")
        except GatewayError as err:
            flash(failed(err)[0], "error")
    return redirect(url_for("partner_admin.agents"))


@bp.get("/agents/<int:approval_id>/activity")
@role_required("partner_admin")
def agent_activity(approval_id: int):
    session = db.session()
    approval = agent_access.approval_of(session, current_user.partner_id, approval_id)
    done = agent_access.activity(session, current_user.partner_id, approval.agent_id)
    names = people.labels(session, [e.actor_user_id for e in done.events + done.access_steps])
    return render_template("partner_admin/agent_activity.html", approval=approval, done=done,
                           history=done.access_steps, names=names)
