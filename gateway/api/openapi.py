"""The OpenAPI 3 document of /api/v1, generated from the marshmallow schemas (apispec)."""
from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway import schemas as s

ERR = {"$ref": "#/components/responses/Error"}


def _json(schema: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _op(summary: str, ok: str, schema: str | None, *, body: str | None = None,
        errors=(400, 401, 403, 404), params: list | None = None) -> dict:
    responses = {ok: {"description": summary, **(_json(schema) if schema else {})}}
    responses.update({str(code): ERR for code in errors})
    responses["429"] = {"$ref": "#/components/responses/RateLimited"}  # api-contract §1
    op = {"summary": summary, "responses": responses, "security": [{"bearer": []}]}
    if body:
        op["requestBody"] = {"required": True, **_json(body)}
    if params:
        op["parameters"] = params
    return op


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _query(*names: str) -> list[dict]:
    return [{"name": n, "in": "query", "required": False,
             "schema": {"type": "integer" if n in ("page", "per_page") else "string"}}
            for n in names]


SCHEMAS = ("LsrSchema", "CsrRequestSchema", "CsrResponseSchema", "LsrResponseSchema",
           "SupplementResponseSchema", "ValidateResponseSchema", "EscalationRequestSchema",
           "EscalationResponseSchema", "SubscriptionRequestSchema", "SubscriptionSchema",
           "DecisionSchema", "ManualLsrSchema", "ManualCsrSchema", "ErrorEnvelopeSchema",
           "ContactLevelSchema", "NoteRequestSchema", "NoteSchema", "NoteListSchema")


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    """Build the document once per process."""
    spec = APISpec(title="Portgate API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()], servers=[{"url": "/api/v1"}])
    for name in SCHEMAS:
        component = name.removesuffix("Schema")
        if component not in spec.components.schemas:  # nested ones register themselves
            spec.components.schema(component, schema=getattr(s, name))
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.response("Error", {"description": "Error envelope",
                                       **_json("ErrorEnvelope")})
    spec.components.response("RateLimited", {
        "description": "More than API_RATE_LIMIT requests from the partner in this minute "
                       "(code rate_limited); nothing was recorded",
        "headers": {"Retry-After": {"description": "Seconds until the next window",
                                    "schema": {"type": "integer", "minimum": 1}}},
        **_json("ErrorEnvelope")})
    for path, ops in _paths().items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()


def _paths() -> dict:
    lid = [_path_id("lsr_id")]
    sid = [_path_id("sv_id")]
    return {
        "/csr-requests": {
            "post": _op("Request a CSR", "201", "CsrResponse", body="CsrRequest"),
            "get": _op("List CSR requests", "200", None,
                       params=_query("tn", "page", "per_page"))},
        "/csr-requests/{req_id}": {"get": _op("A CSR request", "200", "CsrResponse",
                                              params=[_path_id("req_id")])},
        "/lsrs": {"post": _op("Send an LSR or a supplement", "201", "LsrResponse", body="Lsr",
                              errors=(400, 401, 403, 404, 409)),
                  "get": _op("List LSRs", "200", None,
                             params=_query("pon", "tn", "status", "page", "per_page"))},
        "/lsrs/validate": {"post": _op("Dry-run an LSR", "200", "ValidateResponse", body="Lsr")},
        "/lsrs/{lsr_id}": {"get": _op("An LSR", "200", "LsrResponse", params=lid)},
        "/lsrs/{lsr_id}/supplements": {"post": _op(
            "Supplement an LSR", "200", "SupplementResponse", body="Lsr", params=lid,
            errors=(400, 401, 403, 404, 409))},
        "/lsrs/{lsr_id}/escalations": {"post": _op(
            "Escalate an LSR", "201", "EscalationResponse", body="EscalationRequest",
            params=lid), "get": _op("Escalations of an LSR", "200", None, params=lid)},
        "/lsrs/{lsr_id}/notes": {
            "post": _op("Write a note on an LSR (business-rules §13.1)", "201", "Note",
                        body="NoteRequest", params=lid, errors=(400, 401, 403, 404, 409)),
            "get": _op("Notes of an LSR, oldest first", "200", "NoteList", params=lid)},
        "/lsrs/{lsr_id}/notes/{note_id}/attachment": {"get": _note_file_op()},
        "/escalation-contacts": {"get": _op("Escalation contacts of a state", "200", None,
                                            params=_query("state"))},
        "/npac/tns/{tn}": {"get": _op("Current provider of a TN", "200", None, params=[
            {"name": "tn", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/npac/subscriptions": {"post": _op("Create an SV", "201", "Subscription",
                                            body="SubscriptionRequest")},
        "/npac/subscriptions/{sv_id}": {"get": _op("An SV", "200", "Subscription", params=sid)},
        "/npac/subscriptions/{sv_id}/activate": {"post": _op(
            "Activate an SV", "200", "Subscription", params=sid, errors=(401, 403, 404, 409))},
        "/npac/subscriptions/{sv_id}/cancel": {"post": _op(
            "Cancel an SV", "200", "Subscription", params=sid, errors=(401, 403, 404, 409))},
        "/staff/queue": {"get": _op("Staff work queue", "200", None)},
        "/staff/lsrs/{lsr_id}/decision": {"post": _op(
            "Staff decision", "200", "LsrResponse", body="Decision", params=lid,
            errors=(400, 401, 403, 404, 409))},
        "/staff/manual-lsrs": {"post": _op("Manual LSR entry", "201", "LsrResponse",
                                           body="ManualLsr", errors=(400, 401, 403, 404, 409))},
        "/staff/manual-csr-requests": {"post": _op("Manual CSR entry", "201", "CsrResponse",
                                                   body="ManualCsr")},
        "/staff/escalations": {"get": _op("Open escalations", "200", None,
                                          params=_query("state", "open"))},
        "/staff/escalations/{escalation_id}/acknowledge": {"post": _op(
            "Acknowledge an escalation", "200", None, params=[_path_id("escalation_id")],
            errors=(401, 403, 404, 409))},
        "/staff/escalations/{escalation_id}/resolve": {"post": _op(
            "Resolve an escalation", "200", None, params=[_path_id("escalation_id")],
            errors=(400, 401, 403, 404, 409))},
        "/staff/npac/subscriptions/{sv_id}/conflict": {"post": _op(
            "Put a pending SV into conflict (old provider)", "200", "Subscription", params=sid,
            errors=(400, 401, 403, 404, 409))},
        "/loas/{loa_id}": {"get": _loa_op()},
        "/staff/audit": {"get": _audit_op()},
        "/staff/accounts/{account_number}/freeze": {"put": _op(
            "Place or lift a port-out freeze at the end user's request (§11.1)", "200", None,
            params=[{"name": "account_number", "in": "path", "required": True,
                     "schema": {"type": "string"}}])},
        "/staff/lsrs/{lsr_id}/hold": {"post": _op(
            "Release or cancel an order held by the end user's dispute (§11.2)", "200",
            "LsrResponse", params=lid, errors=(400, 401, 403, 404, 409))},
        **_batch_paths(),
        "/staff/accounts/{account_number}/unlock": {"post": _op(
            "Lift a passcode lock", "200", None, params=[
                {"name": "account_number", "in": "path", "required": True,
                 "schema": {"type": "string"}}])},
    }


def _batch_paths() -> dict:
    """Bulk (api-contract §4.2.1): JSON `{"lsrs": [...]}` or a multipart CSV `file`."""
    bid = [_path_id("batch_id")]
    csv_body = {"type": "object", "properties": {"file": {"type": "string",
                                                          "format": "binary"}}}
    create = _op("Send an LSR batch (1-500 LSRs), queued for the worker", "202", None)
    create["requestBody"] = {"required": True, "content": {
        "application/json": {"schema": {"type": "object", "required": ["lsrs"], "properties": {
            "lsrs": {"type": "array", "minItems": 1, "maxItems": 500,
                     "items": {"type": "object"}}}}},
        "multipart/form-data": {"schema": csv_body}}}
    results = _op("An LSR batch's results as CSV", "200", None, params=bid)
    results["responses"]["200"]["content"] = {"text/csv": {"schema": {"type": "string"}}}
    csrs = _op("Request 1-100 CSRs at once", "201", None)
    csrs["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["requests"], "properties": {"requests": {
            "type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "object"}}}}}}}
    return {"/lsr-batches": {"post": create},
            "/lsr-batches/{batch_id}": {"get": _op("An LSR batch: progress and answered items",
                                                   "200", None, params=bid)},
            "/lsr-batches/{batch_id}/results.csv": {"get": results},
            "/csr-batches": {"post": csrs}}


def _loa_op() -> dict:
    """The LOA file itself (PDF, PNG or JPEG, as sniffed when it was received)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    op = _op("An LOA file (the partner that sent it, the carrier it acted for, staff)", "200",
             None, params=[_path_id("loa_id")], errors=(401, 403, 404))
    op["responses"]["200"]["content"] = {kind: binary for kind in
                                         ("application/pdf", "image/png", "image/jpeg")}
    return op


def _note_file_op() -> dict:
    """A note's attachment (whoever may read the order's notes)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    op = _op("A note's attachment", "200", None,
             params=[_path_id("lsr_id"), _path_id("note_id")], errors=(401, 403, 404))
    op["responses"]["200"]["content"] = {kind: binary for kind in
                                         ("application/pdf", "image/png", "image/jpeg")}
    return op


def _audit_op() -> dict:
    """The audit trail for staff: JSON pages, or every matching event as CSV."""
    op = _op("Export the audit trail (staff)", "200", None, errors=(400, 401, 403, 404),
             params=_query("since", "until", "actor", "action", "object_type", "object_id",
                           "partner", "page", "per_page"))
    op["parameters"].append({"name": "format", "in": "query", "required": False,
                             "schema": {"type": "string", "enum": ["json", "csv"]}})
    op["responses"]["200"]["content"] = {
        "application/json": {"schema": {"type": "object", "required": ["items", "total"]}},
        "text/csv": {"schema": {"type": "string"}}}
    return op
