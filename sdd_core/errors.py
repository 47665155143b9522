"""Errors that map to the CLI's exit codes (see docs/cli.md)."""

from __future__ import annotations


class SddError(Exception):
    """An error the user can act on. ``exit_code`` follows the CLI conventions."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class CheckFailed(SddError):
    """A check ran and failed (validation errors, threshold not met)."""

    exit_code = 1


class ProjectError(SddError):
    """No project found, or its configuration is unreadable or invalid."""

    exit_code = 3


class PermissionDenied(SddError):
    """The ``authorize`` hook refused the action."""

    exit_code = 4


class Conflict(SddError):
    """A lock is held, a write is stale, or a conflict is unresolved."""

    exit_code = 5


class NotFound(SddError):
    """A spec (or other resource) named by the user does not exist."""

    exit_code = 1
