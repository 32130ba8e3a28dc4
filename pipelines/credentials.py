"""Where a warehouse password comes from: the URL, ``PGPASSWORD``, or a ``.env`` file.

Never params.yaml. This edge module is the one place that reads the environment for it;
the library gets a :class:`features.warehouse.WarehouseUrl` with the password filled in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from features.contract import Dataset, load_dataset
from features.warehouse import (
    WarehouseUrl,
    is_warehouse_url,
    load_warehouse,
    parse_warehouse_url,
    with_password,
)

PASSWORD_VARIABLE = "PGPASSWORD"
DOTENV = Path(".env")


def read_dotenv(path: Path) -> dict[str, str]:
    """Return the ``KEY=VALUE`` pairs of a ``.env`` file; an absent file reads as empty.

    Comments, ``export`` prefixes and quoted values are understood.
    """
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip().removeprefix("export ").strip()
        if not text or text.startswith("#") or "=" not in text:
            continue
        key, value = (part.strip() for part in text.split("=", 1))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def resolve_password(
    url: WarehouseUrl, environ: Mapping[str, str] | None = None, dotenv: Path = DOTENV
) -> WarehouseUrl:
    """Fill in the password: the URL's own, else ``PGPASSWORD``, else ``.env``'s PGPASSWORD.

    Parameters
    ----------
    url : WarehouseUrl
        As parsed.
    environ : mapping, optional
        The environment (default ``os.environ``).
    dotenv : pathlib.Path
        The ``.env`` file, read only when the first two give no password.
    """
    environ = os.environ if environ is None else environ
    password = environ.get(PASSWORD_VARIABLE) or read_dotenv(dotenv).get(PASSWORD_VARIABLE)
    return with_password(url, password)


def warehouse_url(
    text: str, environ: Mapping[str, str] | None = None, dotenv: Path = DOTENV
) -> WarehouseUrl:
    """Parse a PostgreSQL URL and fill in its password (see :func:`resolve_password`)."""
    return resolve_password(parse_warehouse_url(text), environ, dotenv)


def source_of(text: str) -> Path | WarehouseUrl:
    """Return the directory, or the PostgreSQL URL with its password filled in."""
    return warehouse_url(text) if is_warehouse_url(text) else Path(text)


def source_name(source: Path | WarehouseUrl) -> str:
    """Name a source in messages: the directory, or the URL with its password masked."""
    return source.masked if isinstance(source, WarehouseUrl) else str(source)


def load_source(source: Path | WarehouseUrl, queries: Mapping[str, str] | None = None) -> Dataset:
    """Read and validate the input tables of a directory or a PostgreSQL database.

    Raises
    ------
    features.contract.ContractError
        Listing every broken rule, with the same messages for both kinds of source.
    ValueError
        A :class:`features.warehouse.WarehouseError` (masked) when the database cannot
        be reached.
    """
    if isinstance(source, WarehouseUrl):
        return load_warehouse(source, queries)
    return load_dataset(source)
