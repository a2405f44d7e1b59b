"""Domain errors and their one mapping to responses: JSON envelope for the API, pages for HTML."""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import Forbidden as Forbidden403
from werkzeug.exceptions import HTTPException


class GatewayError(Exception):
    """Base of every error a service raises; carries the API code and HTTP status."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra


class NotFound(GatewayError):
    status, code = 404, "not_found"


class Forbidden(GatewayError):
    status, code = 403, "forbidden"


class Unauthorized(GatewayError):
    status, code = 401, "unauthorized"


class Conflict(GatewayError):
    status, code = 409, "conflict"


class InvalidInput(GatewayError):
    status, code = 400, "bad_request"


def error_body(code: str, message: str, **extra: Any) -> dict:
    """Build the error envelope of api-contract §4."""
    error: dict[str, Any] = {"code": code, "message": message}
    error.update({k: v for k, v in extra.items() if v is not None})
    return {"error": error}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or not request.accept_mimetypes.accept_html


def register_errorhandlers(app: Flask) -> None:
    """Map every error to the API envelope or an error page, once."""

    @app.errorhandler(GatewayError)
    def _gateway_error(err: GatewayError):
        if _wants_json():
            return jsonify(error_body(err.code, err.message, **err.extra)), err.status
        return render_template("errors/error.html", status=err.status, message=err.message), \
            err.status

    @app.errorhandler(ValidationError)
    def _validation_error(err: ValidationError):
        fields = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return jsonify(error_body("bad_request", "The request body is not valid.",
                                  fields=fields)), 400

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_").replace("'", "")
        if _wants_json():  # keep the exception's headers (405 Allow, 429 Retry-After)
            headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
            return jsonify(error_body(code, err.description or err.name)), err.code, headers
        message = err.description
        if err.code == 403 and message == Forbidden403.description:  # never Werkzeug's text
            message = ("Your login is not allowed to open this page. Ask your administrator "
                       "if you need it.")
        return render_template("errors/error.html", status=err.code, message=message), err.code

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error")
        if _wants_json():
            return jsonify(error_body("internal_error", "Unexpected server error.")), 500
        return render_template("errors/error.html", status=500,
                               message="Unexpected server error."), 500
