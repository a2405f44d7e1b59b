"""Errors raised by the simulated NPAC registry."""
from __future__ import annotations


class NpacError(Exception):
    """Base of every NPAC simulator error."""


class UnknownSubscription(NpacError):
    """No subscription version has that id."""

    def __init__(self, sv_id: int) -> None:
        super().__init__(f"No subscription version {sv_id}.")
        self.sv_id = sv_id


class InvalidTransition(NpacError):
    """The subscription version's status does not allow that step (§9)."""

    def __init__(self, sv_id: int, status: str, action: str) -> None:
        super().__init__(f"Subscription version {sv_id} is {status}: cannot {action}.")
        self.sv_id, self.status, self.action = sv_id, status, action


class ImportFailed(NpacError):
    """A bad header or row in a data file; nothing was loaded (rows count from the header, 1)."""

    def __init__(self, row: int, column: str, message: str, *, path: str | None = None,
                 value: str | None = None) -> None:
        self.row, self.column, self.message = row, column, message
        self.path, self.value = path, value
        where = f"{path}: " if path else ""
        shown = f" {value!r}" if value is not None else ""
        super().__init__(f"{where}row {row}, column {column}:{shown} {message}; nothing imported.")
