"""The open-order index of §2.4: the TNs of every order in status foc or manual_review."""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Lsr, LsrTn


def set_open_tns(session: Session, lsr: Lsr, tns: Iterable[str], *, fresh: bool = False) -> None:
    """Keep the index equal to the order's TNs while it is open (empty once it closes).

    `fresh`: the order was created in this transaction and has no index rows yet.
    """
    if not fresh:
        session.execute(sa.delete(LsrTn).where(LsrTn.lsr_id == lsr.id))
    rows = [{"lsr_id": lsr.id, "tn": tn} for tn in tns]
    if rows:
        session.execute(sa.insert(LsrTn), rows)
