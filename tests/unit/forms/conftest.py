"""A bare Flask app for form tests: forms are checked without a database."""
import pytest
from flask import Flask


@pytest.fixture
def form_app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="forms", WTF_CSRF_ENABLED=False, TESTING=True)
    return app


@pytest.fixture
def posted(form_app):
    """Run a block inside a POST request carrying the given form data."""

    def enter(data, files=None):
        payload = dict(data)
        payload.update(files or {})
        return form_app.test_request_context("/", method="POST", data=payload,
                                             content_type="multipart/form-data")

    return enter
