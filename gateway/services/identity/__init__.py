"""Identity: users, user administration and the actors behind every action."""
