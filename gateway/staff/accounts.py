"""Account look-up: TNs with statuses, orders, CSRs, freeze and the passcode lock (§4.5)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from forms.protection import FreezeForm
from forms.staff import ConfirmForm
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.platform.carrier_profile import carrier_profile
from gateway.services import cpni
from gateway.services.desk import lookup
from gateway.staff import bp
from gateway.staff.common import actor


@bp.get("/accounts")
def accounts():
    query = (request.args.get("q") or "").strip()[:80]
    results, error = [], None
    if query:
        try:
            results = lookup.find_accounts(db.session(), query)
        except GatewayError as err:
            error = err.message
        if len(results) == 1:
            return redirect(url_for(".account", account_number=results[0].account_number))
    return render_template("staff/accounts.html", q=query, results=results, error=error,
                           limit=lookup.MAX_RESULTS), 400 if error else 200


@bp.get("/accounts/<account_number>")
def account(account_number: str):
    overview = lookup.account_overview(db.session(), account_number, now=clock.now(),
                                       profile=carrier_profile())
    cpni.account_viewed(db.session(), overview.account.account_number, actor=actor(),
                        now=clock.now())
    return render_template("staff/account.html", o=overview, a=overview.account,
                           confirm=ConfirmForm(), profile=carrier_profile(),
                           freeze_form=FreezeForm(formdata=None))


@bp.post("/accounts/<account_number>/unlock")
def unlock_account(account_number: str):
    if ConfirmForm().validate_on_submit():
        try:
            lookup.unlock(db.session(), account_number, actor=actor(), now=clock.now())
        except GatewayError as err:
            flash(err.message, "error")
            return redirect(url_for(".account", account_number=account_number))
        flash(f"Account {account_number} unlocked: port-outs are accepted again.", "success")
    return redirect(url_for(".account", account_number=account_number))
