"""Bulk LSRs in the portal (business-rules §12): template, upload, preview, progress, results."""
from __future__ import annotations

from flask import Response, abort, jsonify, redirect, render_template, url_for
from flask_login import current_user

from forms.batches import MAX_BATCH_BYTES, BatchConfirmForm, BatchUploadForm
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.portal import bp
from gateway.portal.common import actor, failed, partner_access
from gateway.services.batches import files, intake, reads


def _batch(batch_id: int):
    batch = reads.get_batch(db.session(), batch_id, actor())
    if batch is None:
        abort(404)
    return batch


@bp.get("/batches")
@partner_access("lsr")
def list_batches():
    return render_template("portal/batches.html", form=BatchUploadForm(),
                           batches=reads.recent_batches(db.session(), actor()))


@bp.get("/batches/template.csv")
@partner_access("lsr")
def batch_template():
    return Response(files.template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="lsr-batch-template.csv"'})


@bp.post("/batches/preview")
@partner_access("lsr")
def preview_batch():
    """Read the file and show its LSRs; nothing is recorded until the partner confirms."""
    form = BatchUploadForm()
    status = 422
    if form.validate_on_submit():
        data = form.file.data.read(MAX_BATCH_BYTES + 1)
        try:
            lsrs = intake.parse_csv_lsrs(data)
        except GatewayError as err:
            form.file.errors = [failed(err)[0]]
        else:
            confirm = BatchConfirmForm(csv_text=data.decode("utf-8-sig"),
                                       filename=form.file.data.filename)
            return render_template("portal/batch_preview.html", lsrs=lsrs, confirm=confirm,
                                   filename=form.file.data.filename,
                                   tns=sum(len(x.body.get("tns", [])) for x in lsrs))
    return render_template("portal/batches.html", form=form,
                           batches=reads.recent_batches(db.session(), actor())), status


@bp.post("/batches")
@partner_access("lsr")
def create_batch():
    form = BatchConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        lsrs = intake.parse_csv_lsrs((form.csv_text.data or "").encode())
        batch = intake.create_batch(db.session(), lsrs, partner=current_user.partner,
                                    actor=actor(), now=clock.now(), channel="portal",
                                    source="csv", filename=form.filename.data)
    except GatewayError as err:
        upload = BatchUploadForm()
        upload.file.errors = [failed(err)[0]]
        return render_template("portal/batches.html", form=upload,
                               batches=reads.recent_batches(db.session(), actor())), 422
    return redirect(url_for("portal.show_batch", batch_id=batch.id))


@bp.get("/batches/<int:batch_id>")
@partner_access("lsr", "view")
def show_batch(batch_id: int):
    batch = _batch(batch_id)
    session = db.session()
    return render_template("portal/batch.html", batch=batch,
                           rows=reads.result_table(session, batch, actor()),
                           counts=reads.outcome_counts(session, batch))


@bp.get("/batches/<int:batch_id>/progress.json")
@partner_access("lsr", "view")
def batch_progress(batch_id: int):
    batch = _batch(batch_id)
    return jsonify(reads.batch_summary(db.session(), batch))


@bp.get("/batches/<int:batch_id>/results.csv")
@partner_access("lsr", "view")
def batch_results(batch_id: int):
    batch = _batch(batch_id)
    return Response(reads.results_csv(db.session(), batch, actor()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="batch-{batch.id}-results.csv"',
        "Cache-Control": "no-store"})
