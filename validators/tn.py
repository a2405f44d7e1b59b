"""Who holds each TN, in the order of business-rules §2 (R207, R201/R202, R204/R203, R205)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from validators.carrier_profile import CarrierProfile
from validators.catalog import REJECT_CODES, finding, list_tns
from validators.facts import AccountFacts, OrderFacts
from validators.findings import Finding

TOLL_FREE_NPAS = frozenset({"800", "833", "844", "855", "866", "877", "888"})  # §2.0
NO_PROVIDER = "NPAC has no provider for NPA-NXX"


def _tn_problem(tn: str, facts: OrderFacts, profile: CarrierProfile,
                own_order_tns: frozenset[str], check_open: bool) -> tuple[str, str] | None:
    """Return (code, detail) of the first §2 step the TN fails, None when it passes them all."""
    if tn[:3] in TOLL_FREE_NPAS:
        return "R207", ""
    provider = facts.providers.get(tn)
    account = facts.accounts.get(facts.tn_accounts.get(tn, ""))
    if provider is None:
        return "R201", f"{NO_PROVIDER} {tn[:6]}"
    if provider.spid not in profile.spids:
        if account is not None and account.resale_spid == provider.spid:
            name = account.resale_spid_name or provider.spid_name
            return "R202", f"the underlying carrier is {name} (SPID {provider.spid})"
        return "R201", f"NPAC shows SPID {provider.spid} ({provider.spid_name})"
    if account is None:
        return "R204", ""
    status = account.tn_status.get(tn, "unknown")
    if status != "working":
        return "R203", status
    if check_open and tn not in own_order_tns:
        if tn in facts.open_orders:
            return "R205", f"open order PON {facts.open_orders[tn]}"
        if tn in facts.pending_svs:
            return "R205", "pending subscription version in NPAC"
    return None


def check_tns(tns: Iterable[str], facts: OrderFacts, profile: CarrierProfile, *,
              own_order_tns: frozenset[str] = frozenset(),
              check_open: bool = True) -> tuple[list[Finding], list[str]]:
    """Run the §2 checks on well-formed TNs; return findings (grouped) and the TNs that pass."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    passed: list[str] = []
    for tn in tns:
        problem = _tn_problem(tn, facts, profile, own_order_tns, check_open)
        if problem is None:
            passed.append(tn)
        else:
            groups[problem].append(tn)
    found = []
    for (code, detail), members in groups.items():
        text = list_tns(members)
        if detail.startswith(NO_PROVIDER):
            found.append(_no_provider(detail, text))
        else:
            found.append(finding(code, f"{text} ({detail})" if detail else text, "tns"))
    return found, passed


def _no_provider(detail: str, text: str) -> Finding:
    """R201 for an NPA-NXX NPAC does not know: the catalog's "NPAC shows another SPID" would
    contradict it, so the message keeps only the catalog's title and says what NPAC shows."""
    title = REJECT_CODES["R201"].message.split(":")[0]
    return Finding(code="R201", field="tns", message=f"{title}: {detail}: {text}")


def accounts_of(tns: Iterable[str], facts: OrderFacts) -> dict[str, list[str]]:
    """Return account number -> the TNs of the request it holds (accounts the facts know)."""
    held: dict[str, list[str]] = defaultdict(list)
    for tn in tns:
        number = facts.tn_accounts.get(tn)
        if number is not None and number in facts.accounts:
            held[number].append(tn)
    return dict(held)


def main_account(held: Mapping[str, list[str]], facts: OrderFacts,
                 an: str | None) -> AccountFacts | None:
    """Pick the account the request is about: the one named by AN, else the one with most TNs."""
    if not held:
        return None
    if an is not None and an in held:
        return facts.accounts[an]
    return facts.accounts[max(held, key=lambda number: len(held[number]))]


def check_one_account(held: Mapping[str, list[str]]) -> list[Finding]:
    """Return R309 when the TNs sit on more than one account (§4.4)."""
    if len(held) <= 1:
        return []
    parts = "; ".join(list_tns(tns) for tns in held.values())
    return [finding("R309", f"{len(held)} accounts hold {parts}")]
