"""A small carrier world for trust tests: partners A, B and a suspended C, every kind of actor
(tokens and portal sessions), and one object of partner A of every kind."""
from __future__ import annotations

import base64
import csv
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from gateway import clock
from gateway.models import (
    AgentApproval,
    ApiToken,
    CsrRequest,
    Delivery,
    Escalation,
    EscalationContact,
    Partner,
    Role,
    User,
)
from gateway.services.identity import users
from gateway.services.identity.actors import CLI
from gateway.services.partners import access_requests, contacts
from gateway.services.partners import directory as partners
from tests.conftest import EXAMPLES, PASSWORD, Actors, Api

# actor kinds of the isolation matrix
ANON, NO_CSR, NO_LSR, NO_VIEW = "anonymous", "a_without_csr", "a_without_lsr", "a_without_view"
A_USER, A_ADMIN, B_USER, B_ADMIN = "a_user", "a_admin", "b_user", "b_admin"
DISABLED, SUSPENDED, STAFF, STAFF_ADMIN = "disabled_user", "suspended_partner_user", "staff", \
    "staff_admin"
KINDS = (ANON, NO_CSR, NO_LSR, NO_VIEW, A_USER, A_ADMIN, B_USER, B_ADMIN, DISABLED, SUSPENDED,
         STAFF, STAFF_ADMIN)
A_SIDE = (NO_CSR, NO_LSR, NO_VIEW, A_USER, A_ADMIN)
B_SIDE = (B_USER, B_ADMIN)
DEAD = (ANON, DISABLED, SUSPENDED)  # no live credentials
STAFF_SIDE = (STAFF, STAFF_ADMIN)
ALL_PRIVILEGES = frozenset({"csr", "lsr", "view"})
PRIVILEGES = {NO_CSR: {"lsr", "view"}, NO_LSR: {"csr", "view"}, NO_VIEW: {"csr", "lsr"}}
ROLES = {A_ADMIN: "partner_admin", B_ADMIN: "partner_admin", STAFF: "staff",
         STAFF_ADMIN: "staff_admin"}

# (kind, username, partner CCNA)
PEOPLE = ((NO_CSR, "a-nocsr", "BHW"), (NO_LSR, "a-nolsr", "BHW"), (NO_VIEW, "a-noview", "BHW"),
          (A_USER, "a-user", "BHW"), (A_ADMIN, "a-admin", "BHW"), (B_USER, "b-user", "SWC"),
          (B_ADMIN, "b-admin", "SWC"), (DISABLED, "a-gone", "BHW"), (SUSPENDED, "c-user", "SUS"),
          (STAFF, "desk", None), (STAFF_ADMIN, "chief", None))

FRESH_TNS = [f"5415551{n:03d}" for n in range(400)]  # single-line POTS accounts, CT01 range
PDF = b"%PDF-1.4\n% signed letter of authorization\n"


def privileges_of(kind: str) -> frozenset[str]:
    return frozenset(PRIVILEGES.get(kind, ALL_PRIVILEGES))


def passcode_of(n: int) -> str:
    return f"Pq{n:03d}Zx"


def account_of(n: int) -> str:
    return f"91{n:04d}"


def write_fresh_accounts(path: Path) -> Path:
    """400 single-line POTS accounts in Bend, OR, each with a distinctive passcode."""
    with open(EXAMPLES / "accounts.csv", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n, tn in enumerate(FRESH_TNS):
            row = {"account_number": account_of(n), "btn": tn, "customer_name": f"CUSTOMER {n}",
                   "sano": str(100 + n), "sasn": "PINE", "sath": "ST", "city": "BEND",
                   "state": "OR", "zip": "97701", "tn": tn, "tn_status": "working",
                   "service_class": "pots", "une": "N", "passcode": passcode_of(n),
                   "port_freeze": "N", "contact_email": f"end{n}@example.net"}
            writer.writerow([row.get(col, "") for col in header])
    return path


def simple_port(tn: str, pon: str, *, ccna: str = "BHW", cc: str = "B451", n: int | None = None,
                **extra) -> dict:
    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    index = FRESH_TNS.index(tn) if tn in FRESH_TNS else None
    body.update(ccna=ccna, cc=cc, pon=pon, tns=[tn], eu={"zip": "97701"})
    if index is not None:
        body.update(an=account_of(index), passcode=passcode_of(index))
    body.update(extra)
    return body


@dataclass
class World:
    app: object
    client: object
    cli: object
    tokens: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)  # text only partner A's data contains
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    tn_pool: list[str] = field(default_factory=lambda: list(FRESH_TNS[10:]))

    def api(self, kind: str) -> Api:
        return Api(self.client, self.tokens.get(kind))

    def fresh_tn(self) -> str:
        return self.tn_pool.pop(0)

    def pon(self) -> str:
        return f"M{next(self.counter):05d}"

    def page_client(self, kind: str):
        """A new test client carrying the kind's portal session cookie (if any)."""
        client = self.app.test_client()
        if kind in self.cookies:
            client.set_cookie("session", self.cookies[kind])
        return client

    def session(self):
        return self.app.extensions["portgate_db"].sessionmaker()

    # --- objects made on demand -------------------------------------------------------
    def conflict_sv(self) -> int:
        """A new SV of partner A in conflict (no FOC covers its TN): activation is refused."""
        resp = self.api(A_USER).post("/api/v1/npac/subscriptions", {
            "tn": self.fresh_tn(), "new_spid": "B451", "lrn": "5419990000",
            "due_date": "2026-11-24"})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    def escalation(self) -> int:
        """A new escalation of partner A on its order."""
        resp = self.api(A_USER).post(f"/api/v1/lsrs/{self.ids['lsr_id']}/escalations",
                                     {"reason": "foc_overdue", "text": "Where is the FOC?"})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    def _unit(self, work):
        with self.app.app_context(), self.session() as session, session.begin():
            return work(session)

    def _heron(self, session) -> Partner:
        return session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))

    def victim_user(self) -> int:
        """A new user of partner A, for routes that disable or reset one."""
        n = next(self.counter)
        return self._unit(lambda s: users.add_user(
            s, username=f"victim{n}", email=f"victim{n}@example.net", password=PASSWORD,
            role="partner_user", partner=self._heron(s), privileges=None, actor=CLI,
            now=clock.now()).id)

    def victim_token(self) -> int:
        return self._unit(lambda s: users.issue_token(
            s, users.user_by_username(s, "a-user"), actor=CLI, now=clock.now(),
            name="victim")[0].id)

    def victim_role(self) -> int:
        def make(session):
            role = Role(partner_id=self._heron(session).id, name=f"Victim {next(self.counter)}",
                        privileges_csv="view")
            session.add(role)
            session.flush()
            return role.id
        return self._unit(make)

    def victim_contact(self) -> int:
        return self._unit(lambda s: contacts.add_contact(
            s, self._heron(s).id, name="Victim Contact", email="victim@heron.example",
            phone="5415550778", types=["foc"], actor=CLI, now=clock.now()).id)

    def victim_approval(self) -> int:
        return self._unit(lambda s: partners.grant_agent(
            s, self._heron(s), partners.partner_by_ccna(s, "AGX"), None, actor=CLI,
            now=clock.now()).id)

    def victim_request(self) -> int:
        """A new open access request to partner A, from a new agent company."""
        n = next(self.counter)
        ccna = "Q" + "ABCDEFGHJKLMNPRSTUVWXYZ"[n // 23 % 23] + "ABCDEFGHJKLMNPRSTUVWXYZ"[n % 23]

        def make(session):
            agent = partners.add_partner(session, name=f"Victim Agents {n}", ccna=ccna,
                                         type="agent", spids=[], actor=CLI, now=clock.now())
            return access_requests.request_access(
                session, agent, "BHW", ["view"], "Aprivate: porting for a reseller",
                actor=CLI, now=clock.now()).id
        return self._unit(make)

    def victim_escalation_contact(self) -> int:
        def make(session):
            row = EscalationContact(state="WA", level=next(self.counter), name="Victim Desk",
                                    title="Desk", email="desk@wa.example", phone="5095550100",
                                    hours="Mon-Fri")
            session.add(row)
            session.flush()
            return row.id
        return self._unit(make)

    def review_order(self) -> int:
        """A new expedite order of partner A awaiting staff."""
        body = simple_port(self.fresh_tn(), self.pon(), exp="Y", ddd="2026-11-23")
        resp = self.api(A_USER).post("/api/v1/lsrs", body)
        assert resp.get_json()["status"] == "manual_review", resp.get_json()
        return resp.get_json()["id"]


def build_world(app, client, cli, tmp_path: Path) -> World:
    """Partners, people, tokens, sessions and partner A's objects, committed in the test DB."""
    world = World(app, client, cli)
    actors = Actors(cli)
    _load(cli, tmp_path)
    actors.partner()  # A: Blue Heron Wireless, BHW, B451
    actors.partner(ccna="SWC", name="Summit West", spids=("SW01",), type="clec")  # B
    actors.partner(ccna="SUS", name="Suspended Telecom", spids=("SU01",), type="clec")  # C
    actors.partner(ccna="AGX", name="Port Agents Inc", spids=(), type="agent")
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    for kind, username, ccna in PEOPLE:
        role = ROLES.get(kind, "partner_user")
        actors.user(username, role=role, partner=ccna, privileges=sorted(privileges_of(kind)))
        world.tokens[kind] = actors.token(username)
        world.cookies[kind] = _login(app, username)
    actors.user("agent", partner="AGX")
    world.tokens["agent"] = actors.token("agent")
    _make_objects(world)
    _retire(world)
    return world


def _load(cli, tmp_path: Path) -> None:
    for kind in ("spids", "codes", "blocks", "tns"):
        assert cli("npac", f"import-{kind}", EXAMPLES / f"{kind}.csv")[0] == 0
    for path in (EXAMPLES / "accounts.csv", write_fresh_accounts(tmp_path / "fresh.csv")):
        code, out = cli("import-accounts", path)
        assert code == 0, out
    assert cli("escalation", "import", EXAMPLES / "escalations.csv")[0] == 0


def _login(app, username: str) -> str:
    client = app.test_client()
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client.get_cookie("session").value


def _make_objects(world: World) -> None:
    a = world.api(A_USER)
    csr = a.post("/api/v1/csr-requests", {"tn": FRESH_TNS[0], "agauth": "Y"}).get_json()
    assert csr["status"] == "returned", csr
    order = a.post("/api/v1/lsrs", simple_port(FRESH_TNS[1], "APRIVATE1")).get_json()
    assert order["status"] == "foc", order
    sv = a.post("/api/v1/npac/subscriptions", {"tn": FRESH_TNS[1], "new_spid": "B451",
                                               "lrn": "5419990000", "due_date": "2026-11-24"})
    esc = a.post(f"/api/v1/lsrs/{order['id']}/escalations",
                 {"reason": "foc_overdue", "text": "APRIVATE escalation"})
    loa = {"filename": "linda-loa.pdf", "content_base64": base64.b64encode(PDF).decode()}
    agent = Api(world.client, world.tokens["agent"])
    by_agent = agent.post("/api/v1/lsrs", simple_port(FRESH_TNS[2], "APRIVATE2", loa=loa))
    assert by_agent.get_json()["status"] == "foc", by_agent.get_json()
    note = a.post(f"/api/v1/lsrs/{order['id']}/notes",
                  {"text": "APRIVATE note", "attachment": {
                      "filename": "aprivate.pdf",
                      "content_base64": base64.b64encode(PDF).decode()}})
    assert note.status_code == 201, note.get_json()
    world.ids.update(req_id=csr["id"], lsr_id=order["id"], sv_id=sv.get_json()["id"],
                     note_id=note.get_json()["id"],
                     escalation_id=esc.get_json()["id"], loa_id=by_agent.get_json()["loa_id"],
                     agent_lsr_id=by_agent.get_json()["id"])
    world.markers |= {"APRIVATE1", "APRIVATE2", order["order_number"],
                      by_agent.get_json()["order_number"], "APRIVATE escalation", "APRIVATE note"}
    batch = world.api(A_USER).post("/api/v1/lsr-batches", {"lsrs": [
        simple_port(world.fresh_tn(), "APRIVATEB")]})
    assert batch.status_code == 202, batch.get_json()
    world.ids["batch_id"] = batch.get_json()["id"]  # a queued LSR batch of partner A (§12)
    with world.app.app_context(), world.session() as session, session.begin():
        _a_side_rows(world, session)


def _a_side_rows(world: World, session) -> None:
    heron = session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    contact = contacts.add_contact(session, heron.id, name="Alice Aprivate",
                                   email="alice.aprivate@heron.example", phone="5415550777",
                                   types=["foc"], actor=CLI, now=clock.now())
    user = session.scalar(sa.select(User).where(User.username == "a-user"))
    token = session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    escalation = session.get(Escalation, world.ids["escalation_id"])
    assert escalation is not None and escalation.partner_id == heron.id
    role = Role(partner_id=heron.id, name="Aprivate role", privileges_csv="view")
    session.add(role)
    session.flush()
    approval = session.scalar(sa.select(AgentApproval.id).where(
        AgentApproval.carrier_id == heron.id))
    delivery = session.scalar(sa.select(Delivery.id).order_by(Delivery.id).limit(1))
    request = access_requests.request_access(
        session, partners.partner_by_ccna(session, "AGX"), "BHW", ["csr", "view"],
        "Aprivate reason: we port for Heron's resellers", actor=CLI, now=clock.now())
    world.ids.update(contact_id=contact.id, user_id=user.id, token_id=token.id,
                     role_id=role.id, approval_id=approval, delivery_id=delivery,
                     request_id=request.id,
                     account_number=account_of(3), partner_id=heron.id, tn=FRESH_TNS[3],
                     ccna="BHW", state="OR", filename="portgate.css", action="suspend",
                     token="not-a-welcome-token")
    world.markers |= {"Alice Aprivate", "alice.aprivate@heron.example",
                      "Aprivate reason: we port for Heron's resellers"}


def _retire(world: World) -> None:
    """Disable one user of A and suspend partner C, after their tokens and sessions exist."""
    with world.app.app_context():
        with world.session() as session, session.begin():
            gone = users.user_by_username(session, "a-gone")
            users.disable_user(session, gone, actor=CLI, now=clock.now())
            suspended = partners.partner_by_ccna(session, "SUS")
            partners.set_partner_status(session, suspended, "suspended", actor=CLI,
                                        now=clock.now())


# --- agents (business-rules §1.1, §1.1.1) ----------------------------------------------------
AGENT, AGENT2 = "agent", "agent2"  # AGX (approved by partner A in every world), AGY (on demand)


@dataclass(frozen=True)
class Filed:
    """What one partner sent under a CCNA: an order and a CSR request, each with the LOA it
    carried (kept for agents only: None when the carrier sent it)."""

    lsr_id: int
    pon: str
    order_number: str
    loa_id: int | None
    req_id: int
    csr_loa_id: int | None


def sign_in(world: World, kind: str, username: str) -> None:
    """Give the kind a portal session (the world signs in the matrix's people only)."""
    world.cookies[kind] = _login(world.app, username)


def grant(world: World, agent: str, privileges=ALL_PRIVILEGES, carrier: str = "BHW") -> None:
    """A new approval of the agent by the carrier (it replaces the live one), through the CLI."""
    args = ["partner", "grant", "--carrier", carrier, "--agent", agent]
    for privilege in sorted(privileges):
        args += ["--privilege", privilege]
    code, out = world.cli(*args)
    assert code == 0, out


def add_agent(world: World, kind: str, ccna: str, username: str, *, carrier: str = "BHW",
              privileges=ALL_PRIVILEGES) -> None:
    """A further agent partner approved by the carrier, with a user holding a token and a
    portal session."""
    actors = Actors(world.cli)
    actors.partner(ccna=ccna, name=f"Agents {ccna}", spids=(), type="agent")
    grant(world, ccna, privileges, carrier)
    actors.user(username, partner=ccna)
    world.tokens[kind] = actors.token(username)
    sign_in(world, kind, username)


def loa_upload(name: str = "agent-loa.pdf") -> dict:
    return {"filename": name, "content_base64": base64.b64encode(PDF).decode()}


def file_under(world: World, kind: str, *, ccna: str = "BHW", pon: str | None = None) -> Filed:
    """The kind sends a CSR request and an LSR (each with an LOA) under the CCNA; both must
    be answered (returned, FOC), and an agent's LOAs kept."""
    api = world.api(kind)
    csr = api.post("/api/v1/csr-requests", {"tn": world.fresh_tn(), "agauth": "Y", "ccna": ccna,
                                            "loa": loa_upload()})
    assert csr.status_code == 201 and csr.get_json()["status"] == "returned", csr.get_json()
    body = simple_port(world.fresh_tn(), pon or world.pon(), ccna=ccna, loa=loa_upload())
    order = api.post("/api/v1/lsrs", body)
    assert order.status_code == 201 and order.get_json()["status"] == "foc", order.get_json()
    with world.app.app_context():
        with world.session() as session:
            csr_loa = session.scalar(sa.select(CsrRequest.loa_id).where(
                CsrRequest.id == csr.get_json()["id"]))
    answer = order.get_json()
    agent = kind in (AGENT, AGENT2)
    assert bool(csr_loa) == bool(answer["loa_id"]) == agent, (csr_loa, answer["loa_id"])
    return Filed(lsr_id=answer["id"], pon=answer["pon"], order_number=answer["order_number"],
                 loa_id=answer["loa_id"], req_id=csr.get_json()["id"], csr_loa_id=csr_loa)
