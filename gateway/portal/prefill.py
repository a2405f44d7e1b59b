"""Pre-filling the LSR form: from a CSR on file, or from an order to fix or correct (§7.4)."""
from __future__ import annotations

from typing import Any

from forms import lsr as lsr_forms
from gateway.models.orders import CLOSED_STATUSES, OPEN_STATUSES

ADDRESS_TO_EU = ("sano", "sasd", "sasn", "sath", "sass", "ld1", "lv1", "city", "state", "zip")


def _put(form, data: dict) -> None:
    for name, value in data.items():
        getattr(form, name).data = value


def from_csr(form, req) -> list[str]:
    """Start an LSR from a returned CSR: account, BTN, the service ZIP, and (for a port that
    cannot be simple) the name and address exactly as the CSR holds them."""
    record = req.csr or {}
    address = record.get("service_address") or {}
    working = [t["tn"] for t in record.get("tns", []) if t["status"] == "working"]
    data = {"an": record.get("account_number", ""), "atn": record.get("btn", ""),
            "eu_zip": address.get("zip", ""), "csr_id": str(req.id), "ver": "1"}
    if req.ccna in _values(form.ccna):
        data["ccna"] = req.ccna
    notes = [f"Filled from CSR {req.id} (account {record.get('account_number')})."]
    if len(working) == 1:
        data["tns"] = working[0]
    elif working:  # the table below chooses: "Port all" for the whole account (issue 15)
        notes.append(f"The account has {len(working)} working TNs: mark the ones to port in "
                     "the partial-port table below (Port all for the whole account).")
    if not record.get("simple_port_eligible"):
        data["eu_name"] = record.get("customer_name", "")
        data.update({f"eu_{part}": address.get(part, "") for part in ADDRESS_TO_EU})
        notes.append("Not a simple port: the EU name and service address are filled as the "
                     "CSR shows them (business-rules §4.5).")
    if record.get("passcode_required"):
        notes.append("The account has a port-out passcode: ask the end user for it.")
    if record.get("port_freeze"):
        notes.append("The end user has a port-out freeze on the account (R307): it must be "
                     "lifted with the carrier first.")
    _put(form, data)
    return notes


def default_spid(form, spids: list) -> None:
    """A new LSR names the partner's SPID in CC and NNSP when it has exactly one (issue 15);
    with several, none is pre-chosen: the form offers them (docs/decisions.md)."""
    if len({s.spid for s in spids}) == 1 and not (form.cc.data or form.nnsp.data):
        form.cc.data = form.nnsp.data = spids[0].spid


def from_order(form, lsr) -> tuple[list[dict], list[str]]:
    """Fill the form with the order's latest body and a new VER; return the rejects to fix."""
    data = lsr_forms.data_from(lsr.payload or {})
    data["ver"] = lsr_forms.next_ver(v.ver for v in lsr.versions)
    if data.get("ccna") not in _values(form.ccna):
        data.pop("ccna", None)
    notes = []
    findings: list[dict] = []
    if lsr.status == "rejected":
        findings = list(lsr.rejects or [])
        notes.append(f"Fixing PON {lsr.pon} VER {lsr.ver}: send it as VER {data['ver']}; the "
                     "same order takes the new version (business-rules §7.4).")
    elif lsr.status in OPEN_STATUSES:
        notes.append(f"Correcting PON {lsr.pon} (SUP 3) as VER {data['ver']}: the order is "
                     "checked again as a whole (§6.3).")
    elif lsr.status in CLOSED_STATUSES:
        data["pon"] = ""
        data["ver"] = "1"
        notes.append(f"PON {lsr.pon} is {lsr.status}: send this as a new LSR under a new PON.")
    if "passcode" in (lsr.payload or {}):
        notes.append("Type the PASSCODE again: a passcode is never shown once sent."
                     if lsr.status == "rejected" else
                     "Leave PASSCODE blank to keep the one sent, or type a new one.")
    if (lsr.payload or {}).get("loa"):
        notes.append("Attach the LOA again: files are not kept in the form.")
    _put(form, data)
    return findings, notes


def _values(field: Any) -> set[Any]:
    """The values a select field offers (its choices as SelectChoice or as pairs)."""
    return {getattr(c, "value", c[0] if isinstance(c, tuple) else c) for c in field.choices}
