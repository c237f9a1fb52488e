"""Refusals of the admin API: a status, a type, a message, and the field they are about."""

from __future__ import annotations


class AdminError(Exception):
    def __init__(self, status: int, type: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.field = field


def not_found(what: str, ident: str, field: str) -> AdminError:
    return AdminError(404, "not_found", f"no {what} {ident!r}", field)


def conflict(message: str, field: str) -> AdminError:
    return AdminError(409, "conflict", message, field)
