"""Platform plumbing: schema, hardening, security, rate limits, templating, carrier profile."""
