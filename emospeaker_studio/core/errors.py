"""Errors a user can cause and fix.

Every layer raises a subclass of :class:`UserError` for bad input; its message
is one line that says what is wrong and how to fix it. The command line prints
it as ``error: <message>`` and exits 2; the GUI shows it in the window.
Anything that is not a ``UserError`` is a bug.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user: the message says what is wrong and how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(UserError):
    """An input file (portrait, audio, project) cannot be used as it is."""


class OutputError(UserError):
    """The output cannot be written where asked (missing folder, no permission, disk full)."""


class Cancelled(Exception):
    """A job was cancelled through its cancel token; nothing partial was left behind."""
