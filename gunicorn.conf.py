"""gunicorn's settings for `gunicorn app:app` (read from the working directory)."""
from __future__ import annotations

from typing import Any


def when_ready(server: Any) -> None:
    """Warn when the API rate limit would be counted in each worker (README "Running in
    production"): gunicorn's workers are processes, `memory://` counts in one."""
    from gateway.config import build_config, rate_limit_warning

    warning = rate_limit_warning(build_config(".", None), int(server.cfg.workers))
    if warning:
        server.log.warning(warning)


def post_worker_init(worker: Any) -> None:
    """Each worker warms up before its first request (gateway.platform.warm), and what the
    warm-up made long-lived (~22,000 objects of the ORM's configuration) is frozen for the
    garbage collector with the start-up's (app.py, `settle_collector`). Another app served
    from this directory (bench/floor_app.py's skeleton) is left as it is."""
    from gateway.platform.warm import settle_collector, warm_up

    if "portgate_profile" in getattr(worker.wsgi, "extensions", {}):
        warm_up(worker.wsgi)
        settle_collector()
