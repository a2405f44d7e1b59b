"""Deterministic demo subscriber accounts of Cascade Telecom, as rows of the accounts file
(api-contract §3.1), numbered from the demo plan (gateway.demo.plan)."""
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from gateway.demo.plan import (
    ACCOUNT_LINES,
    MOUNTAIN,
    PLACES,
    RESALE_SPID,
    RESERVED_LINES,
    STATE_WEIGHTS,
    Plan,
    account_capacity,
)

# kind -> (weight per 10,000 accounts, service class, fewest TNs, most TNs)
KINDS: dict[str, tuple[int, str, int, int]] = {
    "residential": (6760, "pots", 1, 1), "small_business": (1500, "pots", 2, 6),
    "isdn": (300, "isdn", 2, 8), "centrex": (300, "centrex", 6, 30),
    "pbx": (20, "pbx", 100, 300), "did": (12, "did", 100, 300),
    "enterprise": (3, "did", 500, 1000), "resold": (300, "pots", 1, 2),
    "ported_in": (500, "pots", 1, 3), "une": (100, "pots", 1, 1),
    "ain": (100, "ain", 1, 3), "rcf": (100, "rcf", 1, 1),
}
DID_RUN = 100  # PBX/DID numbers come in runs of 100 consecutive lines
# The first accounts: one of every kind that the demo orders and the portal show off.
SHOWCASE = [("residential", "OR", {"passcode": "7713"}), ("residential", "WA", {}),
            ("residential", "CA", {"freeze": True}), ("residential", "MT", {}),
            ("small_business", "OR", {}), ("pbx", "OR", {"tns": 200}), ("did", "WA", {"tns": 150}),
            ("enterprise", "CA", {"tns": 600}), ("enterprise", "CO", {"tns": 520}),
            ("centrex", "MN", {}), ("isdn", "UT", {}), ("resold", "OR", {}),
            ("resold", "AZ", {}), ("ported_in", "WA", {}), ("une", "ID", {}), ("ain", "NV", {}),
            ("rcf", "ND", {}), ("residential", "AZ", {"status": "suspended"}),
            ("residential", "CO", {"status": "disconnected"}), ("small_business", "MT", {}),
            ("pbx", "MT", {"tns": 120})]

FIRST = ["JAMES", "MARY", "ROBERT", "PATRICIA", "JOHN", "JENNIFER", "MICHAEL", "LINDA", "DAVID", "ELIZABETH", "WILLIAM", "BARBARA", "RICHARD", "SUSAN", "JOSEPH", "JESSICA", "THOMAS", "KAREN", "CARLOS", "SARAH", "DANIEL", "LISA", "MATTHEW", "NANCY", "ANTHONY", "SANDRA", "MARK", "ASHLEY", "PAUL", "EMILY", "STEVEN", "DONNA", "ANDREW", "MICHELLE", "JOSHUA", "CAROL", "KEVIN", "AMANDA", "BRIAN", "MELISSA", "GEORGE", "DEBORAH", "TIMOTHY", "STEPHANIE", "RONALD", "REBECCA", "JASON", "LAURA", "ERIC", "HELEN", "JACOB", "SHARON", "GARY", "CYNTHIA", "NICHOLAS", "KATHLEEN", "RYAN", "AMY", "JUAN", "ANNA", "DIEGO", "MEI", "HIROSHI", "PRIYA", "OLUWASEUN", "ASTRID"]
LAST = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "RODRIGUEZ", "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON", "THOMAS", "TAYLOR", "MOORE", "JACKSON", "MARTIN", "LEE", "PEREZ", "THOMPSON", "WHITE", "HARRIS", "SANCHEZ", "CLARK", "RAMIREZ", "LEWIS", "ROBINSON", "WALKER", "YOUNG", "ALLEN", "KING", "WRIGHT", "SCOTT", "TORRES", "NGUYEN", "HILL", "FLORES", "GREEN", "ADAMS", "NELSON", "BAKER", "HALL", "RIVERA", "CAMPBELL", "MITCHELL", "CARTER", "ROBERTS", "NAKAMURA", "OKAFOR", "LINDQUIST", "HALVORSEN", "BEGAY", "TSOSIE", "PETERSEN", "OLSON", "YAZZIE", "KOWALSKI", "FITZGERALD"]
BIZ_ROOTS = ["ALDER CREEK", "BASALT", "CEDAR RIDGE", "COLUMBIA", "DESCHUTES", "ELKHORN", "FIRCREST", "GRANITE PEAK", "HIGH DESERT", "IRONWOOD", "JUNIPER", "KLAMATH", "LAKESIDE", "MESA", "NORTHWIND", "OSPREY", "PINNACLE", "QUAIL RUN", "RIVERBEND", "SAGEBRUSH", "TAMARACK", "UMPQUA", "VALLEY", "WILLOW", "YELLOWSTONE", "ZEPHYR", "SUMMIT", "CANYON", "PRAIRIE", "HARBOR"]
BIZ_TRADES = ["DENTAL", "AUTO REPAIR", "LAW GROUP", "FAMILY CLINIC", "HARDWARE", "VETERINARY", "REALTY", "ACCOUNTING", "PLUMBING", "BAKERY", "INSURANCE", "LOGISTICS", "PHYSICAL THERAPY", "ARCHITECTS", "PRINTING", "TITLE COMPANY", "FURNITURE", "ORTHODONTICS", "ELECTRIC", "CREDIT UNION"]
BIZ_SUFFIXES = ("LLC", "INC", "PC", "CO", "CORP", "LLP", "")
BIG_BIZ = ("REGIONAL MEDICAL CENTER", "SCHOOL DISTRICT", "COUNTY GOVERNMENT", "UNIVERSITY",
           "HEALTH SYSTEM", "DISTRIBUTION CENTER")
STREETS = ["MAIN", "OAK", "PINE", "MAPLE", "CEDAR", "ELM", "WASHINGTON", "LAKE", "HILL", "PARK", "RIVER", "SUNSET", "LINCOLN", "JEFFERSON", "MADISON", "FRANKLIN", "CHESTNUT", "SPRUCE", "BIRCH", "ASPEN", "HIGHLAND", "CANYON", "MEADOW", "RIDGE", "FOREST", "VALLEY", "MOUNTAIN VIEW", "COLUMBIA", "BROADWAY", "CENTER", "UNION", "COLLEGE", "GRAND", "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "MILL", "STATION"]
STREET_TYPES = ("ST", "AVE", "RD", "DR", "BLVD", "LN", "CT", "PL", "WAY", "PKWY", "CIR", "TER")
DIRECTIONALS = ("N", "S", "E", "W", "NE", "NW", "SE", "SW")
EMAIL_DOMAINS = ("example.net", "example.com", "example.org")


@dataclass
class DemoAccount:
    """One generated account with everything an order on it needs (passcode in clear)."""

    number: str
    kind: str
    state: str
    name: str
    address: dict[str, str]
    service_class: str
    tns: list[str]
    statuses: list[str]
    une: bool = False
    resale_spid: str = ""
    passcode: str = ""
    freeze: bool = False
    email: str = ""

    @property
    def btn(self) -> str:
        return self.tns[0]

    @property
    def working(self) -> list[str]:
        return [tn for tn, s in zip(self.tns, self.statuses, strict=False) if s == "working"]

    def rows(self) -> list[list[str]]:
        """The account's rows in the column order of the accounts file."""
        a = self.address
        head = [self.number, self.btn, self.name, a["sano"], a["sasd"], a["sasn"], a["sath"],
                a["sass"], a["ld1"], a["lv1"], a["city"], self.state, a["zip"]]
        tail = [self.service_class, "Y" if self.une else "N", self.resale_spid, self.passcode,
                "Y" if self.freeze else "N", self.email]
        return [head + [tn, status] + tail for tn, status in zip(self.tns, self.statuses, strict=False)]


class _Cursor:
    """Hands out lines of a sequence of 1,000-line blocks, lines below `limit` only."""

    def __init__(self, blocks: tuple[str, ...], limit: int, what: str) -> None:
        self.blocks, self.limit, self.what = blocks, limit, what
        self.index, self.line = 0, 0
        self.used: list[str] = []

    def _block(self) -> str:
        if self.index >= len(self.blocks):
            raise ValueError(f"the demo numbering plan has no more {self.what}; "
                             "use fewer --accounts")
        block = self.blocks[self.index]
        if not self.used or self.used[-1] != block:
            self.used.append(block)
        return block

    def take(self, count: int, skip: int = 0) -> list[str]:
        """The next `count` lines after `skip` spare ones (moving on to the next block)."""
        self.line += skip
        if self.line + count > self.limit:
            self.index, self.line = self.index + 1, 0
        block = self._block()
        tns = [f"{block}{line:03d}" for line in range(self.line, self.line + count)]
        self.line += count
        return tns

    def runs(self, count: int) -> list[str]:
        """`count` lines in aligned runs of 100 (DID ranges)."""
        tns: list[str] = []
        while len(tns) < count:
            self.line = -(-self.line // DID_RUN) * DID_RUN
            tns += self.take(DID_RUN)
        return tns


@dataclass
class Generated:
    """What generation leaves besides the rows: NPAC SVs and accounts kept for demo orders."""

    ported_in: list[tuple[str, str, str]] = field(default_factory=list)  # tn, spid, lrn
    samples: dict[str, list[DemoAccount]] = field(default_factory=dict)
    cascade_blocks_used: list[str] = field(default_factory=list)
    n_accounts: int = 0
    n_tns: int = 0


class AccountGenerator:
    """Generate n accounts in a fixed order from one seeded random stream."""

    SAMPLE = 80  # accounts of each kind kept (in clear) for the demo orders

    def __init__(self, plan: Plan, n_accounts: int, seed: int = 2026) -> None:
        self.plan, self.n = plan, n_accounts
        self.rng = random.Random(seed)
        self.result = Generated()
        self.own = _cursors(plan.cascade_blocks, ACCOUNT_LINES, "numbers")
        self.foreign = _cursors({s: tuple(b for b, _ in v) for s, v in plan.other_blocks.items()},
                                RESERVED_LINES, "ported-in numbers")
        self.resale = _cursors(plan.resale_blocks, RESERVED_LINES, "resale numbers")
        self._check_capacity()

    def _check_capacity(self) -> None:
        mean = sum(w * (lo + hi) / 2 for w, _, lo, hi in KINDS.values()) / \
            sum(w for w, *_ in KINDS.values())
        for state, lines in account_capacity(self.plan).items():
            need = self.n * STATE_WEIGHTS[state] * mean * 1.3
            if need > lines:
                most = int(lines / (STATE_WEIGHTS[state] * mean * 1.3))
                raise ValueError(f"--accounts {self.n:,}: the demo numbering plan holds about "
                                 f"{most:,} accounts ({state} runs out of numbers)")

    def __iter__(self) -> Iterator[DemoAccount]:
        kinds, weights = list(KINDS), [w for w, *_ in KINDS.values()]
        states, state_weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
        rng = self.rng
        for i in range(self.n):
            if i < len(SHOWCASE):
                kind, state, extra = SHOWCASE[i]
            else:
                kind = rng.choices(kinds, weights)[0]
                state, extra = rng.choices(states, state_weights)[0], {}
            account = self._account(i, kind, state, extra)
            self._keep(account)
            yield account
        self.result.cascade_blocks_used = [b for c in self.own.values() for b in c.used]

    def _keep(self, account: DemoAccount) -> None:
        kept = self.result.samples.setdefault(account.kind, [])
        if len(kept) < self.SAMPLE or account.state in ("MT",) and len(kept) < 2 * self.SAMPLE:
            kept.append(account)
        self.result.n_accounts += 1
        self.result.n_tns += len(account.tns)

    def _account(self, i: int, kind: str, state: str, extra: dict) -> DemoAccount:
        rng = self.rng
        _, service_class, lo, hi = KINDS[kind]
        count = extra.get("tns") or (lo if lo == hi else rng.randint(lo, hi))
        business = kind != "residential" and not (kind in ("resold", "ported_in", "une", "rcf")
                                                  and rng.random() < 0.6)
        name = self._business_name(kind) if business else \
            f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        npa, address = self._address(state, business)
        tns = self._numbers(kind, npa, count)
        account = DemoAccount(
            number=f"{41_000_000 + i * 7:09d}", kind=kind, state=state, name=name,
            address=address, service_class=service_class, tns=tns,
            statuses=self._statuses(tns, business, extra.get("status")),
            une=kind == "une", resale_spid=RESALE_SPID if kind == "resold" else "",
            passcode=extra.get("passcode") or self._passcode(business),
            freeze=extra.get("freeze", rng.random() < (0.02 if business else 0.03)))
        account.email = self._email(account, business)
        return account

    def _numbers(self, kind: str, npa: str, count: int) -> list[str]:
        if kind == "resold":
            return self.resale[npa].take(count)
        if kind == "ported_in":
            tns = self.foreign[npa].take(count, skip=self.rng.randrange(3))
            spid = "CT02" if _state_of(npa) in MOUNTAIN else "CT01"
            self.result.ported_in += [(tn, spid, self.plan.cascade_lrn[npa]) for tn in tns]
            return tns
        if count >= DID_RUN:
            return self.own[npa].runs(count)
        skip = self.rng.choice((0, 0, 1, 1, 2, 3, 5))  # spare numbers between customers
        return self.own[npa].take(count, skip)

    def _statuses(self, tns: list[str], business: bool, forced: str | None) -> list[str]:
        if forced:
            return [forced] * len(tns)
        rng = self.rng
        if len(tns) == 1:
            roll = rng.random()
            return ["disconnected" if roll < 0.03 else "suspended" if roll < 0.045 else "working"]
        statuses = ["working"]  # the BTN stays working
        for _ in tns[1:]:
            roll = rng.random()
            statuses.append("disconnected" if roll < 0.05 else
                            "suspended" if roll < 0.06 else "working")
        return statuses

    def _address(self, state: str, business: bool) -> tuple[str, dict[str, str]]:
        """The NPA that serves the address, and the address."""
        rng = self.rng
        npa, places = rng.choice(PLACES[state])
        city, zip_code = rng.choice(places)
        suite = business and rng.random() < 0.4
        return npa, {"sano": str(rng.randint(1, 9899)),
                "sasd": rng.choice(DIRECTIONALS) if rng.random() < 0.3 else "",
                "sasn": rng.choice(STREETS), "sath": rng.choice(STREET_TYPES),
                "sass": rng.choice(DIRECTIONALS) if rng.random() < 0.05 else "",
                "ld1": "STE" if suite else "", "lv1": str(rng.randint(1, 45) * 10) if suite else "",
                "city": city, "zip": zip_code}

    def _business_name(self, kind: str) -> str:
        rng = self.rng
        if kind in ("enterprise", "pbx", "did") and rng.random() < 0.5:
            return f"{rng.choice(BIZ_ROOTS)} {rng.choice(BIG_BIZ)}"
        suffix = rng.choice(BIZ_SUFFIXES)
        name = f"{rng.choice(BIZ_ROOTS)} {rng.choice(BIZ_TRADES)}"
        return f"{name} {suffix}" if suffix else name

    def _passcode(self, business: bool) -> str:
        rng = self.rng
        if rng.random() >= (0.12 if business else 0.2):
            return ""
        return str(rng.randint(1000, 99999999)) if rng.random() < 0.8 else \
            f"{rng.choice(LAST)[:4]}{rng.randint(10, 99)}"

    def _email(self, account: DemoAccount, business: bool) -> str:
        rng = self.rng
        if rng.random() >= (0.95 if business else 0.85):
            return ""
        local = "".join(c for c in account.name.lower() if c.isalnum() or c == " ").split()
        return f"{'.'.join(local[:2])}{account.number[-3:]}@{rng.choice(EMAIL_DOMAINS)}"


def _cursors(blocks: dict[str, tuple[str, ...]], limit: int, what: str) -> dict[str, _Cursor]:
    """One cursor per NPA over the state's blocks of that NPA."""
    by_npa: dict[str, list[str]] = {}
    for state_blocks in blocks.values():
        for block in state_blocks:
            by_npa.setdefault(block[:3], []).append(block)
    return {npa: _Cursor(tuple(b), limit, f"{what} in NPA {npa}") for npa, b in by_npa.items()}


def _state_of(npa: str) -> str:
    return next(state for state, places in PLACES.items() if any(n == npa for n, _ in places))


def ported_away(plan: Plan, blocks: list[str], seed: int = 7) -> list[tuple[str, str, str]]:
    """SVs of TNs that left Cascade: a few lines x900-x999 of each block Cascade numbered."""
    rng = random.Random(seed)
    winners = [spid for spid, _, _ in plan.spids if not spid.startswith("CT")]
    rows = []
    for block in blocks:
        for line in sorted(rng.sample(range(ACCOUNT_LINES, 1000), 6)):
            spid = rng.choice(winners)
            rows.append((f"{block}{line:03d}", spid, f"{block[:6]}9{rng.randrange(1000):03d}"))
    return rows
