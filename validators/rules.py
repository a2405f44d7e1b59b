"""Rule helpers other layers reuse without running a whole check (re-exported)."""
from __future__ import annotations

from validators.partial_port import classify, is_simple, simple_port_eligible

__all__ = ["classify", "is_simple", "simple_port_eligible"]
