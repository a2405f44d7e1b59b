"""The LSR form in its LSR / EU / NP sections, labelled and explained from lsr-fields.csv.

The form checks syntax only (required fields, catalog formats, TN lines); every business rule
is the rules engine's, reached through the LSR services.
"""
from __future__ import annotations

import base64
import string
from collections.abc import Iterable

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from forms._adapters import (
    CatalogFormat,
    CatalogRequired,
    FieldCheck,
    choices,
    field_help,
    field_label,
)
from forms.csr import LOA_EXTENSIONS, LOA_MAX_BYTES
from forms.tn_lines import MAX_UPLOAD_BYTES, TnLine
from validators.catalog import FIELDS

LSR_KEYS = ("ccna", "pon", "ver", "an", "atn", "cc", "nnsp", "npdi", "reqtyp", "act", "ddd",
            "exp", "chc", "dfdt", "agauth", "mi", "nan", "passcode", "remarks", "init",
            "init_tel")
EU_KEYS = tuple(k for k in FIELDS if k.startswith("eu."))
CHOICES = {
    "npdi": choices([("", "Choose…"), ("C", "C · wireline to wireless"),
                     ("D", "D · wireline to wireline"), ("G", "G"), ("H", "H")]),
    "reqtyp": choices([("CB", "CB · port only"), ("BB", "BB · loop with number portability")]),
    "act": choices([("V", "V · conversion as specified"),
                    ("Z", "Z · conversion without listing change")]),
    "mi": choices([("", "blank · full port"), ("A", "A · partial migration (some TNs stay)")]),
}
FLAGS = {"exp": "EXP = Y: expedite requested (a due date inside the standard interval)",
         "chc": "CHC = Y: coordinated hot cut requested (the desk confirms the cut time)",
         "agauth": "AGAUTH = Y: my company holds the end user's authorization for this port"}


def name_of(key: str) -> str:
    """The form field name of a catalog key ("eu.zip" -> "eu_zip")."""
    return key.replace(".", "_")


def _catalog_field(key: str):
    required = FIELDS[key].required == "always"
    checks: list[FieldCheck] = [CatalogRequired(key)] if required else []
    kwargs = {"description": field_help(key)}
    if key in FLAGS:
        return BooleanField(FLAGS[key], validators=checks, **kwargs)
    if key == "ccna":  # the choices are the CCNAs the user may send for (setup())
        return SelectField(field_label(key), choices=[], validators=checks, **kwargs)
    if key in CHOICES:
        return SelectField(field_label(key), choices=CHOICES[key], validators=checks,
                           validate_choice=False, **kwargs)
    checks.append(CatalogFormat(key))
    if key == "remarks":
        return TextAreaField(field_label(key), validators=checks, **kwargs)
    render = {"type": "date"} if key == "ddd" else {"autocomplete": "off"}
    if key == "dfdt":  # §13.2: HH:MM, 08:00-16:59 local
        render = {"type": "time", "min": "08:00", "max": "16:59", "autocomplete": "off"}
    if key in ("atn", "nan", "init_tel"):
        render = {"inputmode": "numeric", "autocomplete": "off"}
    return StringField(field_label(key), validators=checks, render_kw=render, **kwargs)


class _Base(FlaskForm):
    tns = TextAreaField(field_label("tns"), description=field_help("tns") +
                        " One per line; paste from a spreadsheet or upload a file.",
                        render_kw={"rows": 8, "spellcheck": "false"})
    tns_file = FileField("Or upload a .csv or .txt file of TNs", validators=[
        FileAllowed(["csv", "txt"], "Upload a .csv or .txt file, one TN per line."),
        FileSize(MAX_UPLOAD_BYTES, message="The TN file must be at most 256 KB.")])
    loa = FileField("End user's letter of authorization (LOA)", validators=[
        FileAllowed(LOA_EXTENSIONS, "The LOA must be a PDF, PNG or JPEG file."),
        FileSize(LOA_MAX_BYTES, message="The LOA must be at most 5 MB.")],
        description=field_help("loa"))
    csr_id = HiddenField()


LsrForm = type("LsrForm", (_Base,), {name_of(k): _catalog_field(k)
                                      for k in LSR_KEYS + EU_KEYS})
LsrForm.__doc__ = "The LSR with its EU and NP sections (OBF LSOG)."


def setup(form, ccnas: list[str]) -> None:
    """Offer the CCNAs the user may send for (own first, then approving carriers)."""
    form.ccna.choices = choices((c, c) for c in ccnas)
    if not form.ccna.data:
        form.ccna.data = ccnas[0]


def _text(form, key: str) -> str | None:
    value = getattr(form, name_of(key)).data
    if isinstance(value, bool):
        return "Y" if value else None
    value = (value or "").strip()
    return value.upper() if value and key in UPPER else value or None


UPPER = frozenset({"ccna", "cc", "nnsp", "eu.state"})


def to_body(form, tns: list[str], loa: dict | None = None, *, whole: bool = False) -> dict:
    """The LSR body of api-contract §4.2 from the form (blank fields are left out). `whole`:
    a correction (SUP 3) carries every field, a cleared one as blank (§4.1: blank is absent),
    so that it replaces the order's value instead of leaving it standing; the passcode, never
    shown again, stays out (the order's own stands unless a new one is typed)."""
    body: dict = {}
    for key in LSR_KEYS:
        value = _text(form, key)
        if value is not None:
            body[key] = value
        elif whole and key != "passcode":
            body[key] = ""
    eu = {key[3:]: _text(form, key) for key in EU_KEYS if _text(form, key) is not None}
    if whole:
        eu = {key[3:]: eu.get(key[3:], "") for key in EU_KEYS}
    if eu:
        body["eu"] = eu
    body["tns"] = list(tns)
    if loa is not None:
        body["loa"] = loa
    return body


def data_from(payload: dict) -> dict:
    """Form data from a stored LSR body (to correct or resend it)."""
    data: dict = {}
    for key in LSR_KEYS:
        value = payload.get(key)
        if key == "passcode":  # never shown again (issue 8); left blank, the stored one stays
            continue
        if key in FLAGS:
            data[key] = value == "Y"
        elif isinstance(value, str):
            data[key] = value
    eu = payload.get("eu")
    for key in EU_KEYS:
        value = eu.get(key[3:]) if isinstance(eu, dict) else None
        if isinstance(value, str):
            data[name_of(key)] = value
    tns = payload.get("tns")
    tns = tns if isinstance(tns, list) else []
    data["tns"] = "\n".join(str(t) for t in tns)
    return data


def loa_body(storage) -> dict | None:
    """The `loa` object of the body from an uploaded file, None when no file was given."""
    if storage is None or not getattr(storage, "filename", ""):
        return None
    content = storage.read(LOA_MAX_BYTES + 1)
    return {"filename": storage.filename[:200],
            "content_base64": base64.b64encode(content).decode("ascii")}


def next_ver(used: Iterable[str]) -> str:
    """The next VER not used on the PON: one more than the highest number, else a letter."""
    used = {str(v).upper() for v in used}
    numbers = [int(v) for v in used if v.isdigit()]
    candidate = max(numbers, default=0) + 1
    if candidate <= 99:
        return str(candidate)
    pool = (a + b for a in string.ascii_uppercase for b in [""] + list(string.digits))
    return next(v for v in pool if v not in used)


def tn_problems(lines: list[TnLine], max_tns: int) -> list[str]:
    """What blocks sending the TN list (format, duplicates, count); empty when it may go."""
    problems = []
    if not lines:
        problems.append("List at least one TN to port.")
    if len(lines) > max_tns:
        problems.append(f"{len(lines)} TNs listed; one LSR carries at most {max_tns} (R603). "
                        "Split the request.")
    bad = [str(line.number) for line in lines if line.status == "invalid"]
    if bad:
        problems.append(f"Line {', '.join(bad[:10])}{' …' if len(bad) > 10 else ''}: not a "
                        "10-digit NANP TN (R602).")
    dups = [str(line.number) for line in lines if line.status == "duplicate"]
    if dups:
        problems.append(f"Line {', '.join(dups[:10])}{' …' if len(dups) > 10 else ''}: TN "
                        "listed twice (R604).")
    return problems
