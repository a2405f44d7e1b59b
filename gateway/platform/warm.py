"""A served worker's warm-up: what its first request would otherwise do on the way."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import configure_mappers


def warm_up(app: Flask) -> None:
    """Configure the ORM's mappers (SQLAlchemy does it on the first query, ~0.1 s for
    Portgate's), load the carrier's holiday calendars around this year (the `holidays` package
    and its country module are imported on first use, ~0.1 s) and open a database connection,
    so that a new worker's first request does not pay for them: measured, a served worker's
    first 500-TN LSR took 271-340 ms without this and 94-140 ms with it (~20-35 ms once warm;
    the rest is SQLAlchemy compiling the statements it meets). gunicorn.conf.py runs this in
    each worker before it accepts a request."""
    from gateway import clock, db
    from validators.calendar import holiday_dates

    configure_mappers()
    profile = app.extensions["portgate_profile"]
    with app.app_context():
        year = clock.now().year
        for each in (year - 1, year, year + 1):
            holiday_dates(profile.holidays, each)
        with db.database().engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
