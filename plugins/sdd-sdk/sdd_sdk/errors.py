"""Exceptions raised by the SDK: one class per kind of answer a program handles differently."""

from __future__ import annotations

from typing import Any


class SddApiError(Exception):
    """The server answered with an error (``status``, ``message``, ``hint``, ``body``)."""

    def __init__(self, status: int, message: str, hint: str | None = None,
                 body: Any = None) -> None:
        super().__init__(f"{status}: {message}" + (f" (hint: {hint})" if hint else ""))
        self.status = status
        self.message = message
        self.hint = hint
        self.body = body


class AuthError(SddApiError):
    """401: no token, or an invalid, expired or revoked one."""


class Forbidden(SddApiError):
    """403: the token's user may not do this."""


class NotFound(SddApiError):
    """404: no such spec (or one you may not view)."""


class ConflictError(SddApiError):
    """409, 412 or 423: a stale version, an existing id, or a lock held by someone else."""


class PreconditionRequired(SddApiError):
    """428: the request needs the version you read (``version=`` / If-Match)."""


class ValidationError(SddApiError):
    """422 (or 400): the server refused the input; ``body["detail"]`` says why."""


class PayloadTooLarge(SddApiError):
    """413: the request body is larger than the server accepts."""


def error_for(status: int, body: Any) -> SddApiError:
    """The exception for an error answer."""
    message, hint = f"HTTP {status}", None
    if isinstance(body, dict):
        message = str(body.get("error") or body.get("detail") or message)
        hint = body.get("hint")
    elif isinstance(body, str) and body:
        message = body[:500]
    cls: type[SddApiError] = {
        401: AuthError, 403: Forbidden, 404: NotFound, 409: ConflictError,
        412: ConflictError, 423: ConflictError, 428: PreconditionRequired,
        413: PayloadTooLarge, 422: ValidationError, 400: ValidationError,
    }.get(status, SddApiError)
    return cls(status, message, hint, body)
