"""Links Portgate sends (emails, notices): always on BASE_URL, never on a request's Host."""
from __future__ import annotations

from typing import Any

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` under the configured BASE_URL (api-contract §1).

    Built without the request (a CLI command or the worker builds links too), so a forged
    Host or X-Forwarded-Host header never reaches an email.
    """
    base = str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    path = current_app.url_map.bind("portgate.invalid").build(endpoint, values)
    return base + path
