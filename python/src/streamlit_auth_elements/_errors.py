"""Errors of the package."""

from __future__ import annotations

from collections.abc import Mapping


class AuthConfigError(ValueError):
    """A configuration mistake (missing or weak cookie key, bad cookie name, ...): raised when the
    ``Auth`` object is built, so the app stops at once with this message."""


class AuthError(Exception):
    """An operation refused for the user, with the kit's error ``code`` (src/core/errors.ts)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        details: Mapping[str, str | int] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.description = description
        #: Machine-readable members of the error next to the message, as the server's error body has
        #: them: ``{"reason": "too_short", "min": 15}`` for a refused password (clients translate them).
        self.details = dict(details) if details else None
