"""The few named exceptions of JianYu.

They live on the lowest floor so that every package can raise and catch them.
`BadInput` and its subclasses are the user's to fix (the command line exits 2);
everything else is a failure (exit 1).
"""
from __future__ import annotations


class JianYuError(Exception):
    """Base of every error JianYu raises on purpose."""


class BadInput(JianYuError):
    """Input the user must fix: a config value, a query, a file. Exit code 2."""


class ConfigError(BadInput):
    """A configuration key has a bad value; the message names the key and what is allowed."""


class QueryError(BadInput):
    """A malformed analyst query; `position` is the 0-based character offset of the fault."""

    def __init__(self, message: str, query: str = "", position: int | None = None):
        self.query = query
        self.position = position
        super().__init__(message)

    def __str__(self) -> str:
        msg = self.args[0]
        if self.position is None or not self.query:
            return msg
        caret = " " * self.position + "^"
        return f"{msg} at position {self.position + 1}\n  {self.query}\n  {caret}"


class ModelError(JianYuError):
    """The tagger model is missing or does not match this code; run `jianyu nlp train`."""


class PostError(JianYuError):
    """One post cannot be processed; it goes to the quarantine with this message."""


class StoreError(JianYuError):
    """The store cannot be reached or used."""
