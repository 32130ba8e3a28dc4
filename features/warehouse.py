"""Read the input tables from a PostgreSQL warehouse, for the same checks as a directory.

``postgresql://USER@HOST:PORT/DB?schema=SCHEMA`` names the source. The tables (or one query
per table) are read through the ADBC PostgreSQL driver as Arrow, then handed to
:func:`features.contract.validate_tables`, so every contract message reads as for files.
The password is never part of a message: :attr:`WarehouseUrl.masked` hides it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pandas as pd

from features.contract import REQUIRED_TABLE_MISSING, Dataset, validate_tables
from features.contract_errors import ContractError, Violation
from features.contract_rules import OPTIONAL_TABLES, REQUIRED_TABLES, TABLE_SPECS

if TYPE_CHECKING:
    import pyarrow as pa

SCHEMES = ("postgresql", "postgres")
DEFAULT_PORT = 5432
DEFAULT_SCHEMA = "public"
# The contract's tables, then staff (read when present; the contract checks it once it has rules).
WAREHOUSE_TABLES = tuple(dict.fromkeys((*REQUIRED_TABLES, *OPTIONAL_TABLES, "staff")))
MASK = "***"


class WarehouseError(ValueError):
    """The warehouse cannot be reached or read; the message never holds the password."""


@dataclass(frozen=True)
class WarehouseUrl:
    """Where the tables live. ``password`` never shows in ``repr`` or :attr:`masked`."""

    user: str
    host: str
    port: int
    database: str
    schema: str = DEFAULT_SCHEMA
    password: str | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """The URL without any password: ``postgresql://USER@HOST:PORT/DB?schema=S``."""
        return (f"postgresql://{quote(self.user, safe='')}@{self.host}:{self.port}/"
                f"{quote(self.database, safe='')}?schema={self.schema}")

    @property
    def masked(self) -> str:
        """The URL for messages: ``postgresql://USER:***@HOST:PORT/DB?schema=S``."""
        secret = f":{MASK}" if self.password else ""
        return self.address.replace("@", f"{secret}@", 1)

    def libpq_uri(self) -> str:
        """Return the URI handed to libpq, password included (percent-encoded): never print it."""
        secret = f":{quote(self.password, safe='')}" if self.password else ""
        return (f"postgresql://{quote(self.user, safe='')}{secret}@{self.host}:{self.port}/"
                f"{quote(self.database, safe='')}")


def is_warehouse_url(text: str) -> bool:
    """Tell whether ``text`` names a PostgreSQL source rather than a directory."""
    return str(text).split("://", 1)[0].lower() in SCHEMES and "://" in str(text)


def parse_warehouse_url(text: str) -> WarehouseUrl:
    """Parse ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=SCHEMA]``.

    Parameters
    ----------
    text : str
        The URL; ``schema`` defaults to ``public`` and the port to 5432.

    Returns
    -------
    WarehouseUrl
        The parts, the password (if the URL holds one) kept out of ``repr``.

    Raises
    ------
    WarehouseError
        If the URL is not a PostgreSQL URL or lacks a user, host or database; the message
        shows the URL with its password masked.
    """
    parts = urlsplit(str(text))
    shown = mask_secret(str(text), unquote(parts.password)) if parts.password else str(text)
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise WarehouseError(f"{shown}: the port is not a number") from None
    database = unquote(parts.path.lstrip("/"))
    if parts.scheme.lower() not in SCHEMES or not parts.hostname or not database:
        raise WarehouseError(f"{shown}: expected postgresql://USER@HOST:PORT/DB?schema=SCHEMA")
    if not parts.username:
        raise WarehouseError(f"{shown}: the URL names no user (postgresql://USER@HOST/DB)")
    schema = parse_qs(parts.query).get("schema", [DEFAULT_SCHEMA])[0]
    password = unquote(parts.password) if parts.password else None
    return WarehouseUrl(unquote(parts.username), parts.hostname, port, database, schema,
                        password)


def with_password(url: WarehouseUrl, password: str | None) -> WarehouseUrl:
    """Return ``url`` with ``password`` when it has none of its own."""
    return url if url.password or not password else replace(url, password=password)


def mask_secret(text: str, secret: str | None) -> str:
    """Replace every occurrence of ``secret`` (raw or percent-encoded) in ``text`` by ``***``."""
    if not secret:
        return text
    for form in (secret, quote(secret, safe="")):
        text = text.replace(form, MASK)
    return text


def connection_problem(url: WarehouseUrl, error: BaseException) -> WarehouseError:
    """Turn a driver error into one line naming the masked URL and libpq's reason."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = lines[0] if lines else type(error).__name__
    for noise in ("IO: [libpq] Failed to connect: ", "FATAL:  ", "FATAL: "):
        reason = reason.replace(noise, "")
    if "Connection refused" in str(error):
        reason += " (is the server running and accepting TCP/IP connections?)"
    return WarehouseError(mask_secret(f"cannot connect: {reason}", url.password))


def table_query(url: WarehouseUrl, table: str) -> str:
    """Return ``SELECT * FROM "schema"."table"`` with both names quoted."""
    quoted = ".".join('"' + name.replace('"', '""') + '"' for name in (url.schema, table))
    return f"SELECT * FROM {quoted}"


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """Turn a query result into a frame the contract parses like a file.

    Dates become timestamps, PostgreSQL ``numeric`` (an opaque Arrow extension) its text,
    and integer columns with nulls stay whole numbers (objects), so ids read ``7``, not
    ``7.0``.
    """
    import pyarrow as pa

    columns = []
    for column in table.columns:
        if isinstance(column.type, pa.ExtensionType):
            column = pa.chunked_array([chunk.storage for chunk in column.chunks],
                                      type=column.type.storage_type)
        if pa.types.is_date(column.type):
            column = column.cast(pa.timestamp("us"))
        columns.append(column)
    plain = pa.Table.from_arrays(columns, names=table.column_names)
    return plain.to_pandas(integer_object_nulls=True)


def present_tables(cursor: Any, schema: str) -> set[str]:
    """Return the names of the tables and views in ``schema``."""
    cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
                   parameters=(schema,))
    return {str(row[0]) for row in cursor.fetchall()}


def read_warehouse_tables(
    url: WarehouseUrl, queries: Mapping[str, str] | None = None
) -> dict[str, pd.DataFrame]:
    """Read each input table, as stored, from PostgreSQL.

    Parameters
    ----------
    url : WarehouseUrl
        The database and schema; its password (if any) is used to connect.
    queries : mapping of str to str, optional
        One SQL query per table (``customers``, ``orders``, ``spend``, ``leads``, ``staff``)
        to use instead of reading the table of the same name in the schema.

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables found, by name, in the row order the queries return.

    Raises
    ------
    WarehouseError
        If the connection fails (refused, bad password, unknown database) or a query fails.
    ContractError
        If a required table is neither in the schema nor given as a query.
    """
    import adbc_driver_manager
    import adbc_driver_postgresql.dbapi as postgresql

    queries = dict(queries or {})
    try:
        connection = postgresql.connect(url.libpq_uri())
    except adbc_driver_manager.Error as error:
        raise connection_problem(url, error) from None
    with connection, connection.cursor() as cursor:
        try:
            tables = present_tables(cursor, url.schema)
        except adbc_driver_manager.Error as error:
            raise connection_problem(url, error) from None
        missing = [Violation(name, "*", REQUIRED_TABLE_MISSING, 0,
                             [{"table": f"{url.schema}.{name}"}])
                   for name in REQUIRED_TABLES if name not in tables and name not in queries]
        if missing:
            raise ContractError(missing)
        wanted = [name for name in WAREHOUSE_TABLES if name in queries or name in tables]
        return {name: _run(cursor, url, name, queries.get(name) or table_query(url, name))
                for name in wanted}


def _run(cursor: Any, url: WarehouseUrl, name: str, query: str) -> pd.DataFrame:
    import adbc_driver_manager

    try:
        cursor.execute(query)
        return arrow_to_frame(cursor.fetch_arrow_table())
    except adbc_driver_manager.Error as error:
        reason = next((line for line in str(error).splitlines() if line.strip()), "")
        raise WarehouseError(mask_secret(f"{url.masked}: the query for table {name} failed: "
                                         f"{reason.strip()}", url.password)) from None


def load_warehouse(url: WarehouseUrl, queries: Mapping[str, str] | None = None) -> Dataset:
    """Read the input tables from PostgreSQL and validate them like a directory's files.

    Raises
    ------
    ContractError
        Listing every broken rule, exactly as :func:`features.contract.load_dataset` does.
    WarehouseError
        If the database cannot be reached or a query fails.
    """
    return validate_tables(read_warehouse_tables(url, queries))


def canonical_order(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Sort a raw table by its contract keys, then by row content: the same rows, one order.

    A warehouse returns rows in no fixed order; a snapshot must not change when only the
    order did.
    """
    digest = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    spec = TABLE_SPECS.get(name)
    keys = [column for column in (spec.sort_by if spec else ()) if column in frame.columns]
    try:
        order = frame.assign(_row_hash=digest).sort_values([*keys, "_row_hash"],
                                                         kind="stable").index
    except TypeError:  # keys of mixed types: the content order alone
        order = frame.assign(_row_hash=digest).sort_values("_row_hash", kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def content_hash(frame: pd.DataFrame) -> str:
    """Return the sha256 of a table's columns, types and cell values (not its file bytes)."""
    digest = hashlib.sha256()
    digest.update(repr([(str(name), str(dtype)) for name, dtype in frame.dtypes.items()])
                  .encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def snapshot_manifest(
    url: WarehouseUrl, queries: Mapping[str, str], tables: Mapping[str, pd.DataFrame]
) -> dict[str, Any]:
    """Describe a snapshot: its source (no password), queries, and each table's content hash.

    Returns
    -------
    dict
        ``source``, ``queries``, ``tables`` (``rows``, ``columns``, ``sha256`` per table) and
        ``sha256``, the hash over the tables: equal exactly when the data are.
    """
    described = {name: {"rows": len(frame), "columns": [str(c) for c in frame.columns],
                        "sha256": content_hash(frame)} for name, frame in tables.items()}
    overall = hashlib.sha256("".join(f"{name}:{entry['sha256']};" for name, entry in
                                     sorted(described.items())).encode()).hexdigest()
    return {"source": url.address, "queries": dict(sorted(queries.items())),
            "tables": described, "sha256": overall}
