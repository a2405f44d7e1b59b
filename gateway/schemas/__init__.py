"""marshmallow schemas of the JSON API: request shapes (syntax only) and response bodies.

Field formats of an LSR are business rules (a bad value is a recorded reject, not a 400), so
the request schemas accept any JSON values for the LSR keys and leave judgment to validators/.
"""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from validators.catalog import FIELDS

LSR_STATUSES = ["foc", "rejected", "manual_review", "canceled", "expired", "completed"]


class LoaSchema(Schema):
    filename = fields.String(required=True)
    content_base64 = fields.String(required=True)


class EuSchema(Schema):
    class Meta:
        unknown = INCLUDE


def _lsr_fields() -> dict:
    declared: dict = {}
    for spec in FIELDS.values():
        key = spec.json_key
        if "." in key:
            continue
        meta = {"description": f"{spec.obf_field}: {spec.meaning} ({spec.format}; {spec.required})"}
        if key == "tns":
            declared[key] = fields.List(fields.String(), metadata=meta)
        elif key == "eu":
            continue
        elif key == "loa":
            declared[key] = fields.Nested(LoaSchema, metadata=meta)
        else:
            declared[key] = fields.Raw(metadata={**meta, "type": "string"})
    declared["eu"] = fields.Nested(EuSchema, metadata={"description": "End user (EU form)"})
    return declared


LsrSchema = Schema.from_dict(_lsr_fields(), name="LsrSchema")


class RejectSchema(Schema):
    code = fields.String()
    field = fields.String()
    message = fields.String()


class CsrRequestSchema(Schema):
    tn = fields.Raw(required=True, metadata={"type": "string"})
    an = fields.Raw(metadata={"type": "string"})
    ccna = fields.Raw(metadata={"type": "string"})
    agauth = fields.Raw(required=True, metadata={"type": "string"})
    loa = fields.Nested(LoaSchema)


class AddressSchema(Schema):
    sano, sasd, sasn, sath, sass = (fields.String() for _ in range(5))
    ld1, lv1, city, state, zip = (fields.String() for _ in range(5))


class CsrTnSchema(Schema):
    tn = fields.String()
    status = fields.String()


class CsrRecordSchema(Schema):
    account_number = fields.String()
    btn = fields.String()
    customer_name = fields.String()
    service_address = fields.Nested(AddressSchema)
    tns = fields.List(fields.Nested(CsrTnSchema))
    service_class = fields.String()
    une = fields.Boolean()
    simple_port_eligible = fields.Boolean()
    passcode_required = fields.Boolean()
    port_freeze = fields.Boolean()


class CsrResponseSchema(Schema):
    id = fields.Integer()
    status = fields.String(validate=validate.OneOf(["returned", "rejected"]))
    received_at = fields.String()
    due_at = fields.String(allow_none=True)
    answered_at = fields.String(allow_none=True)
    due_met = fields.Boolean(allow_none=True, metadata={
        "description": "answered by its due time (business-rules §3.5)"})
    rejects = fields.List(fields.Nested(RejectSchema))
    csr = fields.Nested(CsrRecordSchema, allow_none=True)
    loa_id = fields.Integer(allow_none=True, metadata={"description": "GET /loas/{loa_id}"})


class FocSchema(Schema):
    due_date = fields.String()
    due_time = fields.String(allow_none=True, metadata={
        "description": "HH:MM local: a coordinated cut's time (business-rules §13.2)"})
    issued_at = fields.String()
    tns = fields.List(fields.String())
    disconnect_tns = fields.List(fields.String())
    new_btn = fields.String(allow_none=True)


class HistorySchema(Schema):
    ver = fields.String()
    sup = fields.String(allow_none=True)
    status = fields.String()
    at = fields.String()
    rejects = fields.List(fields.Nested(RejectSchema))
    due_date = fields.String(allow_none=True)


class ClocksSchema(Schema):
    foc_due_at = fields.String(allow_none=True, metadata={
        "description": "When the FOC is due (business-rules §5.4)"})
    foc_overdue = fields.Boolean(metadata={"description": "The FOC due time passed in review"})
    window_ends_at = fields.String(allow_none=True, metadata={
        "description": "End of the porting window (§5.5), once an FOC is issued"})


class LsrResponseSchema(Schema):
    id = fields.Integer()
    order_number = fields.String()
    ccna = fields.String()
    pon = fields.String(allow_none=True)
    ver = fields.String()
    status = fields.String(validate=validate.OneOf(LSR_STATUSES))
    port_type = fields.String(allow_none=True)
    received_at = fields.String()
    effective_received_at = fields.String(allow_none=True)
    review_reason = fields.String(allow_none=True)
    review_rule = fields.String(allow_none=True, metadata={
        "description": "cross_partner | new_partner: the risk rule of a fraud review (§11.3)"})
    hold = fields.String(allow_none=True, metadata={"description": "dispute while on hold"})
    cancel_reason = fields.String(allow_none=True, metadata={
        "description": "end_user_dispute when the desk canceled a held order (§11.2)"})
    awaiting_partner = fields.Boolean(metadata={
        "description": "Staff asked for information the partner has not given (§13.1)"})
    foc = fields.Nested(FocSchema, allow_none=True)
    due_date_note = fields.String(allow_none=True, metadata={
        "description": "Why the FOC date is later than the DDD asked (§5.3, §6.2), else null"})
    rejects = fields.List(fields.Nested(RejectSchema))
    history = fields.List(fields.Nested(HistorySchema))
    loa_id = fields.Integer(allow_none=True, metadata={"description": "GET /loas/{loa_id}"})
    clocks = fields.Nested(ClocksSchema)


class SupplementOutcomeSchema(Schema):
    sup = fields.String(allow_none=True)
    ver = fields.String(allow_none=True)
    status = fields.String()
    rejects = fields.List(fields.Nested(RejectSchema))
    due_date = fields.String(allow_none=True)


class SupplementResponseSchema(Schema):
    lsr = fields.Nested(LsrResponseSchema)
    supplement = fields.Nested(SupplementOutcomeSchema)


class ValidateResponseSchema(Schema):
    port_type = fields.String(allow_none=True)
    rejects = fields.List(fields.Nested(RejectSchema))
    due_date = fields.String(allow_none=True)
    review_reason = fields.String(allow_none=True)
    passcode_checked = fields.Boolean()
    duplicate_of = fields.Integer(allow_none=True)


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
    level = fields.Integer()
    name, title, email, phone, hours = (fields.String() for _ in range(5))


class EscalationResponseSchema(Schema):
    id = fields.Integer()
    level = fields.Integer()
    contact = fields.Nested(ContactLevelSchema, allow_none=True)


class SubscriptionRequestSchema(Schema):
    tn = fields.String(required=True)
    new_spid = fields.String(required=True)
    lrn = fields.String(required=True)
    due_date = fields.String(required=True)


class SubscriptionSchema(Schema):
    id = fields.Integer()
    tn = fields.String()
    old_spid = fields.String(allow_none=True)
    new_spid = fields.String()
    lrn = fields.String()
    status = fields.String()
    concurred = fields.Boolean()
    conflict_cause = fields.Integer(allow_none=True)
    due_date = fields.String(allow_none=True)


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


class ErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields")
    rejects = fields.List(fields.Nested(RejectSchema))


class ErrorEnvelopeSchema(Schema):
    error = fields.Nested(ErrorSchema, required=True)
