"""CSR requests (business-rules §3): ask with the attestation, read, print and download."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from forms.csr import CsrRequestForm
from forms.lsr import loa_body
from forms.tn_lines import normalize
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.models.accounts import ADDRESS_PARTS
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.portal import bp
from gateway.portal.common import actor, csv_response, failed, page_arg, partner_access, scope
from gateway.services import cpni
from gateway.services.csr import portal as portal_csr
from gateway.services.csr import requests as csr_svc
from gateway.services.orders import queries
from gateway.services.portal import reads as portal_reads
from gateway.services.serialize import csr_body


def _form() -> CsrRequestForm:
    partner = current_user.partner
    return CsrRequestForm(ccnas=portal_reads.ccnas_for(db.session(), partner, "csr"),
                          attestation_text=portal_csr.TEXT, agent=partner.is_agent)


@bp.get("/csr")
@partner_access("csr", "view")
def list_csrs():
    typed = request.args.get("tn", "")
    tn = normalize(typed) if typed else None
    # as the orders page does: a TN that cannot be read is explained above the list, which is
    # then not filtered by it (never a silent "every request" answer to a search)
    problem = "Enter a 10-digit TN." if typed and tn is None else None
    result = queries.list_csr_requests(db.session(), scope(), tn=tn,
                                       page=page_arg(), per_page=25)
    return render_template("portal/csr_list.html", result=result, tn=typed, problem=problem)


@bp.route("/csr/new", methods=["GET", "POST"])
@partner_access("csr")
def new_csr():
    form = _form()
    if request.method == "GET" and request.args.get("tn"):
        form.tn.data = request.args["tn"][:20]
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("portal/csr_new.html", form=form,
                               version=portal_csr.VERSION), status
    session = db.session()
    try:
        req = portal_csr.request_attested(
            session, composition.registry(session), _body(form), partner=current_user.partner,
            attested=form.attestation.data, actor=actor(), now=clock.now(),
            profile=carrier_profile())
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
        return render_template("portal/csr_new.html", form=form,
                               version=portal_csr.VERSION), status
    if req.status == "returned":
        flash(f"CSR returned for TN {req.tn}.", "success")
    else:
        flash(f"The CSR request for TN {req.tn} was rejected; see why below.", "error")
    return redirect(url_for("portal.show_csr", req_id=req.id))


def _body(form: CsrRequestForm) -> dict:
    """The CSR request body of api-contract §4.1 from the form (AGAUTH comes with the
    attestation)."""
    body = {"tn": form.tn.data, "ccna": form.ccna.data}
    if (form.an.data or "").strip():
        body["an"] = form.an.data.strip()
    loa = loa_body(form.loa.data)
    if loa is not None:
        body["loa"] = loa
    return body


def _visible(req_id: int):
    req = csr_svc.get_csr_request(db.session(), req_id, scope())
    if req is None:
        abort(404, description=f"No CSR request {req_id} for your company.")
    return req


@bp.get("/csr/<int:req_id>")
@partner_access("csr", "view")
def show_csr(req_id: int):
    req = _visible(req_id)
    cpni.csr_viewed(db.session(), req, actor=actor(), now=clock.now(), channel="portal")
    return render_template("portal/csr_show.html", req=req, parts=ADDRESS_PARTS)


@bp.get("/csr/<int:req_id>.json")
@partner_access("csr", "view")
def download_csr_json(req_id: int):
    req = _visible(req_id)
    portal_csr.record_download(db.session(), req, "json", actor=actor(), now=clock.now())
    response = jsonify(csr_body(req))
    response.headers["Content-Disposition"] = f'attachment; filename="csr-{req.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


CSV_HEAD = ("account_number", "btn", "customer_name", *ADDRESS_PARTS, "service_class", "une",
            "simple_port_eligible", "passcode_required", "port_freeze", "tn", "tn_status")


@bp.get("/csr/<int:req_id>.csv")
@partner_access("csr", "view")
def download_csr_csv(req_id: int):
    req = _visible(req_id)
    if req.status != "returned" or not req.csr:
        abort(404, description="A rejected CSR request has no record to download.")
    portal_csr.record_download(db.session(), req, "csv", actor=actor(), now=clock.now())
    record = req.csr
    address = record.get("service_address") or {}
    common = [record.get("account_number"), record.get("btn"), record.get("customer_name"),
              *[address.get(p, "") for p in ADDRESS_PARTS], record.get("service_class"),
              *["Y" if record.get(k) else "N" for k in ("une", "simple_port_eligible",
                                                          "passcode_required", "port_freeze")]]
    rows = [list(CSV_HEAD)] + [common + [t["tn"], t["status"]] for t in record.get("tns", [])]
    return csv_response(rows, f"csr-{req.id}.csv")
