"""Demo orders for seed-demo, made through the real services: FOCs (simple, non-simple,
partial), rejects of many kinds, expedites and projects awaiting staff, staff decisions,
fax entries for the manual state, supplements, cancellations, completed and expired ports,
CSR requests and escalations — so the portal's dashboards and queues have content."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta
from itertools import cycle

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.demo.accounts import DemoAccount, Generated
from gateway.demo.protection import seed_protection
from gateway.models import Lsr
from gateway.services.csr import requests as csr
from gateway.services.desk import sweep
from gateway.services.escalations import ladder as escalations
from gateway.services.identity.actors import Actor
from gateway.services.orders import decisions, npac_ops, supplements
from gateway.services.orders.context import OrderContext as Context
from gateway.services.orders.request import LsrRequest
from gateway.services.orders.submit import submit
from npac.simulator import SqlRegistry
from validators.calendar import porting_window
from validators.carrier_profile import CarrierProfile
from validators.passcode import PasscodeKey

# partner CCNA -> (user who submits, SPID, NPDI)
SENDERS = {"BHW": ("heron.orders", "B451", "C"), "RDG": ("ridge.orders", "R812", "D"),
           "TWV": ("tide.orders", "V733", "D"), "CGT": ("gorge.admin", "G210", "D"),
           "KCN": ("keystone.admin", "K560", "D")}
AGENT = ("PPS", "pilot.agent", "BHW")  # the agent files for Blue Heron, with an LOA
LOA = {"filename": "loa-signed.pdf",
       "content_base64": base64.b64encode(b"%PDF-1.4\n% end user's signed LOA\n%%EOF\n").decode()}
# orders per status at the default 2,000 accounts (fewer for smaller demos)
PLAN = {"foc_simple": 18, "foc_non_simple": 8, "foc_partial": 6, "rejected": 24,
        "expedite": 8, "project": 4, "staff_foc": 4, "manual_fax": 3, "completed": 15,
        "canceled": 10, "expired": 6, "sup2": 4, "csr": 16, "escalations": 3}
REJECTS = ("passcode", "freeze", "an", "zip", "ported_away", "resold", "disconnected",
           "unidentified_partial", "manual_state", "ddd_far", "agauth", "own_spid")


class _Orders:
    """Hands out unused demo accounts and files orders as the partners' users."""

    def __init__(self, session: Session, parties: dict, generated: Generated,
                 profile: CarrierProfile, now: datetime, passcode_key: PasscodeKey) -> None:
        self.session, self.profile, self.now = session, profile, now
        self.passcode_key = passcode_key
        self.partners, self.users = parties["partners"], parties["users"]
        self.registry = SqlRegistry(session)
        self.samples = {k: list(v) for k, v in generated.samples.items()}
        self.senders = cycle(SENDERS)
        self.seq = 0

    def take(self, kinds, test) -> DemoAccount | None:
        for kind in kinds:
            for account in self.samples.get(kind, []):
                if test(account):
                    self.samples[kind].remove(account)
                    return account
        return None

    def context(self, ccna: str, username: str, at: datetime, **kw) -> Context:
        user = self.users[username]
        return Context(self.session, self.registry, self.partners[ccna], Actor.from_user(user),
                       at, self.profile, passcode_key=self.passcode_key, **kw)

    def body(self, account: DemoAccount, ccna: str, spid: str, npdi: str, tns: list[str], *,
             at: datetime, ddd_days: int = 8, simple: bool = True, **extra) -> dict:
        self.seq += 1
        ddd = (at + timedelta(days=ddd_days)).date().isoformat()
        body = {"ccna": ccna, "pon": f"{ccna}{at:%y%m%d}{self.seq:04d}", "ver": "1",
                "an": account.number, "cc": spid, "npdi": npdi, "reqtyp": "CB", "act": "V",
                "ddd": ddd, "agauth": "Y", "init_tel": "5419990123", "tns": tns,
                "eu": {"zip": account.address["zip"]}}
        if account.passcode:
            body["passcode"] = account.passcode
        if not simple:
            a = account.address
            body["init"] = "Sam Ortiz"
            body["eu"] = {"name": account.name, **{k: a[k] for k in (
                "sano", "sasd", "sasn", "sath", "sass", "ld1", "lv1", "city", "zip") if a[k]},
                "state": account.state}
        body.update(extra)
        return body

    def send(self, account: DemoAccount, tns: list[str], *, at: datetime, simple: bool = True,
             ccna: str | None = None, ctx_kw: dict | None = None, **extra) -> Lsr:
        ccna = ccna or next(self.senders)
        username, spid, npdi = SENDERS[ccna]
        body = self.body(account, ccna, spid, npdi, tns, at=at, simple=simple, **extra)
        ctx = self.context(ccna, username, at, **(ctx_kw or {}))
        lsr = submit(ctx, LsrRequest.parse(body)).lsr
        self.session.flush()
        return lsr


def _simple(a: DemoAccount) -> bool:
    return (a.kind == "residential" and a.state != "MT" and not a.freeze
            and a.statuses == ["working"])


def _multi(a: DemoAccount) -> bool:
    return a.state != "MT" and not a.freeze and len(a.working) >= 2


def _count(n_accounts: int) -> dict[str, int]:
    scale = min(1.0, n_accounts / 2000)
    return {k: max(1, round(v * scale)) for k, v in PLAN.items()}


def seed_orders(session: Session, parties: dict, generated: Generated, *,
                profile: CarrierProfile, now: datetime,
                passcode_key: PasscodeKey) -> dict[str, int]:
    """File the demo orders; return how many orders end in each status."""
    orders = _Orders(session, parties, generated, profile, now, passcode_key)
    plan = _count(generated.n_accounts)
    recent = [now - timedelta(minutes=9 * i + 5) for i in range(400)]
    clock = iter(recent)
    # §11: one dispute on hold, one fraud review — first, while the simple residential accounts
    # they need are there (at 2,000 accounts the other stories used them all up)
    seed_protection(orders, _simple, now)
    _past_orders(orders, plan, now)
    _focs(orders, plan, clock)
    _rejects(orders, plan, clock, generated)
    _reviews(orders, plan, clock)
    _supplements(orders, plan, clock)
    _csrs(orders, plan, clock, generated)
    rows = session.execute(sa.select(Lsr.status, sa.func.count()).group_by(Lsr.status)).all()
    counts = {status: n for status, n in sorted(rows)}
    return {"lsrs": sum(counts.values()), **counts}


def _focs(orders: _Orders, plan: dict, clock) -> None:
    for _ in range(plan["foc_simple"]):
        if account := orders.take(["residential"], _simple):
            orders.send(account, account.tns, at=next(clock))
    for _ in range(plan["foc_non_simple"]):
        if account := orders.take(["small_business", "centrex", "isdn"], _multi):
            orders.send(account, account.working, at=next(clock), simple=False)
    for _ in range(plan["foc_partial"]):  # some lines move, the BTN stays
        if account := orders.take(["small_business", "centrex"],
                                  lambda a: _multi(a) and len(a.working) >= 3):
            moving = account.working[1:-1] if len(account.working) > 3 else account.working[1:2]
            orders.send(account, moving, at=next(clock), simple=False, mi="A",
                        remarks=f"PARTIAL PORT DISC {account.working[-1]}")
    if account := orders.take(["residential"], _simple):  # an agent acting for Blue Heron
        agent, username, carrier = AGENT
        at = next(clock)
        _, spid, npdi = SENDERS[carrier]
        body = orders.body(account, carrier, spid, npdi, account.tns, at=at, loa=LOA)
        submit(orders.context(agent, username, at), LsrRequest.parse(body))


def _rejects(orders: _Orders, plan: dict, clock, generated: Generated) -> None:
    away = [tn for tn, spid, _ in generated_ported_away(orders)]
    for _index, reason in zip(range(plan["rejected"]), cycle(REJECTS)):
        at = next(clock)
        if reason == "passcode":
            account = orders.take(["residential"], lambda a: _simple(a) and bool(a.passcode))
            extra = {"passcode": "00" + (account.passcode if account else "")}
        elif reason == "freeze":
            account = orders.take(["residential", "small_business"],
                                  lambda a: a.freeze and a.state != "MT")
            extra = {}
        elif reason == "resold":
            account = orders.take(["resold"], lambda a: a.state != "MT")
            extra = {}
        elif reason == "disconnected":
            account = orders.take(["small_business", "centrex", "isdn"],
                                  lambda a: "disconnected" in a.statuses and a.state != "MT")
            extra = {}
        elif reason == "manual_state":
            account = orders.take(["residential"], lambda a: a.state == "MT" and not a.freeze
                                  and a.statuses == ["working"])  # R701 alone, not R203
            extra = {}
        else:
            account = orders.take(["residential"], _simple)
            extra = {"an": "999" + account.number[3:]} if reason == "an" and account else \
                {"eu": {"zip": "10001"}} if reason == "zip" else \
                {"ddd": (at + timedelta(days=45)).date().isoformat()} if reason == "ddd_far" \
                else {"agauth": "N"} if reason == "agauth" else \
                {"nnsp": "CT01"} if reason == "own_spid" else {}
        if account is None:
            continue
        tns = list(account.tns)
        if reason == "ported_away" and away:
            tns = [away.pop()]
        if reason == "unidentified_partial":  # no MI / PARTIAL PORT: R401
            multi = orders.take(["small_business"], lambda a: _multi(a) and len(a.working) >= 3)
            account, tns = (multi, multi.working[1:2]) if multi else (account, tns)
        orders.send(account, tns, at=at, simple=len(tns) == 1 and account.kind == "residential",
                    **extra)


def generated_ported_away(orders: _Orders) -> list[tuple[str, str, str]]:
    """A few TNs NPAC shows with another carrier although their block is Cascade's."""
    from npac.models import SubscriptionVersion as SV

    rows = orders.session.execute(sa.select(SV.tn, SV.new_spid, SV.lrn).where(
        SV.status == "active", SV.new_spid.notin_(["CT01", "CT02"])).order_by(SV.tn).limit(20))
    return [tuple(r) for r in rows]


def _reviews(orders: _Orders, plan: dict, clock) -> None:
    """Expedites and projects for staff; some decided; fax entries for the manual state."""
    waiting = []
    for _ in range(plan["expedite"]):
        if account := orders.take(["small_business", "centrex", "isdn"], _multi):
            waiting.append(orders.send(account, account.working, at=next(clock), simple=False,
                                       exp="Y", ddd_days=1))
    for _ in range(plan["project"]):
        account = orders.take(["pbx", "did", "enterprise"],
                              lambda a: a.state != "MT" and not a.freeze and len(a.working) > 101)
        if account is None:
            break
        moving = account.working[1:401] if len(account.working) > 401 else account.working
        extra = {"mi": "A", "remarks": "PARTIAL PORT"} if len(moving) < len(account.working) \
            else {}
        waiting.append(orders.send(account, moving, at=next(clock), simple=False, ddd_days=20,
                                   **extra))
    desk = orders.users["desk.dana"]
    for lsr in _decidable(waiting, plan["staff_foc"]):
        ctx = Context(orders.session, orders.registry, None, Actor.from_user(desk),
                      orders.now - timedelta(minutes=2), orders.profile,
                      passcode_key=orders.passcode_key)
        decisions.decide_order(ctx, lsr, action="foc", due_date=lsr.due_date)
    for lsr in [o for o in waiting if o.status == "manual_review"][:plan["escalations"]]:
        owner_user = orders.users[SENDERS[lsr.ccna][0]]  # the order's own partner escalates
        escalation, _ = escalations.escalate_order(
            orders.session, lsr, reason="foc_overdue", text="Customer is waiting on the date.",
            actor=Actor.from_user(owner_user), now=orders.now, profile=orders.profile)
        if escalation.id % 2:
            escalations.acknowledge(orders.session, escalation, actor=Actor.from_user(desk),
                                    now=orders.now)
    for _ in range(plan["manual_fax"]):  # Montana goes by fax; staff enter it (§8.1)
        account = orders.take(["residential", "small_business", "pbx"],
                              lambda a: a.state == "MT" and not a.freeze and bool(a.working))
        if account is None:
            break
        at = next(clock)
        username, spid, npdi = SENDERS["RDG"]
        body = orders.body(account, "RDG", spid, npdi, account.working[:1], at=at,
                           simple=len(account.working) == 1 and account.kind == "residential")
        if len(account.working) > 1:
            body.update(mi="A", remarks="PARTIAL PORT", init="Sam Ortiz")
            body["eu"] = orders.body(account, "RDG", spid, npdi, [], at=at, simple=False)["eu"]
        ctx = Context(orders.session, orders.registry, orders.partners["RDG"],
                      Actor.from_user(desk), at, orders.profile, channel="fax", manual=True,
                      passcode_key=orders.passcode_key)
        submit(ctx, LsrRequest.parse(body), received_at=at - timedelta(minutes=20))


def _decidable(waiting: list[Lsr], count: int) -> list[Lsr]:
    """Orders staff confirm, leaving at least one expedite and one project in the queue."""
    chosen = []
    for reason in ("expedite", "project") * count:
        left = [o for o in waiting if o.status == "manual_review" and o.review_reason == reason
                and o not in chosen]
        if len(left) > 1 and len(chosen) < count:
            chosen.append(left[0])
    return chosen


def _past_orders(orders: _Orders, plan: dict, now: datetime) -> None:
    """Ports filed three weeks ago: completed through NPAC activation, or left to expire."""
    start = now - timedelta(days=21)
    done = []
    for i in range(plan["completed"] + plan["expired"]):
        account = orders.take(["residential"], _simple)
        if account is None:
            break
        lsr = orders.send(account, account.tns, at=start + timedelta(minutes=11 * i))
        if lsr.status == "foc" and i < plan["completed"]:
            done.append(lsr)
    for lsr in done:
        _activate(orders, lsr)
    sweep.expire_orders(orders.session, orders.registry, now=now)


def _activate(orders: _Orders, lsr: Lsr) -> None:
    """The new provider creates and activates its SVs on the due date (§9.2, §9.3)."""
    partner = orders.partners[lsr.ccna]
    actor = Actor(None, f"{lsr.ccna} NPAC", partner.id, "partner_user")
    opened, _ = porting_window(lsr.due_date, lsr.state, orders.profile)
    for tn in lsr.foc_tns:
        sv = npac_ops.create_subscription(
            orders.session, orders.registry,
            {"tn": tn, "new_spid": lsr.nnsp, "lrn": f"{tn[:6]}9999",
             "due_date": lsr.due_date.isoformat()},
            partner=partner, actor=actor, now=lsr.foc_issued_at + timedelta(hours=1))
        npac_ops.activate_subscription(orders.session, orders.registry, sv.id, partner=partner,
                                       actor=actor, now=opened + timedelta(hours=10),
                                       profile=orders.profile)


def _supplements(orders: _Orders, plan: dict, clock) -> None:
    """Cancel some confirmed orders (SUP 1), move the due date of others (SUP 2)."""
    for kind, count in (("1", plan["canceled"]), ("2", plan["sup2"])):
        for _ in range(count):
            account = orders.take(["residential"], _simple)
            if account is None:
                return
            at = next(clock)
            lsr = orders.send(account, account.tns, at=at)
            if lsr.status != "foc":
                continue
            body = {"sup": kind, "ver": "2", "pon": lsr.pon}
            if kind == "2":
                body["ddd"] = (lsr.due_date + timedelta(days=7)).isoformat()
            username = SENDERS[lsr.ccna][0]
            supplements.supplement(orders.context(lsr.ccna, username, at + timedelta(minutes=3)),
                                   lsr, LsrRequest.parse(body))


def _csrs(orders: _Orders, plan: dict, clock, generated: Generated) -> None:
    """CSR requests before ports: most returned, some rejected (another carrier's TN, MT)."""
    away = generated_ported_away(orders)
    for i in range(plan["csr"]):
        ccna = list(SENDERS)[i % len(SENDERS)]
        username = SENDERS[ccna][0] if ccna != "CGT" else "gorge.csr"
        if i % 5 == 4 and away:
            tn = away[i % len(away)][0]
        else:
            account = orders.take(["small_business", "residential", "centrex"],
                                  lambda a: a.state != "MT")
            if account is None:
                continue
            tn = account.btn
        at = next(clock)
        csr.request_csr(orders.session, orders.registry, {"tn": tn, "agauth": "Y"},
                        partner=orders.partners[ccna],
                        actor=Actor.from_user(orders.users[username]),
                        now=at, profile=orders.profile)

