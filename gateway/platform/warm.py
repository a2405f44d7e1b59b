"""A served process before its first request: the warm-up (what that request would otherwise
do on the way) and the garbage collector's settings for what start-up left long-lived."""
from __future__ import annotations

import contextlib
import gc
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import configure_mappers

# The cyclic collector's first threshold for a served process (CPython's default is 700). A
# request frees nearly all it makes by reference counting; at 700 the collector still ran
# every few dozen submissions (gen 0, and every tenth of those gen 1, every hundredth the
# non-frozen rest): 0.045-0.049 ms of each in-process 1-TN FOC (gc.callbacks, 2,000 FOCs).
# At 20,000 none ran in 4,000 (docs/decisions.md "The served app's collector").
GEN0_THRESHOLD = 20_000


def settle_collector() -> None:
    """What a served process does once its long-lived objects exist (app.py after start-up,
    gunicorn.conf.py after a worker's warm-up): freeze them for the cyclic garbage collector,
    which would walk them again in every full collection, and raise its first threshold."""
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


def warm_up(app: Flask) -> None:
    """Configure the ORM's mappers (SQLAlchemy does it on the first query, ~0.1 s for
    Portgate's), load the carrier's holiday calendars around this year (the `holidays` package
    and its country module are imported on first use, ~0.1 s), open a database connection and
    compile the submission's first statements, so that a new worker's first request does not
    pay for them (docs/decisions.md "A served worker warms up before its first request").
    gunicorn.conf.py runs this in each worker before it accepts a request."""
    from gateway import clock
    from validators.calendar import holiday_dates

    configure_mappers()
    profile = app.extensions["portgate_profile"]
    with app.app_context():
        now = clock.now()
        for year in (now.year - 1, now.year, now.year + 1):
            holiday_dates(profile.holidays, year)
        try:
            _first_statements(profile, now)  # on a connection the pool keeps
        except sa.exc.SQLAlchemyError as err:
            # the database is not there (yet): the worker serves anyway, /readyz says 503
            # until it is, and the statements are compiled by the first requests as before
            app.logger.warning("warm-up without the database: %s", err.__class__.__name__)


def _first_statements(profile: Any, now: datetime) -> None:
    """Run, on a session rolled back after, the two largest statements a submission meets
    first, so that they are compiled: the token's look-up (of a token no one holds) and the
    facts statement in the submission's shape (for a TN no one holds). They read nothing and
    write nothing."""
    from gateway import db
    from gateway.errors import Unauthorized
    from gateway.platform.composition import registry
    from gateway.services.identity.users import user_for_token
    from gateway.services.orders import facts

    session = db.database().sessionmaker()
    try:
        with contextlib.suppress(Unauthorized):
            user_for_token(session, "warm-up", now=now)
        facts.order_facts(session, registry(session), ["0000000000"], profile=profile, now=now,
                          keep={}, risk=facts.RiskWindow.of(profile, now, lambda: ""),
                          addressees=0)
    finally:
        session.rollback()
        session.close()
