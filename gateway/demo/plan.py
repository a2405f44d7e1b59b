"""The demo numbering plan: NPAC SPIDs, NPA-NXX codes and thousands blocks of Cascade Telecom
and its neighbours, the same for seed-demo and for the benchmark's 10 M-TN NPAC generator.

Line ranges keep the two apart: seed-demo puts account TNs on lines x000-x899 of the blocks
Cascade serves and ported-in/resold TNs on lines x000-x099 of other carriers' blocks; the
benchmark's ported TNs use only the other lines, so both can be loaded into one database.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

# state -> [(NPA, [(city, ZIP), ...]), ...]: real area codes of the served states, real cities
PLACES: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    "AZ": [("602", [("PHOENIX", "85004")]), ("480", [("MESA", "85201"), ("SCOTTSDALE", "85251")]),
           ("520", [("TUCSON", "85701")]), ("623", [("GLENDALE", "85301")]),
           ("928", [("FLAGSTAFF", "86001"), ("PRESCOTT", "86301")])],
    "CA": [("916", [("SACRAMENTO", "95814"), ("ROSEVILLE", "95678")]),
           ("530", [("REDDING", "96001"), ("CHICO", "95928")]),
           ("209", [("STOCKTON", "95202"), ("MODESTO", "95354")]), ("559", [("FRESNO", "93721")]),
           ("707", [("SANTA ROSA", "95404"), ("EUREKA", "95501")]),
           ("415", [("SAN FRANCISCO", "94103")]), ("510", [("OAKLAND", "94612")]),
           ("408", [("SAN JOSE", "95113")]), ("831", [("SANTA CRUZ", "95060")]),
           ("805", [("SAN LUIS OBISPO", "93401")]), ("661", [("BAKERSFIELD", "93301")]),
           ("760", [("PALM SPRINGS", "92262")]), ("619", [("SAN DIEGO", "92101")]),
           ("714", [("ANAHEIM", "92805")]), ("909", [("SAN BERNARDINO", "92401")]),
           ("951", [("RIVERSIDE", "92501")])],
    "CO": [("303", [("DENVER", "80202")]), ("720", [("AURORA", "80012")]),
           ("719", [("COLORADO SPRINGS", "80903"), ("PUEBLO", "81003")]),
           ("970", [("FORT COLLINS", "80521"), ("GRAND JUNCTION", "81501")])],
    "ID": [("208", [("BOISE", "83702"), ("IDAHO FALLS", "83402"), ("TWIN FALLS", "83301"),
                    ("POCATELLO", "83201")])],
    "MN": [("612", [("MINNEAPOLIS", "55401")]), ("651", [("SAINT PAUL", "55101")]),
           ("218", [("DULUTH", "55802")]), ("507", [("ROCHESTER", "55901")]),
           ("320", [("SAINT CLOUD", "56301")]), ("763", [("PLYMOUTH", "55441")]),
           ("952", [("BLOOMINGTON", "55420")])],
    "MT": [("406", [("BILLINGS", "59101"), ("MISSOULA", "59801"), ("BOZEMAN", "59715"),
                    ("HELENA", "59601"), ("GREAT FALLS", "59401")])],
    "ND": [("701", [("FARGO", "58102"), ("BISMARCK", "58501"), ("GRAND FORKS", "58201"),
                    ("MINOT", "58701")])],
    "NV": [("702", [("LAS VEGAS", "89101"), ("HENDERSON", "89002")]),
           ("775", [("RENO", "89501"), ("CARSON CITY", "89701")])],
    "OR": [("503", [("PORTLAND", "97204"), ("SALEM", "97301")]),
           ("971", [("PORTLAND", "97209"), ("BEAVERTON", "97005")]),
           ("541", [("BEND", "97701"), ("EUGENE", "97401"), ("MEDFORD", "97501")]),
           ("458", [("EUGENE", "97402")])],
    "UT": [("801", [("SALT LAKE CITY", "84101"), ("PROVO", "84601")]),
           ("385", [("WEST VALLEY CITY", "84119")]),
           ("435", [("SAINT GEORGE", "84770"), ("LOGAN", "84321")])],
    "WA": [("206", [("SEATTLE", "98101")]), ("253", [("TACOMA", "98402")]),
           ("425", [("BELLEVUE", "98004"), ("EVERETT", "98201")]),
           ("360", [("OLYMPIA", "98501"), ("VANCOUVER", "98660"), ("BELLINGHAM", "98225")]),
           ("509", [("SPOKANE", "99201"), ("YAKIMA", "98901")])],
}
# share of the demo's accounts per state (about the states' populations)
STATE_WEIGHTS = {"CA": 0.31, "WA": 0.12, "AZ": 0.12, "CO": 0.10, "MN": 0.09, "OR": 0.07,
                 "UT": 0.06, "NV": 0.05, "ID": 0.035, "MT": 0.025, "ND": 0.02}
MOUNTAIN = frozenset({"AZ", "CO", "ID", "MT", "UT"})  # served by Cascade Telecom Mountain (CT02)
CASCADE_CODES = 640  # NPA-NXX codes Cascade holds: room for about 1.2 M demo accounts
NEIGHBOUR_CODES = 3300  # codes of other carriers in the same NPAs
ACCOUNT_LINES = 900  # lines x000-x899 of a Cascade block take accounts; x900-x999 may port away
RESERVED_LINES = 100  # lines x000-x099 of other carriers' blocks: seed-demo's own TNs

# SPID, name, NPAC type. Partners first (gateway.demo.seed gives them their CCNAs), then others.
CASCADE_SPIDS = [("CT01", "Cascade Telecom", "wireline"),
                 ("CT02", "Cascade Telecom Mountain", "wireline")]
PARTNER_SPIDS = [("B451", "Blue Heron Wireless", "wireless"),
                 ("B452", "Blue Heron Wireless", "wireless"),
                 ("R812", "Ridgeline Cable & Broadband", "wireline"),
                 ("V733", "Tidewater Voice", "voip"),
                 ("G210", "Columbia Gorge Telephone Company", "wireline"),
                 ("K560", "Keystone Campus Networks", "wireline"),
                 ("J118", "Juniper Mobile", "wireless")]
OTHER_SPIDS = [("SW01", "Summit West Communications", "wireline"),
               ("E771", "Evergreen National Wireless", "wireless"),
               ("N610", "Northstar Mobile", "wireless"),
               ("P330", "Prairie Lakes Telephone", "wireline"),
               ("D905", "Desert Sky Telecom", "wireline"),
               ("L420", "Lattice Voice", "voip"),
               ("M288", "Mesa Verde Communications", "wireline"),
               ("H140", "High Plains Cooperative Telephone", "wireline"),
               ("S377", "Sierra Pacific Wireless", "wireless"),
               ("C615", "Coastline Fiber", "wireline"),
               ("Q902", "Quartz Mountain Telephone", "wireline"),
               ("W118", "Willamette Valley Telecom", "wireline"),
               ("F244", "Fremont Voice Exchange", "voip"),
               ("T561", "Timberline Wireless", "wireless"),
               ("A730", "Arroyo Communications", "wireline"),
               ("X415", "Crossroads Mobile", "wireless")]
RESALE_SPID = "SW01"  # Cascade resells Summit West lines: NPAC shows SW01 for them (§2.2)
# how often each other carrier holds a code (wireless carriers hold many)
_HOLDER_WEIGHTS = {"B451": 9, "B452": 3, "R812": 6, "V733": 3, "G210": 5, "K560": 1, "J118": 2,
                   "SW01": 7, "E771": 10, "N610": 8, "P330": 3, "D905": 3, "L420": 2, "M288": 3,
                   "H140": 2, "S377": 5, "C615": 3, "Q902": 2, "W118": 3, "F244": 2, "T561": 4,
                   "A730": 2, "X415": 4}
_BAD_NXX = {f"{d}11" for d in range(2, 10)} | {"555", "950", "958", "959", "976"}


@dataclass(frozen=True)
class Code:
    npa_nxx: str
    spid: str
    lrn: str
    state: str


@dataclass(frozen=True)
class Plan:
    """Codes, pooled blocks and the 1,000-line blocks each side may number from."""

    codes: tuple[Code, ...]
    blocks: tuple[tuple[str, str, str], ...]  # (npa_nxx_x, spid, lrn) pooled away from codes
    cascade_blocks: dict[str, tuple[str, ...]]  # state -> blocks Cascade serves, in order
    other_blocks: dict[str, tuple[tuple[str, str], ...]]  # state -> (block, spid) of others
    resale_blocks: dict[str, tuple[str, ...]]  # state -> SW01 blocks (resold lines)
    cascade_lrn: dict[str, str]  # NPA -> LRN of Cascade's switch there
    cascade_set: frozenset[str]  # every block Cascade serves

    @property
    def spids(self) -> list[tuple[str, str, str]]:
        return CASCADE_SPIDS + PARTNER_SPIDS + OTHER_SPIDS


def _nxxs(rng: random.Random) -> list[str]:
    nxxs = [str(n) for n in range(200, 1000) if str(n) not in _BAD_NXX]
    rng.shuffle(nxxs)
    return nxxs


def _split(total: int, weights: dict[str, float]) -> dict[str, int]:
    return {key: max(1, round(total * w / sum(weights.values()))) for key, w in weights.items()}


@lru_cache(maxsize=1)
def build_plan() -> Plan:
    """Build the deterministic plan (a few thousand codes; cached)."""
    rng = random.Random(20261123)
    holders = list(_HOLDER_WEIGHTS)
    weights = list(_HOLDER_WEIGHTS.values())
    npas = {state: sorted({npa for npa, _ in places}) for state, places in PLACES.items()}
    cascade_per_state = _split(CASCADE_CODES, STATE_WEIGHTS)
    all_npas = [npa for state in PLACES for npa in npas[state]]
    others_per_npa = NEIGHBOUR_CODES // len(all_npas)
    codes: list[Code] = []
    blocks: list[tuple[str, str, str]] = []
    cascade_blocks = {s: [] for s in PLACES}
    other_blocks = {s: [] for s in PLACES}
    resale_blocks = {s: [] for s in PLACES}
    cascade_lrn: dict[str, str] = {}
    for state in PLACES:
        own = "CT02" if state in MOUNTAIN else "CT01"
        per_npa = -(-cascade_per_state[state] // len(npas[state]))
        for npa in npas[state]:
            nxxs = _nxxs(rng)
            mine, theirs = nxxs[:per_npa], nxxs[per_npa:per_npa + others_per_npa]
            lrn = cascade_lrn[npa] = f"{npa}{mine[0]}0000"
            for nxx in mine:
                codes.append(Code(npa + nxx, own, lrn, state))
                pooled = rng.randrange(10) if rng.random() < 0.12 else None
                for x in range(10):
                    block = f"{npa}{nxx}{x}"
                    if x == pooled:
                        spid = rng.choices(holders, weights)[0]
                        blocks.append((block, spid, f"{npa}{nxx}{x}000"))
                        other_blocks[state].append((block, spid))
                    else:
                        cascade_blocks[state].append(block)
            for index, nxx in enumerate(theirs):
                spid = "SW01" if index % 9 == 0 else rng.choices(holders, weights)[0]
                codes.append(Code(npa + nxx, spid, f"{npa}{nxx}0000", state))
                to_cascade = rng.randrange(10) if rng.random() < 0.05 else None
                for x in range(10):
                    block = f"{npa}{nxx}{x}"
                    if x == to_cascade and spid != "SW01":
                        blocks.append((block, own, lrn))
                        cascade_blocks[state].append(block)
                    elif spid == "SW01":
                        resale_blocks[state].append(block)
                    else:
                        other_blocks[state].append((block, spid))
    return Plan(tuple(codes), tuple(blocks), {s: tuple(b) for s, b in cascade_blocks.items()},
                {s: tuple(b) for s, b in other_blocks.items()},
                {s: tuple(b) for s, b in resale_blocks.items()}, cascade_lrn,
                frozenset(b for bs in cascade_blocks.values() for b in bs))


def account_capacity(plan: Plan) -> dict[str, int]:
    """How many account TNs each state's Cascade blocks can number."""
    return {state: len(blocks) * ACCOUNT_LINES for state, blocks in plan.cascade_blocks.items()}
