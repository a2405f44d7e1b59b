"""The LSR form (business-rules §4–§7): TN lines, the partial-port table, the dry run, sending,
and the SUP 3 correction of an open order."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from forms import lsr as lsr_forms
from forms import partial, partial_table
from forms.tn_lines import MAX_UPLOAD_BYTES, lines_to_show, parse_lines, read_upload, tns_of
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.models import CsrRequest
from gateway.models.orders import OPEN_STATUSES
from gateway.platform.hardening import id_from_text
from gateway.portal import bp
from gateway.portal.common import actor, failed, order_context, partner_access, scope
from gateway.portal.prefill import default_spid, from_csr, from_order
from gateway.services import cpni, policy
from gateway.services.csr import requests as csr_svc
from gateway.services.orders import dry_run as validate_svc
from gateway.services.orders import queries, supplements
from gateway.services.orders import submit as lsr_svc
from gateway.services.orders.due_note import due_date_note
from gateway.services.orders.request import LsrRequest
from gateway.services.portal import reads as portal_reads


@dataclass
class Page:
    """What the LSR form page shows besides the form."""

    lines: list
    findings: list = field(default_factory=list)
    check: dict | None = None
    table_errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    lsr: object = None
    csr: CsrRequest | None = None  # the CSR the form was filled from (a CPNI read, §1.3.3)

    @property
    def shown_lines(self) -> list:
        """The lines the page lists (a 600-line paste stays a small page, issue 15)."""
        return lines_to_show(self.lines, LINES_SHOWN)


LINES_SHOWN = 100


def _form(ccnas: list[str] | None = None):
    form = lsr_forms.LsrForm()
    lsr_forms.setup(form, ccnas or portal_reads.ccnas_for(db.session(), current_user.partner,
                                                          "lsr"))
    return form


def _merge_upload(form) -> None:
    """An uploaded TN file replaces the pasted list (and shows in it)."""
    storage = form.tns_file.data
    if storage is not None and getattr(storage, "filename", ""):
        data = storage.read(MAX_UPLOAD_BYTES + 1)
        storage.seek(0)
        if len(data) <= MAX_UPLOAD_BYTES:
            form.tns.data = read_upload(data).strip()


def _lines(form, exclude_lsr_id: int | None = None) -> list:
    """Each TN line judged: format and duplicates here, then NPAC and accounts (§2)."""
    ctx = order_context()
    lines = parse_lines(form.tns.data)
    valid = [line.tn for line in lines if line.status == "valid"]
    if not valid or len(lines) > ctx.profile.max_tns:
        return lines
    verdicts = portal_reads.tn_availability(ctx.session, ctx.registry, valid,
                                            profile=ctx.profile, now=ctx.now,
                                            exclude_lsr_id=exclude_lsr_id)
    return [line.judged(*verdicts[line.tn]) if line.status == "valid" else line
            for line in lines]


# Without `view` or `csr` a user cannot read CSRs (§1.3; /portal/csr/<id> answers 403): the
# LSR form then shows none of a CSR's contents, neither the prefill nor the partial-port table.
NO_CSR_READS = ("Your login cannot read CSRs (that needs the view or csr privilege), so the "
                "form is not filled from one and shows no partial-port table. Fill it in "
                "yourself, or ask your administrator for the privilege.")


def _reads_csrs() -> bool:
    return policy.role_reads(current_user.privileges, CsrRequest)


def _csr(form, page: Page):
    if not _reads_csrs():
        return None
    csr_id = id_from_text(str(form.csr_id.data or ""))
    return portal_reads.csr_on_file(db.session(), scope(),
                                    csr_id=csr_id,
                                    an=(form.an.data or "").strip() or None,
                                    tns=[line.tn for line in page.lines if line.tn])


def _form_tns(form) -> list[str]:
    return [line.tn for line in parse_lines(form.tns.data) if line.tn]


def _posted():
    return request.form if request.method == "POST" else None


def _table(form, csr) -> dict | None:
    if csr is None or not csr.csr:
        return None
    record = csr.csr
    view = partial_table.build(record["tns"], record["btn"], _form_tns(form), form.remarks.data,
                               _posted(), new_btn=request.form.get("new_btn") or form.nan.data
                               or "")
    return {"csr": csr, "view": view}


def _spids() -> list:
    ctx = order_context()
    return portal_reads.spid_choices(ctx.session, ctx.registry, current_user.partner)


def _render(form, page: Page, *, mode: str = "new", status: int = 200,
            spids: list | None = None):
    csr = _csr(form, page)
    if csr is not None and not form.csr_id.data:
        form.csr_id.data = str(csr.id)
    table = _table(form, csr)
    _record_csr_views(page, csr if table is not None else None)
    by_field: dict[str, list] = {}
    for finding in page.findings:
        by_field.setdefault(str(finding.get("field")), []).append(finding)
    return render_template("portal/lsr_form.html", form=form, page=page, table=table,
                           by_field=by_field, mode=mode,
                           spids=_spids() if spids is None else spids,
                           max_tns=order_context().profile.max_tns), status


def _record_csr_views(page: Page, table_csr: CsrRequest | None) -> None:
    """A page showing a CSR's contents (the prefill, the partial-port table of its TNs with
    their status) is a view of that CSR: one audit event per CSR per page (§1.3.3)."""
    shown = {req.id: req for req in (page.csr, table_csr) if req is not None}
    for req in shown.values():
        cpni.csr_viewed(db.session(), req, actor=actor(), now=clock.now(), channel="portal")


def _apply_table(form, page: Page) -> None:
    csr = _csr(form, page)
    if csr is None or not csr.csr:
        page.table_errors.append(NO_CSR_READS if not _reads_csrs() else
                                 "No CSR on file for this account: request one first.")
        return
    record = csr.csr
    choices = partial_table.choices(record["tns"], _form_tns(form), form.remarks.data,
                                    request.form)
    fill = partial.plan(partial.working_tns(record["tns"]), record["btn"], choices,
                        request.form.get("new_btn"), form.remarks.data)
    page.table_errors.extend(fill.errors)
    if not fill.errors:
        form.tns.data, form.mi.data = "\n".join(fill.tns), fill.mi
        form.nan.data, form.remarks.data = fill.nan, fill.remarks
        page.notes.append("The table filled PORTED NBR, MI, NAN and REMARKS below.")


def _check(form, page: Page) -> None:
    body = lsr_forms.to_body(form, tns_of(page.lines), lsr_forms.loa_body(form.loa.data))
    result = validate_svc.dry_run(order_context(), LsrRequest.parse(body))
    page.findings, page.check = result["rejects"], result


def _syntax_ok(form, page: Page) -> bool:
    valid = form.validate()
    problems = lsr_forms.tn_problems(page.lines, order_context().profile.max_tns)
    form.tns.errors = list(form.tns.errors or []) + problems
    return valid and not problems


@bp.route("/lsrs/new", methods=["GET", "POST"])
@partner_access("lsr")
def new_lsr():
    form = _form()
    page = Page(lines=[])
    if request.method == "GET":
        _prefill(form, page)
        spids = _spids()
        default_spid(form, spids)
        page.lines = _lines(form)
        return _render(form, page, spids=spids)
    _merge_upload(form)
    page.lines = _lines(form)
    action = request.form.get("action", "lines")
    if action == "table":
        _apply_table(form, page)
        page.lines = _lines(form)
    elif action == "check":
        _check(form, page)
    elif action == "send":
        return _send(form, page)
    return _render(form, page)


def _prefill(form, page: Page) -> None:
    session = db.session()
    from_id = id_from_text(request.args.get("from"))
    csr_id = id_from_text(request.args.get("csr"))
    if from_id is not None:
        lsr = queries.get_lsr(session, from_id, scope())
        if lsr is None:
            abort(404, description="No such order for your company.")
        page.findings, page.notes = from_order(form, lsr)
        page.lsr = lsr
    elif csr_id is not None and not _reads_csrs():
        page.notes = [NO_CSR_READS]  # the form itself is the user's: no 403, nothing looked up
    elif csr_id is not None:
        req = csr_svc.get_csr_request(session, csr_id, scope())
        if req is None or req.status != "returned":
            abort(404, description="No returned CSR with that number for your company.")
        page.notes = from_csr(form, req)
        page.csr = req
    if not form.ver.data:
        form.ver.data = "1"


def _send(form, page: Page):
    if not _syntax_ok(form, page):
        return _render(form, page, status=422)
    body = lsr_forms.to_body(form, tns_of(page.lines), lsr_forms.loa_body(form.loa.data))
    try:
        result = lsr_svc.submit(order_context(), LsrRequest.parse(body))
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
        page.findings = list(err.extra.get("rejects") or [])
        return _render(form, page, status=status)
    lsr = result.lsr
    if not result.created:
        flash(f"PON {lsr.pon} VER {lsr.ver} was received before with the same content; "
              "this is that order.", "info")
    else:
        flash(outcome(lsr), "success" if lsr.status != "rejected" else "error")
    return redirect(url_for("portal.show_order", lsr_id=lsr.id))


def outcome(lsr) -> str:
    """One sentence on the order's new state."""
    if lsr.status == "foc":
        note = due_date_note(lsr)
        return (f"FOC issued: PON {lsr.pon} is due {lsr.due_date.isoformat()}"
                + (f" ({note})." if note else "."))
    if lsr.status == "manual_review":
        return (f"PON {lsr.pon} awaits the carrier's LNP desk ({lsr.review_reason}); the FOC "
                "is due by the time shown.")
    if lsr.status == "rejected":
        return f"PON {lsr.pon or '(invalid)'} was rejected: fix the items below and resend."
    return f"PON {lsr.pon} is {lsr.status}."


@bp.route("/orders/<int:lsr_id>/correct", methods=["GET", "POST"])
@partner_access("lsr")
def correct_order(lsr_id: int):
    ctx = order_context()
    lsr = queries.get_lsr(ctx.session, lsr_id, scope(), action=policy.Action.SUPPLEMENT,
                          for_update=request.method == "POST")
    if lsr is None:
        abort(404, description="No such order for your company.")
    if lsr.status not in OPEN_STATUSES:
        flash(f"A correction (SUP 3) is only for open orders; this one is {lsr.status}.",
              "error")
        return redirect(url_for("portal.show_order", lsr_id=lsr.id))
    form = _form([lsr.ccna])
    page = Page(lines=[], lsr=lsr)
    if request.method == "GET":
        page.notes = from_order(form, lsr)[1]
        page.lines = _lines(form, exclude_lsr_id=lsr.id)
        return _render(form, page, mode="correct")
    _merge_upload(form)
    page.lines = _lines(form, exclude_lsr_id=lsr.id)
    action = request.form.get("action", "lines")
    if action == "table":
        _apply_table(form, page)
    if action != "send":
        return _render(form, page, mode="correct")
    if not _syntax_ok(form, page):
        return _render(form, page, mode="correct", status=422)
    body = lsr_forms.to_body(form, tns_of(page.lines), lsr_forms.loa_body(form.loa.data),
                             whole=True)
    try:
        result = supplements.supplement(
            ctx, lsr, LsrRequest.parse({**body, "sup": "3", "pon": lsr.pon}))
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
        return _render(form, page, mode="correct", status=status)
    flash_supplement(result)
    return redirect(url_for("portal.show_order", lsr_id=lsr.id))


def flash_supplement(result) -> None:
    """Say what became of a supplement."""
    if result.status == "accepted":
        flash(f"Supplement VER {result.ver} accepted. " + outcome(result.lsr), "success")
    else:
        codes = ", ".join(r["code"] for r in result.rejects)
        flash(f"Supplement VER {result.ver} was rejected ({codes}); the order stays as it "
              "was. See the history below.", "error")


@bp.post("/lsrs/check-tns")
@partner_access("lsr")
def check_tns():
    """The TN lines judged, as JSON for the form's live feedback (CSRF header required)."""
    form = _form()
    lsr_id = request.form.get("lsr_id", "")
    own_id = id_from_text(lsr_id)
    own = queries.get_lsr(db.session(), own_id, scope()) if own_id is not None else None
    lines = _lines(form, exclude_lsr_id=own.id if own is not None else None)
    problems = lsr_forms.tn_problems(lines, order_context().profile.max_tns)
    return jsonify({"lines": [{"number": line.number, "raw": line.raw, "tn": line.tn,
                               "status": line.status, "detail": line.detail} for line in lines],
                    "problems": problems if lines else []})
