"""Escalations: the escalation ladder and the desk's escalation list and contacts."""
