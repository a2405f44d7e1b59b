"""Test doubles behind the project's narrow interfaces (Cosmic Python's fakes)."""
