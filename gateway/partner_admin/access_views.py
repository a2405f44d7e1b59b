"""Partner administration: the webhook (api-contract §5) and agent access (§1.1)."""
from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from forms.partner_admin import AgentGrantForm, ConfirmForm, WebhookForm
from gateway import clock, db
from gateway.auth import role_required
from gateway.errors import GatewayError
from gateway.partner_admin import bp
from gateway.portal.common import actor, failed, no_store
from gateway.services.partners import agent_access
from gateway.services.partners import webhooks as partner_settings


def _https_only() -> bool:
    return bool(current_app.config.get("WEBHOOK_HTTPS_ONLY"))


def _webhook_page(form, status: int = 200):
    partner = current_user.partner
    return render_template(
        "partner_admin/webhook.html", form=form, partner=partner, https_only=_https_only(),
        deliveries=partner_settings.recent_webhook_deliveries(db.session(), partner.id),
        confirm=ConfirmForm()), status


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
        form.url.data = partner.webhook_url or ""
        return _webhook_page(form)
    if not form.validate():
        return _webhook_page(form, 422)
    try:
        generated = partner_settings.configure_webhook(
            db.session(), partner, form.url.data, form.secret.data, actor=actor(),
            now=clock.now(), https_only=_https_only())
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
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
                                                now=clock.now(), https_only=_https_only())
    except GatewayError as err:
        flash(failed(err)[0], "error")
        return redirect(url_for("partner_admin.webhook"))
    return _secret_page(secret, partner.webhook_url)


def _agents_page(form, status: int = 200):
    session, pid = db.session(), current_user.partner_id
    return render_template("partner_admin/agents.html", form=form,
                           approvals=agent_access.approvals_given(session, pid),
                           held=agent_access.approvals_held(session, pid),
                           confirm=ConfirmForm()), status


@bp.route("/agents", methods=["GET", "POST"])
@role_required("partner_admin")
def agents():
    form = AgentGrantForm()
    if not form.is_submitted():
        return _agents_page(form)
    if not form.validate():
        return _agents_page(form, 422)
    try:
        approval = agent_access.grant(db.session(), current_user.partner, form.agent_ccna.data,
                                      form.privileges.data, actor=actor(), now=clock.now())
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
        return _agents_page(form, status)
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
    return render_template("partner_admin/agent_activity.html", approval=approval, done=done)
