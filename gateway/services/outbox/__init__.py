"""The outbox: notices, their delivery (email and webhooks) and the desk's outbox view."""
