"""`seed-demo`: a deterministic fictional carrier, Cascade Telecom, with its trading partners,
users, staff, escalation ladders, NPAC data, subscriber accounts and orders in every status.

Accounts and NPAC data go through the import code paths (`imports.load_accounts`, the
`npac.importers`), partners, users and orders through the services the portal uses.
"""
from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from gateway.demo.accounts import AccountGenerator, Generated, ported_away
from gateway.demo.plan import Plan, build_plan
from gateway.errors import InvalidInput
from gateway.platform.security import password_problems
from gateway.services import imports
from gateway.services.identity import users
from gateway.services.identity.actors import CLI
from gateway.services.partners import contacts, roles
from gateway.services.partners import directory as partners
from npac import importers
from validators.carrier_profile import CarrierProfile
from validators.passcode import PasscodeKey

Echo = Callable[[str], None]

# ccna, name, type, SPIDs, OCN, address, status
PARTNERS = [
    ("BHW", "Blue Heron Wireless", "wireless", ["B451", "B452"], "6214",
     "1200 NW Naito Pkwy, Portland, OR 97209", "active"),
    ("RDG", "Ridgeline Cable & Broadband", "clec", ["R812"], "8117",
     "455 E Main St, Boise, ID 83702", "active"),
    ("TWV", "Tidewater Voice", "voip", ["V733"], "9431",
     "80 Harbor Way, Tacoma, WA 98402", "active"),
    ("CGT", "Columbia Gorge Telephone Company", "ilec", ["G210"], "1736",
     "310 Oak St, Hood River, OR 97031", "active"),
    ("KCN", "Keystone Campus Networks", "shared_tenant", ["K560"], "5520",
     "2 Tech Center Dr, Salt Lake City, UT 84101", "active"),
    ("PPS", "PortPilot Porting Services", "agent", [], None,
     "1900 Broadway Ste 400, Denver, CO 80202", "active"),
    ("JNM", "Juniper Mobile", "wireless", ["J118"], "7702",
     "77 Juniper Ave, Bend, OR 97701", "pending"),
]
# username, role, partner CCNA, privileges, contact types, named role, password
USERS = [
    ("heron.admin", "partner_admin", "BHW", ["csr", "lsr", "view"], ["escalation", "jeopardy"],
     None, "Osprey-Lantern-41!"),
    ("heron.orders", "partner_user", "BHW", [], ["foc", "reject", "completion"], "Order desk",
     "Tidal-Compass-73#"),
    ("heron.viewer", "partner_user", "BHW", [], [], "Read only", "Quiet-Harbor-28$"),
    ("ridge.admin", "partner_admin", "RDG", ["csr", "lsr", "view"],
     ["foc", "reject", "completion", "jeopardy", "escalation"], None, "Granite-Meadow-65%"),
    ("ridge.orders", "partner_user", "RDG", ["csr", "lsr", "view"], ["foc"], None,
     "Copper-Valley-19&"),
    ("tide.admin", "partner_admin", "TWV", ["csr", "lsr", "view"], ["escalation"], None,
     "Saltwater-Beacon-52*"),
    ("tide.orders", "partner_user", "TWV", ["csr", "lsr", "view"], ["foc", "reject"], None,
     "Driftwood-Signal-84!"),
    ("gorge.admin", "partner_admin", "CGT", ["csr", "lsr", "view"],
     ["foc", "reject", "completion", "jeopardy", "escalation"], None, "Basalt-Orchard-37@"),
    ("gorge.csr", "partner_user", "CGT", ["csr", "view"], [], None, "Windmill-Cedar-46#"),
    ("keystone.admin", "partner_admin", "KCN", ["csr", "lsr", "view"],
     ["foc", "reject", "completion", "jeopardy", "escalation"], None, "Campus-Lattice-58$"),
    ("pilot.admin", "partner_admin", "PPS", ["csr", "lsr", "view"],
     ["foc", "reject", "completion", "jeopardy", "escalation"], None, "Runway-Almanac-63%"),
    ("pilot.agent", "partner_user", "PPS", ["csr", "lsr", "view"], [], None,
     "Paper-Airplane-27&"),
    ("desk.dana", "staff", None, [], [], None, "Switchboard-Fern-91!"),
    ("desk.luis", "staff", None, [], [], None, "Porting-Juniper-14?"),
    ("lnp.admin", "staff_admin", None, [], [], None, "Cascade-Ledger-88#"),
]
NAMED_ROLES = {"BHW": [("Order desk", ["csr", "lsr", "view"]), ("Read only", ["view"])]}
# partner CCNA -> [(contact name, email, phone, types)]
CONTACTS = {
    "BHW": [("Blue Heron Porting Center", "porting@blueheron.example", "5419990100",
             ["foc", "reject", "completion", "jeopardy"]),
            ("Blue Heron NOC", "noc@blueheron.example", "5419990111", ["escalation"])],
    "RDG": [("Ridgeline Number Porting", "lnp@ridgeline.example", "2085550140",
             ["foc", "reject", "completion"])],
    "TWV": [("Tidewater Porting Team", "ports@tidewater.example", "2535550177",
             ["foc", "reject", "completion", "jeopardy"])],
    "CGT": [("Gorge Telephone Service Orders", "orders@gorgetel.example", "5415550188",
             ["foc", "reject"])],
    "KCN": [("Keystone Operations", "ops@keystone.example", "8015550122",
             ["foc", "completion", "jeopardy"])],
    "PPS": [("PortPilot Order Desk", "desk@portpilot.example", "7205550166",
             ["foc", "reject", "completion"])],
}
# carrier -> agent privileges it granted (business-rules §1.1)
AGENTS_APPROVED_BEFORE = timedelta(days=30)  # the demo's orders go back 21 days
AGENT_GRANTS = [("BHW", "PPS", ["csr", "lsr", "view"]), ("TWV", "PPS", ["csr", "view"])]
LEVELS = [(1, "LNP Desk", "Port-out desk", "Mon-Fri 08:00-17:00 local"),
          (2, "{supervisor}", "LNP supervisor", "Mon-Fri 08:00-17:00 local"),
          (3, "{manager}", "Wholesale operations manager", "Mon-Fri 09:00-16:00 local")]
SUPERVISORS = ["Dana Whitfield", "Marisol Vega", "Tom Okafor", "Greta Lindqvist", "Ahmed Rahal",
               "Nora Blackfeather", "Ken Sato", "Paula Ferreira", "Ivan Petrov",
               "Lucy Thunderbird", "Owen MacLeod"]
MANAGERS = ["Ravi Menon", "Carla Jimenez"]


def seed(session: Session, *, n_accounts: int, profile: CarrierProfile, now: datetime,
         passcode_key: PasscodeKey, echo: Echo = lambda _line: None
         ) -> list[tuple[str, str, str]]:
    """Load the demo carrier into an empty database; return the logins (user, password, role)."""
    from gateway.demo.orders import seed_orders

    plan = build_plan()
    try:
        generator = AccountGenerator(plan, n_accounts)  # refuses what the plan cannot number
    except ValueError as err:
        raise InvalidInput(str(err), code="invalid_accounts") from None
    parties = seed_parties(session, profile=profile, now=now)
    echo(f"partners {len(PARTNERS)}, users {len(USERS)}, "
         f"escalation contacts {seed_escalations(session, profile)}")
    generated = seed_accounts(session, generator, profile=profile, echo=echo,
                              passcode_key=passcode_key)
    seed_npac(session, plan, generated, now=now, echo=echo)
    count = seed_orders(session, parties, generated, profile=profile, now=now,
                        passcode_key=passcode_key)
    by_status = ", ".join(f"{k} {v}" for k, v in count.items() if k != "lsrs")
    echo(f"orders {count['lsrs']} ({by_status})")
    return [(u[0], u[6], u[1] + (f" ({u[2]})" if u[2] else "")) for u in USERS
            if u[2] != "JNM"]


def seed_parties(session: Session, *, profile: CarrierProfile, now: datetime) -> dict:
    """Partners, named roles, users, notification contacts and agent approvals."""
    found = {}
    for ccna, name, type_, spids, ocn, address, status in PARTNERS:
        found[ccna] = partners.add_partner(
            session, name=name, ccna=ccna, type=type_, spids=spids, actor=CLI, now=now,
            status=status, ocn=ocn, address=address,
            profile={"company": name, "ccna": ccna, "spids": spids, "ocn": ocn, "type": type_,
                     "address": address})
    named = {(ccna, role_name): roles.create_role(session, found[ccna].id, name=role_name,
                                                  privileges=privs, actor=CLI, now=now)
             for ccna, defined in NAMED_ROLES.items() for role_name, privs in defined}
    people = {}
    for username, role, ccna, privs, types, role_name, password in USERS:
        problems = password_problems(password, username)
        assert not problems, (username, problems)  # demo passwords follow the policy
        user = users.add_user(session, username=username, email=f"{username}@" + (
            f"{ccna.lower()}.example" if ccna else "cascade.example"), password=password,
            role=role, partner=found.get(ccna), privileges=privs or None, actor=CLI, now=now,
            role_obj=named.get((ccna, role_name)))
        if types:
            contacts.set_user_contact_types(session, user, types, actor=CLI, now=now)
        people[username] = user
    for ccna, rows in CONTACTS.items():
        for name, email, phone, types in rows:
            contacts.add_contact(session, found[ccna].id, name=name, email=email, phone=phone,
                                 types=types, actor=CLI, now=now)
    for carrier, agent, privs in AGENT_GRANTS:  # approved before the demo's oldest order
        partners.grant_agent(session, found[carrier], found[agent], privs, actor=CLI,
                             now=now - AGENTS_APPROVED_BEFORE)
    return {"partners": found, "users": people}


def seed_escalations(session: Session, profile: CarrierProfile) -> int:
    """Three escalation levels for every served state, through the import's checks."""
    rows = []
    for index, state in enumerate(sorted(profile.states)):
        for level, name, title, hours in LEVELS:
            person = name.format(supervisor=SUPERVISORS[index % len(SUPERVISORS)],
                                 manager=MANAGERS[index % len(MANAGERS)])
            email = ("lnp-desk-" + state.lower() if level == 1
                     else person.lower().replace(" ", "."))
            phone = f"{5035550900 + index * 10 + level}"
            rows.append((len(rows) + 2, [state, str(level), person if level > 1 else
                                         f"{person} {state}", title,
                                         f"{email}@cascade.example", phone, hours]))
    return imports.load_escalations(session, rows, states=frozenset(profile.states),
                                    source="seed-demo escalations")


def seed_accounts(session: Session, generator: AccountGenerator, *, profile: CarrierProfile,
                  echo: Echo, passcode_key: PasscodeKey) -> Generated:
    """Generate the accounts and load them through the accounts import."""
    def rows():
        number = 1
        for account in generator:
            for row in account.rows():
                number += 1
                yield number, row

    try:
        count = imports.load_accounts(session, rows(), states=frozenset(profile.states),
                                      source="seed-demo accounts", passcode_key=passcode_key)
    except ValueError as err:  # the numbering plan ran out of lines for some NPA
        raise InvalidInput(f"--accounts {generator.n:,}: {err}", code="invalid_accounts") from None
    echo(f"accounts {generator.result.n_accounts:,}, TNs {count:,}")
    return generator.result


def seed_npac(session: Session, plan: Plan, generated: Generated, *, now: datetime,
              echo: Echo) -> None:
    """SPIDs, codes, blocks and SVs (ported-in and ported-away TNs) via the NPAC importers."""
    svs = generated.ported_in + ported_away(plan, generated.cascade_blocks_used)
    files = {"spids": (importers.SPID_COLUMNS, plan.spids),
             "codes": (importers.CODE_COLUMNS, [(c.npa_nxx, c.spid, c.lrn) for c in plan.codes]),
             "blocks": (importers.BLOCK_COLUMNS, plan.blocks),
             "tns": (importers.TN_COLUMNS, svs)}
    connection = session.connection()
    counts = {}
    with tempfile.TemporaryDirectory(prefix="portgate-seed-") as folder:
        for kind, (header, rows) in files.items():
            path = Path(folder) / f"{kind}.csv"
            with path.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows(rows)
            loader = getattr(importers, f"import_{kind}")
            counts[kind] = loader(connection, str(path), **({"now": now} if kind == "tns" else {}))
    echo(f"NPAC: SPIDs {counts['spids']}, codes {counts['codes']:,}, blocks "
         f"{counts['blocks']:,}, ported TNs {counts['tns']:,} "
         f"({len(generated.ported_in):,} ported in)")
