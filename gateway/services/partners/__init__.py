"""Trading partners: directory, onboarding, agents, contacts, webhooks, API tokens and roles."""
