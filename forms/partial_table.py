"""The partial-port table at the size of a PBX account (issue 15): every TN's choice travels in
three compact hidden lists, one page of rows is rendered, a TN filter narrows the rows, and
"port all" / "keep the rest" choose many TNs in one click. Pure; the browser does the same
without a round trip (gateway/static/portgate.js), the server when scripts are off."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from forms import partial

PER_PAGE = 50
# the hidden inputs holding each choice's TNs, space-separated, in the CSR's order
LISTS = (("port", "pp_port"), ("keep", "pp_keep"), ("disconnect", "pp_disc"))
PORT_ALL, KEEP_REST = "pp_port_all", "pp_keep_rest"
_TN = re.compile(r"\d{10}")


def posted_choices(formdata: Mapping, working: list[str]) -> dict[str, str]:
    """The choices the form carried: the hidden lists, then the radios of the page shown."""
    known = set(working)
    picked = {tn: choice for choice, name in LISTS
              for tn in _TN.findall(str(formdata.get(name) or "")) if tn in known}
    picked.update(partial.choices_from(formdata, working))
    return picked


def choices(csr_tns: list[dict], lsr_tns: Iterable[str], remarks: str | None,
            formdata: Mapping | None = None) -> dict[str, str]:
    """Each working TN's choice: from the LSR fields (its TNs port, DISC TNs disconnect), then
    as the table's state was posted. A TN absent from the result is not yet chosen."""
    picked = partial.current_choices(csr_tns, lsr_tns, remarks)
    if formdata is not None:
        picked.update(posted_choices(formdata, partial.working_tns(csr_tns)))
    return picked


def matching(tns: Iterable[str], needle: str) -> list[str]:
    """The TNs that contain the filter's digits (every TN for an empty filter)."""
    digits = re.sub(r"\D", "", needle or "")
    return [tn for tn in tns if digits in tn]


def bulk(action: str, picked: Mapping[str, str], working: list[str],
         shown: Iterable[str]) -> dict[str, str]:
    """One click for many TNs: port every working TN shown (the filter's, or all), or keep
    every working TN not yet chosen."""
    result = dict(picked)
    if action == PORT_ALL:
        result.update({tn: "port" for tn in set(shown) & set(working)})
    elif action == KEEP_REST:
        result.update({tn: "keep" for tn in working if tn not in result})
    return result


@dataclass(frozen=True)
class TableView:
    """What the page shows of the table: one page of rows and the state of all of them."""

    btn: str
    rows: list[partial.TableRow]  # the page shown
    tns: list[str]  # every TN of the account, in the CSR's order (the script's data)
    not_working: dict[str, str]  # TN -> its CSR status, for the TNs that cannot port
    lists: dict[str, str]  # hidden input name -> its TNs
    counts: dict[str, int]  # port, keep, disconnect, unchosen
    working: int
    needle: str
    shown: int  # rows matching the filter
    page: int
    pages: int
    staying: list[str]  # the TNs that stay: the only ones NAN may name (R402)
    btn_leaves: bool  # the BTN ports in a partial port: NAN must name a TN that stays
    new_btn: str
    per_page: int = PER_PAGE


def _page(requested: str | None, pages: int) -> int:
    text = str(requested or "")
    number = int(text) if text.isdigit() else 1
    return min(max(number, 1), pages)


def _state(picked: Mapping[str, str], working: list[str], btn: str) -> dict:
    """The choices as the page carries them: hidden lists, counts, the TNs that stay."""
    by_choice = {choice: [tn for tn in working if picked.get(tn) == choice]
                 for choice, _name in LISTS}
    porting = len(by_choice["port"])
    return {"lists": {name: " ".join(by_choice[choice]) for choice, name in LISTS},
            "counts": {**{c: len(tns) for c, tns in by_choice.items()},
                       "unchosen": len(working) - sum(map(len, by_choice.values()))},
            "working": len(working),
            "staying": [tn for tn in working if picked.get(tn) not in ("port", "disconnect")],
            "btn_leaves": picked.get(btn) == "port" and porting < len(working)}


def build(csr_tns: list[dict], btn: str, lsr_tns: Iterable[str], remarks: str | None,
          formdata: Mapping | None = None, *, new_btn: str = "",
          per_page: int = PER_PAGE) -> TableView:
    """The table for the page: the choices as they stand, the bulk action applied, the page of
    the filtered rows asked for (`pp_page`, else the page shown before, `pp_at`)."""
    form = formdata or {}
    working = partial.working_tns(csr_tns)
    needle = str(form.get("pp_filter") or "").strip()
    every = [str(t.get("tn")) for t in csr_tns]
    shown = matching(every, needle)
    picked = bulk(str(form.get("action") or ""), choices(csr_tns, lsr_tns, remarks, formdata),
                  working, shown)
    pages = max(1, -(-len(shown) // per_page))
    page = _page(form.get("pp_page") or form.get("pp_at"), pages)
    wanted = set(shown[(page - 1) * per_page:page * per_page])
    state = _state(picked, working, btn)
    return TableView(
        btn=btn, rows=[r for r in partial.table_rows(csr_tns, btn, picked) if r.tn in wanted],
        tns=every, not_working={str(t.get("tn")): str(t.get("status")) for t in csr_tns
                                if t.get("status") != "working"},
        needle=needle, shown=len(shown), page=page, pages=pages,
        new_btn=new_btn if new_btn in state["staying"] else "", per_page=per_page, **state)
