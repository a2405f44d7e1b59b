"""LSR submission (business-rules §4, §5, §7): one call decides FOC, reject or staff review."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from gateway.db import commit_mark, keyed_writes, unchanged_since, writer_busy
from gateway.errors import Conflict, GatewayError, InvalidInput
from gateway.models import Account, Lsr, Partner
from gateway.models.orders import CLOSED_STATUSES, OPEN_STATUSES
from gateway.services.csr.loas import store_loa
from gateway.services.orders import facts as facts_svc
from gateway.services.orders import transitions
from gateway.services.orders.context import OrderContext
from gateway.services.orders.request import LsrRequest
from gateway.services.partners.directory import acting_owner
from gateway.services.protection import risk
from validators import check_lsr
from validators.catalog import REJECT_CODES
from validators.facts import LsrDecision
from validators.findings import Finding
from validators.passcode import hash_passcode, needs_rehash, passcode_matches
from validators.risk import risk_rule, with_risk_review

# the attestation a requester makes with AGAUTH = Y, kept as evidence in the audit trail (§4.2)
ATTESTATION_TEXT = ("The requester holds the end user's authorization to port the numbers on "
                    "this request (AGAUTH = Y).")
ATTESTATION_VERSION = "2026-12"


@dataclass
class SubmitResult:
    lsr: Lsr
    created: bool  # a version was recorded (201) or an exact duplicate was answered (200)


class ExactDuplicate(Exception):
    """Internal signal: the same PON, VER and content were received before."""

    def __init__(self, lsr: Lsr) -> None:
        super().__init__(lsr.id)
        self.lsr = lsr


def reject_entry(code: str, field: str | None = None, message: str | None = None
                 ) -> dict[str, str]:
    row = REJECT_CODES[code]
    return {"code": code, "field": field or row.field, "message": message or row.message}


def own_order_for_pon(session: Session, owner: Partner, sender_id: int, pon: str, *,
                      lock: bool = True) -> Lsr | None:
    """The sender's order for the PON under the owner's CCNA (§7.5: a PON names one order per
    submitting partner and CCNA)."""
    query = sa.select(Lsr).options(joinedload(Lsr.versions)).where(
        Lsr.owner_partner_id == owner.id, Lsr.submitter_partner_id == sender_id,
        Lsr.pon == pon)  # with its versions (§7.5 and the supplements read them): one query
    return session.scalars(query.with_for_update(of=Lsr) if lock else query).unique().first()


def duplicate_refusal(order: Lsr, req: LsrRequest) -> GatewayError | None:
    """§7.5, the one check shared by submissions and dry runs: None when the request may be
    decided on this PON (a resubmission of a rejected order); ExactDuplicate is raised for
    the same PON, VER and content; else the 409 refusal (R507, R508, R509)."""
    ver = req.ver_text
    same = next((v for v in order.versions if v.ver == ver), None) if ver else None
    if same is not None:
        if req.same_content(same.payload_hash):  # a version kept before the LOA's file was
            raise ExactDuplicate(order)           # hashed matches on its filename (§7.5)
        return Conflict(f"PON {order.pon} VER {ver} was already received with different "
                        "content.", code="duplicate_version", rejects=[reject_entry("R507")])
    if order.status in OPEN_STATUSES:
        return Conflict(f"PON {order.pon} already has an open order ({order.status}); send a "
                        "supplement instead.", code="pon_open", rejects=[reject_entry("R508")])
    if order.status in CLOSED_STATUSES:
        return Conflict(f"PON {order.pon} belongs to a {order.status} order; use a new PON.",
                        code="pon_closed", rejects=[reject_entry("R509")])
    if not req.ver:
        return InvalidInput("A resubmission needs a new VER of 1-2 letters or digits.",
                            code="invalid_ver", rejects=[reject_entry("R602", "ver")])
    return None


def submit(ctx: OrderContext, req: LsrRequest, *, received_at: datetime | None = None,
           issued_at: datetime | None = None,
           edge_findings: Sequence[Finding] = ()) -> SubmitResult:
    """Submit an LSR; an exact duplicate answers the existing order (created False).

    `issued_at`: the time whose day floors the FOC date (§5.3; a batch's received time for its
    LSRs, §12.1), default now. `edge_findings`: rejects found while reading the request that
    the engine cannot see (a batch's disagreeing CSV rows, R602)."""
    try:
        return _submit(ctx, req, received_at=received_at or ctx.now,
                       issued_at=issued_at or ctx.now, edge_findings=edge_findings)
    except ExactDuplicate as dup:
        return SubmitResult(dup.lsr, False)


def _submit(ctx: OrderContext, req: LsrRequest, *, received_at: datetime,
            issued_at: datetime, edge_findings: Sequence[Finding]) -> SubmitResult:
    """Record a new LSR or a resubmission on a rejected PON and decide it (§7.4, §7.5)."""
    sender = ctx.sender()
    owner = acting_owner(ctx.session, sender, req.ccna, "lsr")
    early = decide_early(ctx, owner, req, received_at=received_at, issued_at=issued_at,
                         edge_findings=edge_findings)
    tns = req.clean_tns
    received = received_version(ctx, req, received_at)  # the request's own: before the lock
    # the order's writes change the facts of its TNs and accounts only (SQLite's commit log,
    # `_still_holds`): the order row, its TN index, its account's passcode state, its SVs
    with keyed_writes(ctx.session, tn_keys(tns)) as changed:
        order = transitions.create_order(ctx, owner, req.pon, received_at=received_at,
                                         lock_tns=tns)
        if order is None:  # the sender has an order on this PON
            assert req.pon is not None
            order = own_order_for_pon(ctx.session, owner, sender.id, req.pon)
            assert order is not None
            refusal = duplicate_refusal(order, req)
            if refusal is not None:
                raise refusal
            early = None  # decided on as a resubmission of that order
        decision = evaluate(ctx, order, req, received_at=received_at, issued_at=issued_at,
                            edge_findings=edge_findings, early=early, received=received)
        changed.update(account_keys([*ctx.cache.accounts, decision.account_number or ""]))
    return SubmitResult(order, True)


def tn_keys(tns: Sequence[str]) -> list[str]:
    """The keys a TN's facts are filed under in SQLite's commit log (`db.keyed_writes`)."""
    return [f"tn:{tn}" for tn in tns]


def account_keys(numbers: Sequence[str]) -> list[str]:
    """The keys an account's facts are filed under (its TNs' statuses, its passcode and lock,
    its orders of the §11.3 window)."""
    return [f"account:{number}" for number in numbers if number]


@dataclass(frozen=True)
class EarlyDecision:
    """A new order's decision made before the transaction's first write, with the facts
    statement's rows it was made on and what the writing step reuses of them."""

    decision: LsrDecision
    kept: dict[str, Any]  # what its facts loaded (`facts.order_facts`'s `keep`), rows among it
    mark: int | None  # SQLite's commit log before its facts were read (`db.commit_mark`)
    keys: list[str]  # what its facts are filed under there: its TNs and their accounts


def decides_while_another_writes(ctx: OrderContext) -> bool:
    """Whether to decide a new order now, before its first write, because another connection
    holds SQLite's writer lock (issue 17): SQLite lets one connection write at a time, and a
    decision made after waiting for the lock is made while every other submission waits. So
    the decision is made during the wait, and once the order's INSERT has the lock it is kept
    if the commit log shows no change to its TNs or accounts since, or else if the facts
    statement, run again, answers the same rows (docs/decisions.md). When the
    lock is free the connection takes it now (`db.writer_busy`) and decides under it, as
    before. Only where the facts statement is everything the decision reads of the TNs (the
    NPAC registry folded into it); never on PostgreSQL, which locks the accounts' rows."""
    return facts_svc.folds_registry(ctx.session, ctx.registry) and writer_busy(ctx.session)


def decide_early(ctx: OrderContext, owner: Partner, req: LsrRequest, *,
                 received_at: datetime, issued_at: datetime,
                 edge_findings: Sequence[Finding]) -> EarlyDecision | None:
    """The decision on a new order of `owner`'s, made before its row is written, when
    `decides_while_another_writes`; `evaluate` keeps it if the facts are unchanged under the
    lock."""
    if owner.ccna != (req.ccna or ctx.sender().ccna) or not decides_while_another_writes(ctx):
        return None  # (the order's CCNA is what the risk window and review are judged under)
    kept: dict[str, Any] = {}
    mark = commit_mark(ctx.session)
    decision = decide(ctx, None, req, received_at=received_at, lock=False, issued_at=issued_at,
                      edge_findings=edge_findings, addressees=owner.id, kept=kept)
    if "rows" not in kept:
        return None
    keys = [*tn_keys(req.clean_tns), *account_keys(list(kept["accounts"]))]
    return EarlyDecision(decision, kept, mark, keys)


def _still_holds(ctx: OrderContext, order: Lsr, req: LsrRequest, early: EarlyDecision, *,
                 received_at: datetime) -> LsrDecision | None:
    """The early decision, if its facts still hold now that the transaction writes (SQLite:
    under the writer's lock): when SQLite's commit log shows that no transaction committed
    since they were read changed anything of its TNs or accounts (`db.unchanged_since`), or
    else when the facts statement answers the same rows with the order's own arguments. Its
    loaded rows go back to the cache for the writing step. None: decide again."""
    if not unchanged_since(ctx.session, early.mark, early.keys):
        rows = facts_svc.facts_rows(ctx.session, ctx.registry, req.tns, now=ctx.now,
                                    spids=req.spids, exclude_lsr_id=order.id,
                                    risk=_risk_window(ctx, order, req, received_at),
                                    addressees=order.owner_partner_id)
        if rows is None or rows != early.kept["rows"]:
            return None
    ctx.cache.remember(early.kept)
    upgrade_passcode_hashes(ctx, req.raw.get("passcode"))  # a write: only under the lock
    return early.decision


def decide(ctx: OrderContext, order: Lsr | None, req: LsrRequest, *, received_at: datetime,
           own_tns: frozenset[str] = frozenset(), verified_passcode_account: str | None = None,
           lock: bool = True, judge_passcode: bool = True,
           issued_at: datetime | None = None, edge_findings: Sequence[Finding] = (),
           addressees: int | None = None, kept: dict[str, Any] | None = None) -> LsrDecision:
    """Load the facts for the request's TNs and run the rules engine (no writes but the
    re-hash of a legacy passcode hash that the request's passcode matched).

    `lock`: hold the accounts' rows until the outcome is written (a dry run writes none).
    `addressees`: the partner the outcome's notice goes to (its recipients ride on the facts).
    `kept`, when given, receives what the facts loaded (their rows among it).
    """
    ctx.cache.clear()
    keep: dict[str, Any] = kept if kept is not None else {}
    wanted = req.clean_tns
    # the new order's INSERT locked these TNs' accounts (PostgreSQL): no second lock, and
    # when it locked for exactly these TNs the facts read the accounts it found
    asked, locked_tns = set(wanted), ctx.cache.locked_tns
    facts = facts_svc.order_facts(ctx.session, ctx.registry, wanted, profile=ctx.profile,
                                  now=ctx.now, spids=req.spids,
                                  exclude_lsr_id=order.id if order is not None else None,
                                  nnsp=req.nnsp, keep=keep,
                                  # one decision at a time per account (§2.4), unless the new
                                  # order's INSERT took the lock already
                                  lock=lock and not asked <= locked_tns,
                                  locked_accounts=ctx.cache.locked_accounts
                                  if lock and asked == locked_tns else None,
                                  passcode_pepper=ctx.pepper or b"",
                                  risk=_risk_window(ctx, order, req, received_at),
                                  addressees=addressees)
    ctx.cache.remember(keep)
    decision = check_lsr(req.raw, partner=facts_svc.partner_facts(ctx.session, ctx.sender()),
                     facts=facts, profile=ctx.profile, received_at=received_at,
                     issued_at=issued_at or ctx.now, own_order_tns=own_tns,
                     manual_entry=ctx.manual,
                     verified_passcode_account=verified_passcode_account,
                     judge_passcode=judge_passcode)
    if edge_findings:
        decision = replace(decision, findings=[*edge_findings, *decision.findings])
    if lock and judge_passcode:
        upgrade_passcode_hashes(ctx, req.raw.get("passcode"))
    return _risk_review(ctx, order, req, decision, received_at=received_at)


def upgrade_passcode_hashes(ctx: OrderContext, given: Any) -> None:
    """Re-hash an account passcode stored by the old, unkeyed scheme once the right passcode
    has been given (business-rules §1.3.3: migrated on first use)."""
    if ctx.passcode_key is None or not isinstance(given, str):
        return
    for account in ctx.cache.accounts.values():
        if needs_rehash(account.passcode_hash) and passcode_matches(given,
                                                                    account.passcode_hash):
            ctx.session.execute(sa.update(Account).where(
                Account.account_number == account.account_number).values(
                passcode_hash=hash_passcode(given, ctx.passcode_key)))


def _risk_window(ctx: OrderContext, order: Lsr | None, req: LsrRequest,
                 received_at: datetime) -> facts_svc.RiskWindow | None:
    """§11.3: the cross-partner look-up rides on the facts statement when the profile has it."""
    return facts_svc.RiskWindow.of(
        ctx.profile, received_at,
        lambda: order.ccna if order is not None else (req.ccna or ctx.sender().ccna))


def _risk_review(ctx: OrderContext, order: Lsr | None, req: LsrRequest, decision: LsrDecision,
                 *, received_at: datetime) -> LsrDecision:
    """§11.3: an LSR that would get an automatic FOC goes to staff when a risk rule fires."""
    account = ctx.cache.accounts.get(decision.account_number or "")
    if decision.findings or decision.review_reason or account is None:
        return decision
    sender = ctx.sender()
    ccna = order.ccna if order is not None else (req.ccna or sender.ccna)
    facts = risk.risk_facts(ctx.session, account_number=account.account_number, ccna=ccna,
                            sender=sender, received_at=received_at, n_tns=len(decision.tns),
                            profile=ctx.profile,
                            exclude_lsr_id=order.id if order is not None else None,
                            other_orders=ctx.cache.risk.get(account.account_number, ())
                            if ctx.cache.risk is not None else None)
    return with_risk_review(decision, risk_rule(facts, ctx.profile), account.state, ctx.profile)


def evaluate(ctx: OrderContext, order: Lsr, req: LsrRequest, *, received_at: datetime,
             issued_at: datetime | None = None, edge_findings: Sequence[Finding] = (),
             early: EarlyDecision | None = None,
             received: transitions.Received | None = None) -> LsrDecision:
    """Decide a new version of the order as a new receipt and record its outcome (§7.4);
    `early`: a decision made before the order was written (`decide_early`), kept if its
    facts still hold."""
    decision = _still_holds(ctx, order, req, early, received_at=received_at) \
        if early is not None else None
    if decision is None:
        decision = decide(ctx, order, req, received_at=received_at, issued_at=issued_at,
                          edge_findings=edge_findings, addressees=order.owner_partner_id)
    received = received or received_version(ctx, req, received_at)
    if not decision.findings:  # an FOC or a review: the order keeps the agent's LOA, and the
        store_agent_loa(ctx, order, req)  # outcome's notices, made in the step, name it
    transitions.decide_received(ctx, order, received, decision)
    return decision


def received_version(ctx: OrderContext, req: LsrRequest,
                     received_at: datetime) -> transitions.Received:
    """The version as received (its kept body, content hash and audit details): the request's
    alone, so worked out before the transaction writes (SQLite: before the writer's lock)."""
    return transitions.Received(
        ver=req.ver, sup=None, payload=req.recorded(ctx.pepper),
        payload_hash=req.content_hash(),
        received_at=received_at, details=_attestation(ctx, req))


def _attestation(ctx: OrderContext, req: LsrRequest) -> dict[str, Any]:
    """The audit details of a received LSR: its channel and, for AGAUTH = Y, the attestation
    as the CSR request keeps it (text, version, user, time)."""
    agauth = req.raw.get("agauth")
    agauth = agauth if isinstance(agauth, str) else None
    details: dict[str, Any] = {"channel": ctx.channel, "agauth": agauth}
    if agauth is not None and agauth.strip().upper() == "Y":
        details["attestation"] = {"text": ATTESTATION_TEXT, "version": ATTESTATION_VERSION,
                                  "user": ctx.actor.label, "user_id": ctx.actor.user_id,
                                  "attested_at": ctx.now.isoformat()}
    return details


def store_agent_loa(ctx: OrderContext, order: Lsr, req: LsrRequest) -> None:
    """Keep the LOA an agent's LSR carries, on an order that will not be rejected (the
    decision has no findings): a rejected order keeps none (§1.1.1)."""
    sender = ctx.sender()
    loa = req.raw.get("loa")
    if sender.is_agent and isinstance(loa, dict):
        order.loa_id = store_loa(ctx.session, sender, loa, now=ctx.now).id
