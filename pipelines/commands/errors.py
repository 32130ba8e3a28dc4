"""The one way a command fails: one red line on stderr, no traceback, a non-zero exit code."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.text import Text

from features.contract_errors import ContractError


def first_line(error: BaseException) -> str:
    """Return an error's first line; for a contract error, its first violation and a count."""
    if isinstance(error, ContractError) and error.violations:
        more = len(error.violations) - 1
        return error.violations[0].message() + (f" (and {more} more)" if more else "")
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    return lines[0] if lines else repr(error)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit to raise.

    The message is printed as plain text (never Rich markup), so a file name or a value
    holding ``[brackets]`` reads as written. Use as ``raise fail("...") from None``.
    """
    Console(stderr=True).print(Text.assemble(("error: ", "red"), message), soft_wrap=True)
    return typer.Exit(code=code)
