"""Who may ask, for whom (business-rules §1.1, §3.1, §4.2, §4.3, §8.1): R101 R102 R104 R206 R701."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from validators.carrier_profile import CarrierProfile
from validators.catalog import finding
from validators.facts import AccountFacts, OrderFacts, PartnerFacts
from validators.fields import text_of, value_of
from validators.findings import Finding

LOA_MAX_BYTES = 5 * 1024 * 1024
LOA_MAGIC = {b"%PDF-": "PDF", b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
ANY_CONTACT = "the carrier's LNP desk"


def check_agauth(body: Mapping[str, Any]) -> list[Finding]:
    """Return R101 when a present AGAUTH is anything but Y (absence is the field check's R601)."""
    value = value_of(body, "agauth")
    if value is None:
        return []
    if not isinstance(value, str) or value.strip() != "Y":
        return [finding("R101", f"AGAUTH is {str(value)[:10]!r}")]
    return []


def loa_problem(loa: Any) -> str | None:
    """Describe what is wrong with an LOA attachment, None when it is a valid one."""
    if not isinstance(loa, Mapping):
        return "no LOA attached" if loa is None else "loa must be {filename, content_base64}"
    name, content = loa.get("filename"), loa.get("content_base64")
    if not isinstance(name, str) or not name.strip():
        return "the LOA has no filename"
    if not isinstance(content, str) or not content.strip():
        return "the LOA has no content"
    if len(content) > (LOA_MAX_BYTES + 2) // 3 * 4 + 4:
        return "the LOA is larger than 5 MB"
    try:
        data = base64.b64decode(content.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "the LOA content is not valid base64"
    if len(data) > LOA_MAX_BYTES:
        return "the LOA is larger than 5 MB"
    if not any(data.startswith(magic) for magic in LOA_MAGIC):
        return "the LOA is not a PDF, PNG or JPEG file"
    return None


def check_loa(body: Mapping[str, Any], partner: PartnerFacts) -> list[Finding]:
    """Return R102 when an agent sends no valid LOA (other partners' LOAs are not required)."""
    if partner.type != "agent":
        return []
    problem = loa_problem(value_of(body, "loa"))  # a blank string counts as absent (§4.1)
    return [finding("R102", problem)] if problem else []


def check_ccna(ccna: str | None, partner: PartnerFacts, privilege: str) -> list[Finding]:
    """Return R104 unless the CCNA is the partner's own or a carrier's that granted `privilege`."""
    if ccna is None or ccna == partner.ccna:
        return []
    granted = partner.delegations.get(ccna, frozenset())
    if privilege in granted:
        return []
    why = f"no approval to send {privilege.upper()} requests" if granted or partner.delegations \
        else "no approval"
    return [finding("R104", f"CCNA {ccna} ({why} for {partner.ccna})")]


def check_nnsp(body: Mapping[str, Any], facts: OrderFacts, profile: CarrierProfile,
               skip: frozenset[str]) -> list[Finding]:
    """Return R206 when NNSP (or CC when NNSP is blank) is unknown to NPAC or the carrier's own."""
    key = "nnsp" if value_of(body, "nnsp") is not None else "cc"
    spid = text_of(body, key)
    if spid is None or key in skip:
        return []
    spid = spid.upper()
    if spid in profile.spids:
        return [finding("R206", f"{key.upper()} {spid} is {profile.carrier_name}'s own SPID", key)]
    if spid not in facts.known_spids:
        return [finding("R206", f"{key.upper()} {spid} is not a SPID known to NPAC", key)]
    return []


def check_manual_state(account: AccountFacts | None, facts: OrderFacts, profile: CarrierProfile,
                       manual_entry: bool) -> list[Finding]:
    """Return R701 for an account in a manual-only state, naming the level-1 contact (§8.1)."""
    if account is None or manual_entry or account.state not in profile.manual_states:
        return []
    contact = facts.escalation_contacts.get(account.state) or ANY_CONTACT
    return [finding("R701", f"{account.state}: send it to {contact}")]
