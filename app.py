"""WSGI entry point: `flask --app app ...` and `gunicorn app:app`."""
from gateway import create_app
from gateway.platform.warm import settle_collector

app = create_app()
# The app's start-up leaves ~150,000 long-lived objects (modules, mappers, compiled statements)
# that every full collection would walk again: ~95 ms, once per ~600 submissions on the bench,
# ~0.16 ms a request on average and a 95 ms stall for the request it falls on. Frozen, the
# collector leaves them alone, and it runs less often (docs/decisions.md, issue 17). Only the
# served and command-line app does this: the tests' many apps are collected as usual.
settle_collector()
