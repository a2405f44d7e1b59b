"""Use cases: plain functions taking a session, values, the actor and `now`; they flush only."""
