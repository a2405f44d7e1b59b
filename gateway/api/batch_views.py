"""Bulk API (api-contract §4.2.1): LSR batches queued for the worker, CSR batches at once."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from gateway import clock, db
from gateway.api import READ_LSRS, bp, json_body, require, require_any
from gateway.errors import InvalidInput, NotFound
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.services.batches import csr as csr_batches
from gateway.services.batches import intake, reads
from gateway.services.batches.files import MAX_FILE_BYTES
from gateway.services.serialize import csr_body, iso


def _lsrs_from_request() -> tuple[list, str, str | None]:
    """The batch's LSRs from a JSON body or a multipart CSV `file`."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput("Send the CSV as the multipart field `file`.", code="bad_csv",
                               fields={"file": "missing"})
        data = upload.read(MAX_FILE_BYTES + 1)
        return intake.parse_csv_lsrs(data), "csv", upload.filename
    return intake.parse_json_lsrs(json_body()), "json", None


@bp.post("/lsr-batches")
def create_lsr_batch():
    require("lsr")
    lsrs, source, filename = _lsrs_from_request()
    batch = intake.create_batch(db.session(), lsrs, partner=g.user.partner, actor=g.actor,
                                now=clock.now(), channel="api", source=source,
                                filename=filename)
    return jsonify({"id": batch.id, "status": batch.status, "total": batch.total,
                    "received_at": iso(batch.received_at)}), 202


def _batch(batch_id: int):
    require_any(READ_LSRS)
    batch = reads.get_batch(db.session(), batch_id, g.actor)
    if batch is None:
        raise NotFound(f"No LSR batch {batch_id}.")
    return batch


@bp.get("/lsr-batches/<int:batch_id>")
def get_lsr_batch(batch_id: int):
    batch = _batch(batch_id)
    return jsonify(reads.batch_body(db.session(), batch, g.actor))


@bp.get("/lsr-batches/<int:batch_id>/results.csv")
def lsr_batch_results(batch_id: int):
    batch = _batch(batch_id)
    return results_response(reads.results_csv(db.session(), batch, g.actor), batch.id)


def results_response(text: str, batch_id: int) -> Response:
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="batch-{batch_id}-results.csv"',
        "Cache-Control": "no-store"})


@bp.post("/csr-batches")
def create_csr_batch():
    require("csr")
    session = db.session()
    answered = csr_batches.request_csrs(session, composition.registry(session), json_body(),
                                        partner=g.user.partner, actor=g.actor, now=clock.now(),
                                        profile=carrier_profile())
    return jsonify({"items": [csr_body(r) for r in answered]}), 201
