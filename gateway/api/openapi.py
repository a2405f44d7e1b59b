"""The OpenAPI 3 document of /api/v1, generated from the marshmallow schemas (apispec).

One table, OPERATIONS, lists every operation: add a row for a new endpoint (its schemas go in
gateway/schemas). Each row names its success answers (status -> component schema), request
body, the error statuses it can answer beyond the common ones, and the links the stateful
tests follow. Rules that hold for every row are applied by `_operation`:
- every operation needs a bearer token: 401 without one, 403 when the user's role or
  privileges do not allow it, 429 past the partner's rate limit (api-contract §1), and every
  error body is the envelope {"error": {"code", "message", ...}};
- a request body or a constrained query parameter can be refused 400 (bad_request);
- a path that names an object can answer 404 (absent, or not the caller's: api-contract §4).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway import schemas as s

ERR = {"$ref": "#/components/responses/Error"}
RATE_LIMITED = {"$ref": "#/components/responses/RateLimited"}  # api-contract §1
COMMON_ERRORS = (401, 403, 429)
PAGING = ({"name": "page", "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000}},
          {"name": "per_page", "schema": {"type": "integer", "minimum": 1, "maximum": 200}})
# Path parameters that are not integer ids (those are {"type": "integer", "minimum": 1}).
PATH_PARAMS = {
    "tn": {"type": "string", "pattern": s.TN_PATTERN},
    "account_number": {"type": "string", "minLength": 1},
}


def _query(name: str, description: str = "", **schema) -> dict:
    return {"name": name, "schema": {"type": "string", **schema},
            **({"description": description} if description else {})}


def _link(operation_id: str, **parameters: str) -> dict:
    return {"operationId": operation_id,
            "parameters": {name: f"$response.body#/{pointer}"
                           for name, pointer in parameters.items()}}


@dataclass(frozen=True)
class Op:
    """One row of the table: an operation of /api/v1."""

    method: str
    path: str
    operation_id: str
    summary: str
    ok: dict[int, str | dict]  # status -> component name, or a full content mapping
    body: str | dict | None = None  # a component name, or a full content mapping
    errors: tuple[int, ...] = ()  # beyond COMMON_ERRORS and those the shape implies
    query: tuple[dict, ...] = ()
    links: dict[str, dict] = field(default_factory=dict)  # on the first success status
    description: str = ""


LSR_LINKS = {"GetLsr": _link("getLsr", lsr_id="id"),
             "SupplementLsr": _link("supplementLsr", lsr_id="id"),
             "EscalateLsr": _link("escalateLsr", lsr_id="id"),
             "ListLsrEscalations": _link("listLsrEscalations", lsr_id="id")}
STAFF_LSR_LINKS = {"GetLsr": _link("getLsr", lsr_id="id"),
                   "DecideLsr": _link("decideLsr", lsr_id="id")}
SV_LINKS = {"GetSubscription": _link("getSubscription", sv_id="id"),
            "ActivateSubscription": _link("activateSubscription", sv_id="id"),
            "CancelSubscription": _link("cancelSubscription", sv_id="id")}
LOA_BINARY = {"schema": {"type": "string", "format": "binary"}}
WHEN = "a date YYYY-MM-DD or a timestamp with offset (blank: no bound)"
INSTANT = [{"format": "date"}, {"format": "date-time"}, {"pattern": r"^\s*$"}]
DESCRIPTION = (
    "The Portgate partner API (api-contract §4). Every text in a request is Unicode without "
    "NUL characters, and a JSON body is an object: otherwise 400 bad_request, nothing "
    "recorded. The fields of an LSR or CSR request are business rules, not syntax: a missing "
    "or malformed value is a recorded reject (201 with `rejects`), never an HTTP error.")

OPERATIONS: tuple[Op, ...] = (
    Op("post", "/csr-requests", "createCsrRequest", "Request a CSR", {201: "CsrResponse"},
       body="CsrRequest",
       links={"GetCsrRequest": _link("getCsrRequest", req_id="id")}),
    Op("get", "/csr-requests", "listCsrRequests", "List CSR requests", {200: "CsrRequestList"},
       query=(_query("tn"), *PAGING)),
    Op("get", "/csr-requests/{req_id}", "getCsrRequest", "A CSR request", {200: "CsrResponse"}),
    Op("post", "/lsrs", "createLsr", "Send an LSR or a supplement",
       {201: "LsrResponse", 200: {"oneOf": [{"$ref": "#/components/schemas/LsrResponse"},
                                            {"$ref": "#/components/schemas/SupplementResponse"}]}},
       body="Lsr", errors=(404, 409), links=LSR_LINKS,
       description="201: a version was recorded (a new order, or a resubmission on a rejected "
                   "order's PON). 200: the order unchanged, for an exact duplicate (an "
                   "LsrResponse), or a supplement's outcome when `sup` is set (a "
                   "SupplementResponse). 409: the other refusals of business-rules §7.5. "
                   "404: a supplement naming no order of the caller (unknown_pon)."),
    Op("get", "/lsrs", "listLsrs", "List LSRs", {200: "LsrList"},
       query=(_query("pon"), _query("tn"),
              _query("status", "foc, rejected, manual_review, canceled, expired or "
                               "completed (another value matches nothing)"), *PAGING)),
    Op("post", "/lsrs/validate", "validateLsr", "Dry-run an LSR", {200: "ValidateResponse"},
       body="ValidateLsr"),
    Op("get", "/lsrs/{lsr_id}", "getLsr", "An LSR", {200: "LsrResponse"},
       links={"SupplementLsr": _link("supplementLsr", lsr_id="id")}),
    Op("post", "/lsrs/{lsr_id}/supplements", "supplementLsr", "Supplement an LSR",
       {200: "SupplementResponse"}, body="Lsr", errors=(409,)),
    Op("post", "/lsrs/{lsr_id}/escalations", "escalateLsr", "Escalate an LSR",
       {201: "EscalationResponse"}, body="EscalationRequest", errors=(409,)),
    Op("get", "/lsrs/{lsr_id}/escalations", "listLsrEscalations", "Escalations of an LSR",
       {200: "EscalationList"}),
    Op("get", "/escalation-contacts", "listEscalationContacts",
       "Escalation contacts of a state", {200: "EscalationContacts"}),  # query: see _document
    Op("get", "/npac/tns/{tn}", "lookupTn", "Current provider of a TN", {200: "NpacTn"}),
    Op("post", "/npac/subscriptions", "createSubscription", "Create an SV",
       {201: "Subscription"}, body="SubscriptionRequest", links=SV_LINKS,
       errors=(409,)),  # sv_open: the TN has a pending or conflict SV
    Op("get", "/npac/subscriptions/{sv_id}", "getSubscription", "An SV", {200: "Subscription"}),
    Op("post", "/npac/subscriptions/{sv_id}/activate", "activateSubscription",
       "Activate an SV", {200: "Subscription"}, errors=(409,)),
    Op("post", "/npac/subscriptions/{sv_id}/cancel", "cancelSubscription", "Cancel an SV",
       {200: "Subscription"}, errors=(409,)),
    Op("get", "/loas/{loa_id}", "getLoa",
       "An LOA file (the partner that sent it, the carrier it acted for, staff)",
       {200: {kind: LOA_BINARY for kind in ("application/octet-stream", "application/pdf",
                                            "image/png", "image/jpeg")}},
       description="The file as received: its sniffed type (PDF, PNG or JPEG), or "
                   "application/octet-stream when the request's Accept header prefers it."),
    Op("get", "/staff/queue", "staffQueue", "Staff work queue", {200: "Queue"}),
    Op("post", "/staff/lsrs/{lsr_id}/decision", "decideLsr", "Staff decision",
       {200: "LsrResponse"}, body="Decision", errors=(409,),
       description="400 also for a decision the rules refuse (business-rules §7.2): "
                   "invalid_due_date, invalid_due_time, codes_required, remarks_required."),
    Op("post", "/staff/manual-lsrs", "enterManualLsr", "Manual LSR entry",
       {201: "LsrResponse", 200: {"oneOf": [{"$ref": "#/components/schemas/LsrResponse"},
                                            {"$ref": "#/components/schemas/SupplementResponse"}]}},
       body="ManualLsr", errors=(404, 409),
       links=STAFF_LSR_LINKS,
       description="400 also for a receipt time in the future or more than 30 days ago. An "
                   "`lsr` with `sup` set is a faxed supplement to the partner's order named by "
                   "its PON (200, SupplementResponse; 404 unknown_pon)."),
    Op("post", "/staff/manual-csr-requests", "enterManualCsrRequest", "Manual CSR entry",
       {201: "CsrResponse"}, body="ManualCsr", errors=(404,),
       description="400 also for a receipt time in the future or more than 30 days ago."),
    Op("get", "/staff/escalations", "staffEscalations", "Open escalations",
       {200: "EscalationList"},
       query=(_query("state"), _query("open", "0, false or no: resolved ones too"))),
    Op("post", "/staff/escalations/{escalation_id}/acknowledge", "acknowledgeEscalation",
       "Acknowledge an escalation", {200: "Escalation"}, errors=(409,)),
    Op("post", "/staff/escalations/{escalation_id}/resolve", "resolveEscalation",
       "Resolve an escalation", {200: "Escalation"}, body="Resolution", errors=(409,)),
    Op("post", "/staff/npac/subscriptions/{sv_id}/conflict", "staffConflict",
       "Put a pending SV into conflict (old provider)", {200: "Subscription"},
       body="ConflictRequest", errors=(409,)),
    Op("get", "/staff/audit", "exportAudit", "Export the audit trail (staff)",
       {200: {"application/json": {"schema": {"$ref": "#/components/schemas/AuditPage"}},
              "text/csv": {"schema": {"type": "string"}}}},
       errors=(400, 404),
       query=(_query("since", WHEN, anyOf=INSTANT), _query("until", WHEN, anyOf=INSTANT),
              _query("actor"), _query("action"), _query("object_type"), _query("object_id"),
              _query("partner", "a partner's CCNA (404 when unknown)"), *PAGING,
              _query("format", enum=["json", "csv"]))),
    Op("post", "/staff/accounts/{account_number}/unlock", "unlockAccount",
       "Lift a passcode lock", {200: "AccountUnlock"}),
    # order notes (business-rules §13.1, api-contract §4.2.2)
    Op("get", "/lsrs/{lsr_id}/notes", "listLsrNotes", "Notes of an LSR, oldest first",
       {200: "NoteList"}),
    Op("post", "/lsrs/{lsr_id}/notes", "writeLsrNote", "Write a note on an LSR",
       {201: "Note"}, body="NoteRequest", errors=(409,),
       description="400 bad_request for empty or over-long text, bad_attachment for an "
                   "attachment that is not a PDF, PNG or JPEG of at most 5 MB."),
    Op("get", "/lsrs/{lsr_id}/notes/{note_id}/attachment", "getNoteAttachment",
       "A note's attachment (whoever may read the order's notes)",
       {200: {kind: LOA_BINARY for kind in ("application/octet-stream", "application/pdf",
                                            "image/png", "image/jpeg")}},
       description="The file as received: its sniffed type (PDF, PNG or JPEG), or "
                   "application/octet-stream when the request's Accept header prefers it."),
    # port-out protection (business-rules §11, api-contract §4.4)
    Op("put", "/staff/accounts/{account_number}/freeze", "freezeAccount",
       "Place or lift a port-out freeze at the end user's request", {200: "FreezeAnswer"},
       body="FreezeRequest",
       description="400 bad_request for a missing or bad channel or note."),
    Op("post", "/staff/lsrs/{lsr_id}/hold", "decideHold",
       "Release or cancel an order held by the end user's dispute", {200: "LsrResponse"},
       body="HoldDecision", errors=(409,),
       description="409 not_on_hold for an order that is not on hold."),
    # bulk requests (business-rules §12, api-contract §4.2.1)
    Op("post", "/lsr-batches", "createLsrBatch", "Send 1-500 LSRs as a batch",
       {202: "BatchQueued"},
       body={"application/json": {"schema": {"$ref": "#/components/schemas/LsrBatchRequest"}},
             "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                "properties": {"file": {
                                                    "type": "string", "format": "binary"}}}}},
       description="400 bad_csv for an empty or unreadable file or an unknown column; 400 "
                   "for more than 500 LSRs; nothing recorded then."),
    Op("get", "/lsr-batches/{batch_id}", "getLsrBatch", "An LSR batch and its answered items",
       {200: "Batch"}),
    Op("get", "/lsr-batches/{batch_id}/results.csv", "getLsrBatchResults",
       "An LSR batch's results as CSV", {200: {"text/csv": {"schema": {"type": "string"}}}}),
    Op("post", "/csr-batches", "createCsrBatch", "Request 1-100 CSRs at once",
       {201: "CsrBatchAnswer"}, body="CsrBatchRequest"),
)

# Component schemas, by the name the document gives them (nested ones register themselves).
SCHEMAS = {
    "Lsr": s.LsrSchema, "ValidateLsr": s.ValidateLsrSchema, "CsrRequest": s.CsrRequestSchema,
    "CsrResponse": s.CsrResponseSchema, "CsrRequestList": s.CsrRequestListSchema,
    "LsrResponse": s.LsrResponseSchema, "LsrList": s.LsrListSchema,
    "SupplementResponse": s.SupplementResponseSchema,
    "ValidateResponse": s.ValidateResponseSchema,
    "EscalationRequest": s.EscalationRequestSchema,
    "EscalationResponse": s.EscalationResponseSchema, "Escalation": s.EscalationSchema,
    "EscalationList": s.EscalationListSchema, "EscalationContacts": s.EscalationContactsSchema,
    "Resolution": s.ResolutionSchema, "ContactLevel": s.ContactLevelSchema,
    "NpacTn": s.NpacTnSchema, "SubscriptionRequest": s.SubscriptionRequestSchema,
    "Subscription": s.SubscriptionSchema, "ConflictRequest": s.ConflictRequestSchema,
    "Decision": s.DecisionSchema, "ManualLsr": s.ManualLsrSchema,
    "ManualCsr": s.ManualCsrSchema, "Queue": s.QueueSchema,
    "AccountUnlock": s.AccountUnlockSchema, "AuditPage": s.AuditPageSchema,
    "ErrorEnvelope": s.ErrorEnvelopeSchema,
    "NoteRequest": s.NoteRequestSchema, "Note": s.NoteSchema, "NoteList": s.NoteListSchema,
    "FreezeRequest": s.FreezeRequestSchema, "FreezeAnswer": s.FreezeAnswerSchema,
    "HoldDecision": s.HoldDecisionSchema, "LsrBatchRequest": s.LsrBatchRequestSchema,
    "BatchQueued": s.BatchQueuedSchema, "Batch": s.BatchSchema,
    "CsrBatchRequest": s.CsrBatchRequestSchema, "CsrBatchAnswer": s.CsrBatchAnswerSchema,
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _content(answer: str | dict) -> dict:
    if isinstance(answer, str):
        return {"application/json": {"schema": _ref(answer)}}
    if any("/" in key for key in answer):  # already a content mapping
        return answer
    return {"application/json": {"schema": answer}}


def _operation(op: Op, query: tuple[dict, ...]) -> dict:
    path_names = re.findall(r"{(\w+)}", op.path)
    params = [{"name": name, "in": "path", "required": True,
               "schema": PATH_PARAMS.get(name, {"type": "integer", "minimum": 1})}
              for name in path_names]
    params += [{"in": "query", "required": False, **q} for q in query]
    responses: dict[str, dict] = {}
    for index, (status, answer) in enumerate(op.ok.items()):
        response = {"description": op.summary if index == 0 else f"{op.summary} ({status})",
                    "content": _content(answer)}
        if index == 0 and op.links:
            response["links"] = op.links
        responses[str(status)] = response
    errors = set(COMMON_ERRORS) | set(op.errors)
    if op.body or any(q.get("required") or len(q["schema"]) > 1 for q in params):
        errors.add(400)
    if path_names:
        errors.add(404)
    responses.update({str(code): RATE_LIMITED if code == 429 else ERR
                      for code in sorted(errors)})
    operation = {"operationId": op.operation_id, "summary": op.summary,
                 "responses": responses, "security": [{"bearer": []}]}
    if op.description:
        operation["description"] = op.description
    if op.body:
        operation["requestBody"] = {"required": True, "content": _content(op.body)}
    if params:
        operation["parameters"] = params
    return operation


def openapi_document(states: tuple[str, ...] = ()) -> dict:
    """The document for a carrier serving these states (the escalation-contacts enum)."""
    return _document(tuple(sorted(states)))


@lru_cache(maxsize=8)
def _document(states: tuple[str, ...]) -> dict:
    spec = APISpec(title="Portgate API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()], servers=[{"url": "/api/v1"}],
                   info={"description": DESCRIPTION})
    for name, schema in SCHEMAS.items():
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.response("Error", {"description": "Error envelope (api-contract §4)",
                                       "content": {"application/json": {
                                           "schema": _ref("ErrorEnvelope")}}})
    spec.components.response("RateLimited", {
        "description": "More than API_RATE_LIMIT requests from the partner in this minute "
                       "(code rate_limited); nothing was recorded",
        "headers": {"Retry-After": {"description": "Seconds until the next window",
                                    "schema": {"type": "integer", "minimum": 1}}},
        "content": {"application/json": {"schema": _ref("ErrorEnvelope")}}})
    state = {"name": "state", "required": True,
             "schema": {"type": "string", **({"enum": list(states)} if states else {})},
             "description": "A state the carrier serves"}
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        query = (state,) if op.operation_id == "listEscalationContacts" else op.query
        paths.setdefault(op.path, {})[op.method] = _operation(op, query)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    for schema in document["components"]["schemas"].values():
        for name, prop in schema.get("properties", {}).items():
            schema["properties"][name] = _nullable_ref(prop)
    return document


def _nullable_ref(prop: dict) -> dict:
    """apispec writes a nullable nested schema as anyOf [any object (nullable), $ref], which
    any object matches and which generated clients read as an untyped dict: say instead "this
    schema, or null" (the OpenAPI 3.0 idiom: allOf with one $ref, nullable)."""
    options = prop.get("anyOf")
    if isinstance(options, list) and len(options) == 2 \
            and {"nullable": True, "type": "object"} in options:
        ref = next(o for o in options if "$ref" in o)
        rest = {k: v for k, v in prop.items() if k != "anyOf"}
        return {**rest, "allOf": [ref], "nullable": True}
    return prop
