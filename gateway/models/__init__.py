"""All gateway models, importable from one place."""
from gateway.models.accounts import Account, PasscodeFailure, Tn
from gateway.models.audit import AuditEvent
from gateway.models.batches import LsrBatch, LsrBatchItem
from gateway.models.escalations import Escalation, EscalationContact
from gateway.models.notes import OrderNote
from gateway.models.orders import CsrRequest, Loa, Lsr, LsrTn, LsrVersion
from gateway.models.outbox import Delivery, JobLock, Notice
from gateway.models.partners import (
    AccessRequest,
    AgentApproval,
    ApiToken,
    Contact,
    Partner,
    PartnerSpid,
    Role,
    User,
)
from gateway.models.protection import DisputeLink, OrderHold
from gateway.models.security import LoginThrottle

__all__ = ["Account", "PasscodeFailure", "Tn", "AuditEvent", "Escalation", "EscalationContact",
           "CsrRequest", "Loa", "Lsr", "LsrTn", "LsrVersion", "Delivery", "JobLock", "Notice",
           "AccessRequest", "AgentApproval", "ApiToken", "Contact", "Partner", "PartnerSpid",
           "Role", "User",
           "LoginThrottle", "DisputeLink", "OrderHold", "OrderNote", "LsrBatch",
           "LsrBatchItem"]
