"""gunicorn's settings for `gunicorn app:app` (read from the working directory)."""
from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Each worker warms up before its first request (gateway.platform.warm); another app
    served from this directory (bench/floor_app.py's skeleton) is left as it is."""
    from gateway.platform.warm import warm_up

    if "portgate_profile" in getattr(worker.wsgi, "extensions", {}):
        warm_up(worker.wsgi)
