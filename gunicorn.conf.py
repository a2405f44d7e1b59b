"""gunicorn's settings for `gunicorn app:app` (read from the working directory)."""
from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Each worker warms up before its first request (gateway.platform.warm), and what the
    warm-up made long-lived (~22,000 objects of the ORM's configuration) is frozen for the
    garbage collector with the start-up's (app.py, `settle_collector`). Another app served
    from this directory (bench/floor_app.py's skeleton) is left as it is."""
    from gateway.platform.warm import settle_collector, warm_up

    if "portgate_profile" in getattr(worker.wsgi, "extensions", {}):
        warm_up(worker.wsgi)
        settle_collector()
