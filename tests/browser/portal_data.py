"""Realistic portal data for the browser tests, made through the CLI and the JSON API."""
from __future__ import annotations

import json
import urllib.request

from tests.conftest import EXAMPLES

LSR_SIMPLE = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
LSR_PARTIAL = json.loads((EXAMPLES / "lsr-partial-port.json").read_text())


def api(live, token: str, path: str, body: dict) -> dict:
    """POST JSON to the live server's API as the token's user."""
    req = urllib.request.Request(live.url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:  # raises on 4xx/5xx
        return json.loads(resp.read())


def carrier(live, *, admin: bool = True) -> str:
    """Blue Heron Wireless with a user `heron` (and an administrator `boss`); API token."""
    live.load_examples()
    live.actors.partner()
    live.actors.user("heron")
    if admin:
        live.actors.user("boss", role="partner_admin")
    return live.actors.token("heron")


def busy_desk(live) -> dict:
    """Orders in every state a partner meets: FOC, reject, awaiting the desk; CSRs; an agent."""
    token = carrier(live)
    api(live, token, "/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y"})
    api(live, token, "/api/v1/csr-requests", {"tn": "5415550300", "agauth": "Y"})
    rejected = api(live, token, "/api/v1/lsrs", dict(LSR_SIMPLE, eu={"zip": "97700"}))
    expedite = api(live, token, "/api/v1/lsrs", dict(LSR_PARTIAL, ddd="2026-11-24", exp="Y"))
    focd = api(live, token, "/api/v1/lsrs", dict(LSR_SIMPLE, pon="BHW20261123C"))
    api(live, token, "/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "B451",
                                                    "lrn": "5419990000",
                                                    "due_date": "2026-11-24"})
    live.actors.partner("ACE", "Acme Porting Agents", spids=(), type="agent")
    live.actors.user("ace", partner="ACE")
    live.cli_ok("partner", "grant", "--carrier", "BHW", "--agent", "ACE", "--privilege", "csr",
                "--privilege", "view")
    ace = live.actors.token("ace")
    loa = {"filename": "loa.pdf", "content_base64": "JVBERi0xLjQKJSBsb2EK"}
    api(live, ace, "/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y", "ccna": "BHW",
                                            "loa": loa})
    return {"token": token, "rejected": rejected, "expedite": expedite, "foc": focd}


def fill_lsr_request(page, pon: str, ddd: str) -> None:
    """Type the LSR fields a form started from a CSR leaves blank (CC comes with the SPID)."""
    page.get_by_label("PON", exact=True).fill(pon)
    page.get_by_label("NPDI", exact=True).select_option("C")
    page.get_by_label("DDD", exact=True).fill(ddd)
    page.get_by_label("AGAUTH = Y", exact=False).check()
    page.get_by_label("INIT", exact=True).fill("Sam Ortiz")
    page.get_by_label("TEL NO (INIT)", exact=True).fill("5419990123")
