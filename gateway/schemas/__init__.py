"""marshmallow schemas of the JSON API: request shapes (syntax only) and response bodies.

Field formats of an LSR are business rules (a bad value is a recorded reject, not a 400), so
the request schemas accept any JSON values for the LSR keys and leave judgment to validators/:
the OpenAPI document says so (no `type`, no `required`), which is the truth a client can rely on.
Response schemas mark `required` the keys every answer carries, so generated clients get typed
attributes rather than optional ones.
"""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from validators.catalog import FIELDS

LSR_STATUSES = ["foc", "rejected", "manual_review", "canceled", "expired", "completed"]


ANY_VALUE = ("Any JSON value is accepted here: a missing or malformed one is a recorded reject "
             "(R601/R602), not an HTTP error.")


def _lsr_fields() -> dict:
    declared: dict = {}
    for spec in FIELDS.values():
        key = spec.json_key
        if "." in key or key == "eu":
            continue
        declared[key] = fields.Raw(metadata={"description": (
            f"{spec.obf_field}: {spec.meaning} ({spec.format}; {spec.required}). {ANY_VALUE}")})
    declared["eu"] = fields.Raw(metadata={"description": (
        "End user (EU form): an object of the `eu.*` keys of lsr-fields.csv. " + ANY_VALUE)})
    return declared


class _OpenBody(Schema):
    """A request body whose unknown keys are kept (the rules engine names them)."""

    class Meta:
        unknown = INCLUDE


LsrSchema = _OpenBody.from_dict(_lsr_fields(), name="LsrSchema")
# A dry run checks new LSRs and resubmissions: `sup` must be absent, null or blank (else 400).
ValidateLsrSchema = _OpenBody.from_dict({**_lsr_fields(), "sup": fields.String(
    allow_none=True, validate=validate.Regexp(r"^\s*$"), metadata={
        "description": "Absent, null or blank: a body with `sup` set is refused 400 "
                       "bad_request (dry runs do not check supplements)."})},
    name="ValidateLsrSchema")


class RejectSchema(Schema):
    code = fields.String(required=True)
    field = fields.String(allow_none=True)
    message = fields.String(required=True)


class CsrRequestSchema(_OpenBody):
    tn = fields.Raw(metadata={"description": "The TN (10 digits). " + ANY_VALUE})
    an = fields.Raw(metadata={"description": "Account number (optional). " + ANY_VALUE})
    ccna = fields.Raw(metadata={"description": "The carrier the request is for: the caller's "
                                               "own by default, or the carrier an approved "
                                               "agent acts for. " + ANY_VALUE})
    agauth = fields.Raw(metadata={"description": "Agency authorization, `Y`. " + ANY_VALUE})
    loa = fields.Raw(metadata={"description": "`{\"filename\", \"content_base64\"}` "
                                              "(agents). " + ANY_VALUE})


def _req(field: fields.Field) -> fields.Field:
    """A response key every answer carries (required in the document)."""
    field.required = True
    return field


class AddressSchema(Schema):
    sano, sasd, sasn, sath, sass = (fields.String(allow_none=True) for _ in range(5))
    ld1, lv1, city, state, zip = (fields.String(allow_none=True) for _ in range(5))


class CsrTnSchema(Schema):
    tn = fields.String(required=True)
    status = fields.String(required=True)


class CsrRecordSchema(Schema):
    account_number = fields.String(required=True)
    btn = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    service_address = fields.Nested(AddressSchema)
    tns = fields.List(fields.Nested(CsrTnSchema), required=True)
    service_class = fields.String(allow_none=True)
    une = fields.Boolean()
    simple_port_eligible = fields.Boolean()
    passcode_required = fields.Boolean()
    port_freeze = fields.Boolean()


class CsrResponseSchema(Schema):
    id = _req(fields.Integer())
    status = _req(fields.String(validate=validate.OneOf(["returned", "rejected"])))
    received_at = _req(fields.String())
    due_at = _req(fields.String(allow_none=True))
    answered_at = _req(fields.String(allow_none=True))
    due_met = _req(fields.Boolean(allow_none=True, metadata={
        "description": "answered by its due time (business-rules §3.5)"}))
    rejects = _req(fields.List(fields.Nested(RejectSchema)))
    csr = _req(fields.Nested(CsrRecordSchema, allow_none=True))
    loa_id = _req(fields.Integer(allow_none=True, metadata={
        "description": "GET /loas/{loa_id}"}))


class FocSchema(Schema):
    due_date = _req(fields.String())
    due_time = fields.String(allow_none=True, metadata={
        "description": "HH:MM local: a coordinated cut's time (business-rules §13.2)"})
    issued_at = _req(fields.String())
    tns = _req(fields.List(fields.String()))
    disconnect_tns = _req(fields.List(fields.String()))
    new_btn = fields.String(allow_none=True)


class HistorySchema(Schema):
    ver = _req(fields.String(allow_none=True))
    sup = _req(fields.String(allow_none=True))
    status = _req(fields.String())
    at = _req(fields.String())
    rejects = _req(fields.List(fields.Nested(RejectSchema)))
    due_date = fields.String(allow_none=True)


class ClocksSchema(Schema):
    foc_due_at = fields.String(allow_none=True, metadata={
        "description": "When the FOC is due (business-rules §5.4)"})
    foc_overdue = fields.Boolean(metadata={"description": "The FOC due time passed in review"})
    window_ends_at = fields.String(allow_none=True, metadata={
        "description": "End of the porting window (§5.5), once an FOC is issued"})


class LsrResponseSchema(Schema):
    id = _req(fields.Integer())
    order_number = _req(fields.String())
    ccna = _req(fields.String(allow_none=True))
    pon = _req(fields.String(allow_none=True))
    ver = _req(fields.String(allow_none=True))
    status = _req(fields.String(validate=validate.OneOf(LSR_STATUSES)))
    port_type = fields.String(allow_none=True, metadata={
        "description": "simple | non_simple | project"})
    received_at = _req(fields.String())
    effective_received_at = fields.String(allow_none=True)
    review_reason = fields.String(allow_none=True, metadata={
        "description": "Why the order is with staff (business-rules §7.2)"})
    review_rule = fields.String(allow_none=True, metadata={
        "description": "cross_partner | new_partner: the risk rule of a fraud review (§11.3)"})
    hold = fields.String(allow_none=True, metadata={"description": "dispute while on hold"})
    cancel_reason = fields.String(allow_none=True, metadata={
        "description": "end_user_dispute when the desk canceled a held order (§11.2)"})
    awaiting_partner = fields.Boolean(metadata={
        "description": "Staff asked for information the partner has not given (§13.1)"})
    foc = _req(fields.Nested(FocSchema, allow_none=True))
    due_date_note = fields.String(allow_none=True, metadata={
        "description": "Why the FOC date is later than the DDD asked (§5.3, §6.2), else null"})
    rejects = _req(fields.List(fields.Nested(RejectSchema)))
    history = _req(fields.List(fields.Nested(HistorySchema)))
    loa_id = fields.Integer(allow_none=True, metadata={"description": "GET /loas/{loa_id}"})
    clocks = fields.Nested(ClocksSchema)


class SupplementOutcomeSchema(Schema):
    sup = fields.String(allow_none=True)
    ver = fields.String(allow_none=True)
    status = _req(fields.String(metadata={"description": "accepted | rejected"}))
    rejects = _req(fields.List(fields.Nested(RejectSchema)))
    due_date = fields.String(allow_none=True)


class SupplementResponseSchema(Schema):
    lsr = _req(fields.Nested(LsrResponseSchema))
    supplement = _req(fields.Nested(SupplementOutcomeSchema))


class ValidateResponseSchema(Schema):
    port_type = _req(fields.String(allow_none=True))
    rejects = _req(fields.List(fields.Nested(RejectSchema)))
    due_date = _req(fields.String(allow_none=True))
    review_reason = _req(fields.String(allow_none=True))
    passcode_checked = _req(fields.Boolean())
    duplicate_of = _req(fields.Integer(allow_none=True))


class PageSchema(Schema):
    page = _req(fields.Integer())
    per_page = _req(fields.Integer())
    total = _req(fields.Integer())


class CsrRequestListSchema(PageSchema):
    items = _req(fields.List(fields.Nested(CsrResponseSchema)))


class LsrListSchema(PageSchema):
    items = _req(fields.List(fields.Nested(LsrResponseSchema)))


class EscalationRequestSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(
        ["foc_overdue", "csr_overdue", "reject_disputed", "port_day_problem"]))
    text = fields.String(load_default="", validate=validate.Length(max=2000))
    partner_ticket = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=40), metadata={
                                       "description": "The partner's own trouble ticket"})
    problem_started_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "When the problem started (ISO-8601 with offset)"})


class NoteAttachmentSchema(Schema):
    filename = fields.String()
    content_base64 = fields.String()


class NoteRequestSchema(Schema):
    """A note (business-rules §13.1); its checks answer bad_request / bad_attachment."""

    text = fields.Raw(required=True, metadata={"type": "string"})
    attachment = fields.Raw(metadata={"type": "object"})
    request_info = fields.Raw(metadata={"type": "boolean",
                                        "description": "Staff only: ask for information"})


class NoteAuthorSchema(Schema):
    kind = fields.String(validate=validate.OneOf(["partner", "staff"]))
    name = fields.String()


class NoteFileSchema(Schema):
    filename = fields.String()
    url = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class NoteSchema(Schema):
    id = fields.Integer()
    author = fields.Nested(NoteAuthorSchema)
    text = fields.String()
    request_info = fields.Boolean()
    attachment = fields.Nested(NoteFileSchema, allow_none=True)
    at = fields.String()


class NoteListSchema(Schema):
    items = fields.List(fields.Nested(NoteSchema))


class ContactLevelSchema(Schema):
    level = _req(fields.Integer())
    name, title, email, phone, hours = (fields.String(allow_none=True) for _ in range(5))


class EscalationResponseSchema(Schema):
    id = _req(fields.Integer())
    level = _req(fields.Integer())
    contact = _req(fields.Nested(ContactLevelSchema, allow_none=True))


class EscalationSchema(Schema):
    id = _req(fields.Integer())
    lsr_id = _req(fields.Integer())
    state = fields.String()
    reason = _req(fields.String())
    text = fields.String(allow_none=True)
    level = _req(fields.Integer())
    status = _req(fields.String(validate=validate.OneOf(["open", "acknowledged", "resolved"])))
    created_at = fields.String(allow_none=True)
    ack_due_at = fields.String(allow_none=True)
    acknowledged_at = fields.String(allow_none=True)
    resolved_at = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    contact = _req(fields.Nested(ContactLevelSchema, allow_none=True))


class EscalationListSchema(Schema):
    items = _req(fields.List(fields.Nested(EscalationSchema)))


class EscalationContactsSchema(Schema):
    state = _req(fields.String())
    levels = _req(fields.List(fields.Nested(ContactLevelSchema)))


class ResolutionSchema(Schema):
    resolution = fields.String(required=True, validate=validate.Regexp(r"\S"), metadata={
        "description": "How the escalation was resolved (not blank)"})


class NpacTnSchema(Schema):
    tn = _req(fields.String())
    spid = _req(fields.String())
    spid_name = fields.String(allow_none=True)
    lrn = fields.String(allow_none=True)
    source = _req(fields.String(validate=validate.OneOf(["sv", "block", "code"])))


TN_PATTERN = r"^[2-9][0-9]{2}[2-9][0-9]{6}$"


class SubscriptionRequestSchema(_OpenBody):
    tn = fields.String(required=True, validate=validate.Regexp(TN_PATTERN))
    new_spid = fields.String(required=True, validate=validate.Length(min=1), metadata={
        "description": "One of the caller's SPIDs (else 403)"})
    lrn = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{10}$"))
    due_date = fields.Date(required=True)


class SubscriptionSchema(Schema):
    id = _req(fields.Integer())
    tn = _req(fields.String())
    old_spid = _req(fields.String(allow_none=True))
    new_spid = _req(fields.String())
    lrn = _req(fields.String())
    status = _req(fields.String(validate=validate.OneOf(
        ["pending", "conflict", "active", "old", "canceled"])))
    concurred = _req(fields.Boolean())
    conflict_cause = _req(fields.Integer(allow_none=True))
    due_date = _req(fields.String(allow_none=True))


class ConflictRequestSchema(_OpenBody):
    cause = fields.Integer(validate=validate.Range(min=50, max=54), metadata={
        "description": "NPAC conflict cause code, default 50"})


class DecisionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["foc", "reject"]))
    due_date = fields.Raw(metadata={"type": "string", "format": "date"})  # view: invalid_due_date
    due_time = fields.Raw(metadata={"type": "string", "description": "HH:MM, coordinated "
                                    "ports (business-rules §13.2); else invalid_due_time"})
    codes = fields.List(fields.String())
    remarks = fields.String(load_default="", validate=validate.Length(max=500))


class ManualLsrSchema(Schema):
    partner_ccna = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(["fax", "email"]))
    received_at = fields.AwareDateTime(required=True)
    lsr = fields.Dict(required=True)


class ManualCsrSchema(Schema):
    partner_ccna = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(["fax", "email"]))
    received_at = fields.AwareDateTime(required=True)
    request = fields.Dict(required=True)


class QueueItemSchema(Schema):
    kind = _req(fields.String())
    id = _req(fields.Integer())
    reason = _req(fields.String(allow_none=True))
    due_at = _req(fields.String(allow_none=True))


class QueueSchema(Schema):
    items = _req(fields.List(fields.Nested(QueueItemSchema)))


class AccountUnlockSchema(Schema):
    account_number = _req(fields.String())
    locked = _req(fields.Boolean())


class AuditEventSchema(Schema):
    id = _req(fields.Integer())
    at = _req(fields.String())
    actor = _req(fields.String(allow_none=True))
    actor_user_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)  # business-rules §1.3.2
    actor_phone = fields.String(allow_none=True)
    partner_id = fields.Integer(allow_none=True)
    action = _req(fields.String())
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    details = fields.Raw(allow_none=True)


class AuditPageSchema(PageSchema):
    items = _req(fields.List(fields.Nested(AuditEventSchema)))


class ErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields")
    rejects = fields.List(fields.Nested(RejectSchema))


class ErrorEnvelopeSchema(Schema):
    error = fields.Nested(ErrorSchema, required=True)


# --- port-out protection (business-rules §11, api-contract §4.4) -------------------------
_TEXT = r"\S"  # at least one character that is not a space


class FreezeRequestSchema(_OpenBody):  # unknown keys are ignored
    freeze = _req(fields.Boolean())
    channel = _req(fields.String(validate=validate.OneOf(["phone", "email", "store"])))
    note = _req(fields.String(validate=[validate.Length(min=1, max=500),
                                        validate.Regexp(_TEXT)]))


class FreezeAnswerSchema(Schema):
    account_number = _req(fields.String())
    port_freeze = _req(fields.Boolean())


class HoldDecisionSchema(_OpenBody):  # unknown keys are ignored
    action = _req(fields.String(validate=validate.OneOf(["release", "cancel"])))
    remarks = fields.String(validate=validate.Length(max=500))


# --- bulk requests (business-rules §12, api-contract §4.2.1) ------------------------------
class LsrBatchRequestSchema(_OpenBody):  # unknown keys are ignored
    lsrs = _req(fields.List(fields.Dict(), validate=validate.Length(min=1, max=500)))


class BatchQueuedSchema(Schema):
    id = _req(fields.Integer())
    status = _req(fields.String())
    total = _req(fields.Integer())
    received_at = _req(fields.String())


class BatchItemSchema(Schema):
    index = _req(fields.Integer())
    pon = fields.String(allow_none=True)
    outcome = _req(fields.String(validate=validate.OneOf(["created", "duplicate", "refused"])))
    lsr = fields.Dict(allow_none=True)
    error = fields.Dict(allow_none=True)


class BatchSchema(Schema):
    id = _req(fields.Integer())
    status = _req(fields.String(validate=validate.OneOf(["queued", "running", "done"])))
    total = _req(fields.Integer())
    done = _req(fields.Integer())
    received_at = _req(fields.String())
    items = _req(fields.List(fields.Nested(BatchItemSchema)))


class CsrBatchRequestSchema(_OpenBody):  # unknown keys are ignored
    requests = _req(fields.List(fields.Dict(), validate=validate.Length(min=1, max=100)))


class CsrBatchAnswerSchema(Schema):
    items = _req(fields.List(fields.Nested(CsrResponseSchema)))
