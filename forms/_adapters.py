"""The rules engine's pure field checks (validators/) wrapped as WTForms field checks."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from wtforms import SelectChoice
from wtforms.validators import ValidationError

from validators.catalog import FIELDS, REJECT_CODES
from validators.fields import check_field


class FieldCheck(Protocol):
    """A WTForms field check: raise ValidationError (or StopValidation) to refuse the value."""

    def __call__(self, form: Any, field: Any) -> None: ...


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms options; WTForms 3.3 deprecates tuples as choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class CatalogFormat:
    """Refuse a present value that breaks its lsr-fields.csv format (the R602 of §4.1)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, form: Any, field: Any) -> None:
        if blank(field.data):
            return
        if check_field(self.key, str(field.data).strip()) is not None:
            raise ValidationError(f"Must be {FIELDS[self.key].format} (R602).")


class CatalogRequired:
    """Refuse a blank value of a field the catalog marks "always" required (the R601 of §4.1)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.field_flags = {"required": True}

    def __call__(self, form: Any, field: Any) -> None:
        if blank(field.data) or field.data is False:
            raise ValidationError(f"{REJECT_CODES['R601'].message} (R601).")


def field_help(key: str) -> str:
    """Help text of an LSR field from lsr-fields.csv: meaning, format and when it is needed."""
    spec = FIELDS[key]
    return f"{spec.meaning}. Format: {spec.format}. Needed: {spec.required}."


def field_label(key: str) -> str:
    """The OBF field name as the label (what LNP specialists know it by)."""
    return FIELDS[key].obf_field
