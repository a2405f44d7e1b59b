"""Who may do what to an order, a CSR request or an LOA: the one authority (business-rules
§1.1, §1.1.1, §1.3). Every route, page and service asks `may()` (or filters lists with the
matching clause); an object the actor may not see is, to it, indistinguishable from none."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gateway.models import AgentApproval, CsrRequest, Loa, Lsr, Partner
from gateway.services.identity.actors import Actor


class Action(StrEnum):
    """What an actor wants to do to an object."""

    READ = "read"  # read it, list it, download what it carries (LOA), see its timeline
    SUPPLEMENT = "supplement"  # SUP 1/2/3, by id or by PON (§6)
    NOTE = "note"  # write a note on the order (§13.1)
    ESCALATE = "escalate"  # escalate the order (§8.2)
    DECIDE = "decide"  # staff decisions, holds, manual entry (§7.2)


# The privilege an agent's approval must include for each act on what it filed (§1.1.1).
AGENT_PRIVILEGE = {Action.READ: "view", Action.NOTE: "view", Action.ESCALATE: "view",
                   Action.SUPPLEMENT: "lsr"}

Subject = Lsr | CsrRequest

# The privileges of which a partner user's own role must hold one to read each kind of object
# (§1.3, api-contract §4: lacking it answers 403): whoever may submit LSRs (request CSRs) reads
# its company's orders (CSR requests) too; the API's READ_LSRS / READ_CSRS are these. An LOA
# is read with the object it authorized (`loa_access`).
READ_PRIVILEGES: dict[type[Subject], tuple[str, ...]] = {Lsr: ("view", "lsr"),
                                                         CsrRequest: ("view", "csr")}


class Access(StrEnum):
    """How a read answers: ALLOW; FORBID, the company sees the object but the user's own role
    lacks the privilege (403); HIDE, to the actor it does not exist (404, §1.1.1)."""

    ALLOW = "allow"
    FORBID = "forbid"
    HIDE = "hide"


@dataclass(frozen=True)
class Scope:
    """The actor's standing, loaded once: staff, or a partner with its live agent approvals
    (carrier partner id -> privileges; empty for a partner that is not an agent)."""

    partner_id: int | None
    staff: bool = False
    approvals: dict[int, frozenset[str]] = field(default_factory=dict)

    def carriers_with(self, privilege: str) -> list[int]:
        return sorted(c for c, privs in self.approvals.items() if privilege in privs)


STAFF = Scope(None, staff=True)  # the desk's own reads (staff console, CLI)


def live_approval_rows(agent_id: int) -> sa.Select:
    """(carrier id, carrier CCNA, privileges csv) of the agent's live approvals from active
    carriers: the one query behind every "does a live approval cover this?" (§1.1, §1.1.2).
    Live is `AgentApproval.live`: neither revoked nor suspended."""
    return (sa.select(AgentApproval.carrier_id, Partner.ccna, AgentApproval.privileges_csv)
            .join(Partner, Partner.id == AgentApproval.carrier_id)
            .where(AgentApproval.agent_id == agent_id, AgentApproval.live,
                   Partner.status == "active"))


def live_approvals(session: Session, agent_id: int) -> dict[int, frozenset[str]]:
    """Carrier id -> privileges of the agent's live approvals (one query)."""
    merged: dict[int, frozenset[str]] = {}
    for carrier_id, _ccna, privileges in session.execute(live_approval_rows(agent_id)):
        merged[carrier_id] = merged.get(carrier_id, frozenset()) | frozenset(
            p for p in (privileges or "").split(",") if p)
    return merged


def scope_for(session: Session, actor: Actor) -> Scope:
    """The actor's scope: staff see everything; a partner what §1.1.1 lets it see."""
    if actor.is_staff:
        return Scope(None, staff=True)
    if actor.partner_id is None:
        return Scope(None)
    if actor.agent is False:  # approvals are granted to agent companies alone (§1.1.2,
        return Scope(actor.partner_id)  # `directory.grant_agent`): a carrier holds none
    return Scope(actor.partner_id, approvals=live_approvals(session, actor.partner_id))


def may(scope: Scope, action: Action, obj: Subject | None) -> bool:
    """Whether the actor may do the act to the object (False for None)."""
    if obj is None:
        return False
    if scope.staff:
        return True
    if action is Action.DECIDE or scope.partner_id is None:
        return False
    owner, submitter = _parties(obj)
    if owner == scope.partner_id:
        return True  # the carrier: its own orders and those its agents sent for it
    if submitter != scope.partner_id:
        return False  # an agent never sees the carrier's own orders, nor other agents'
    return AGENT_PRIVILEGE.get(action, "view") in scope.approvals.get(owner, frozenset())


def _parties(obj: Subject) -> tuple[int, int]:
    if isinstance(obj, Lsr):
        return obj.owner_partner_id, obj.submitter_partner_id
    return obj.owner_partner_id, obj.partner_id


def lsr_clause(scope: Scope, action: Action = Action.READ) -> ColumnElement[bool]:
    """The SQL condition of `may(scope, action, lsr)`, for lists and look-ups."""
    if scope.staff:
        return sa.true()
    if scope.partner_id is None or action is Action.DECIDE:
        return sa.false()
    carriers = scope.carriers_with(AGENT_PRIVILEGE.get(action, "view"))
    mine = Lsr.owner_partner_id == scope.partner_id
    if not carriers:
        return mine
    return sa.or_(mine, sa.and_(Lsr.submitter_partner_id == scope.partner_id,
                                Lsr.owner_partner_id.in_(carriers)))


def csr_clause(scope: Scope) -> ColumnElement[bool]:
    """The SQL condition of `may(scope, READ, csr_request)`."""
    if scope.staff:
        return sa.true()
    if scope.partner_id is None:
        return sa.false()
    carriers = scope.carriers_with("view")
    mine = CsrRequest.owner_partner_id == scope.partner_id
    if not carriers:
        return mine
    return sa.or_(mine, sa.and_(CsrRequest.partner_id == scope.partner_id,
                                CsrRequest.owner_partner_id.in_(carriers)))


def role_reads(privileges: Collection[str], kind: type[Subject]) -> bool:
    """Whether a partner user holding these privileges may read objects of this kind."""
    return not set(READ_PRIVILEGES[kind]).isdisjoint(privileges)


def loa_access(session: Session, scope: Scope, loa: Loa | None,
               privileges: Collection[str] | None = None) -> Access:
    """An LOA is read with the order or CSR request it authorized (§1.1.1), by a user whose
    own privileges read that object (an order's: view or lsr; a CSR request's: view or csr).
    `privileges` None: the company's standing alone (staff, services)."""
    if loa is None:
        return Access.HIDE
    if scope.staff:
        return Access.ALLOW
    seen = False
    for model, clause in ((Lsr, lsr_clause(scope)), (CsrRequest, csr_clause(scope))):
        if session.scalar(sa.select(model.id).where(model.loa_id == loa.id, clause).limit(1)):
            if privileges is None or role_reads(privileges, model):
                return Access.ALLOW
            seen = True
    return Access.FORBID if seen else Access.HIDE


def agent_notified(session: Session, order: Lsr) -> int | None:
    """The agent partner to notify of an order it sent for a carrier (§10.3): while its
    approval is live and includes `view`; None otherwise (or when the carrier sent it)."""
    if order.submitter_partner_id == order.owner_partner_id:
        return None
    approvals = live_approvals(session, order.submitter_partner_id)
    return order.submitter_partner_id if "view" in approvals.get(
        order.owner_partner_id, frozenset()) else None
