"""Where a sign-in may send the user next: a path on this site, nothing else (§1.3.1)."""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

MAX_NEXT = 2000
# control, format, surrogate, private and unassigned characters, line and paragraph separators
_REFUSED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def safe_next(target: str | None) -> str | None:
    """Return `target` when it is a path on this site, else None.

    Refused: anything not starting with one '/', a scheme or host, backslashes (browsers read
    '/\\\\host' as '//host') and any control, format or line-separator character (a CR/LF would
    split the Location header).
    """
    if not target or len(target) > MAX_NEXT:
        return None
    if any(unicodedata.category(ch) in _REFUSED for ch in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
