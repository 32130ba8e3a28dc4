"""A real PostgreSQL server for the tests: Debian's package, a temp cluster on a free port.

``postgres_server`` (session scope) runs ``initdb`` in a temp dir and starts the server on
127.0.0.1 with password authentication. When the server package is missing it installs it
(root with apt-get) or skips with one reason. Tests load tables with :func:`load_tables`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from features.contract_parse import NUMERIC_COLUMNS, TIMESTAMP_COLUMNS

USER = "channelwise"
PASSWORD = "s3cret-Pw!"  # a test cluster's password: the tests check it never leaks
DATABASE = "warehouse"


@dataclass(frozen=True)
class PostgresServer:
    """A running test server."""

    host: str
    port: int

    def url(self, schema: str = "public", password: bool = False) -> str:
        """The server's URL, with the password in it only when asked."""
        secret = f":{PASSWORD.replace('!', '%21')}" if password else ""
        return f"postgresql://{USER}{secret}@{self.host}:{self.port}/{DATABASE}?schema={schema}"

    def libpq(self) -> str:
        secret = PASSWORD.replace("!", "%21")
        return f"postgresql://{USER}:{secret}@{self.host}:{self.port}/{DATABASE}"


def server_bin() -> Path | None:
    """Debian's server binaries (the newest version), or None when not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def ensure_server_package() -> Path:
    """Return the server's bin dir, installing Debian's ``postgresql`` when root can."""
    found = server_bin()
    if found is not None:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("PostgreSQL server not installed (apt-get install postgresql) and this "
                    "user cannot install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "postgresql"]):
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"cannot install postgresql with apt-get: {done.stderr.strip()[-200:]}")
    found = server_bin()
    if found is None:
        pytest.skip("apt-get installed postgresql but no initdb was found")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def as_server_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the ``postgres`` user then."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL cluster for the session; stop it afterwards."""
    bindir = ensure_server_package()
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server")
    # Under /tmp itself: pytest's temp dirs are private to root, which the server user is not.
    root = Path(tempfile.mkdtemp(prefix="channelwise-pg-"))
    (root / "pw").write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        for path in (root, root / "pw"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    data, port = root / "data", free_port()
    run = subprocess.run  # every call below has a timeout and reports its output on failure
    done = run(as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", USER,
                               "--auth=scram-sha-256", f"--pwfile={root / 'pw'}", "-E", "UTF8",
                               "--no-sync"]), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    done = run(as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                               "-l", str(root / "server.log"), "-w", "start"]),
               capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + (root / "server.log").read_text()
    server = PostgresServer("127.0.0.1", port)
    try:
        import adbc_driver_postgresql.dbapi as postgresql

        with postgresql.connect(server.libpq().replace(f"/{DATABASE}", "/postgres")) as conn:
            conn.adbc_connection.set_autocommit(True)  # CREATE DATABASE cannot run in a txn
            with conn.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {DATABASE}")
        yield server
    finally:
        run(as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                            "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def typed_for_warehouse(frame: pd.DataFrame) -> pd.DataFrame:
    """Type a CSV table as a warehouse would: timestamps, numbers, the rest text."""
    columns = {}
    for name in frame.columns:
        if name in TIMESTAMP_COLUMNS:
            columns[name] = pd.to_datetime(frame[name])
        elif name in NUMERIC_COLUMNS:
            columns[name] = pd.to_numeric(frame[name])
    return frame.assign(**columns)


def load_tables(server: PostgresServer, schema: str, frames: Mapping[str, pd.DataFrame]) -> None:
    """Create ``schema`` afresh and load each frame as a table of its name (rows in order)."""
    import adbc_driver_postgresql.dbapi as postgresql
    import pyarrow as pa

    with postgresql.connect(server.libpq()) as conn:
        with conn.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            cursor.execute(f'CREATE SCHEMA "{schema}"')
            for name, frame in frames.items():
                table = pa.Table.from_pandas(frame, preserve_index=False)
                cursor.adbc_ingest(name, table, mode="create", db_schema_name=schema)
        conn.commit()


def execute(server: PostgresServer, *statements: str) -> None:
    """Run SQL statements in one transaction."""
    import adbc_driver_postgresql.dbapi as postgresql

    with postgresql.connect(server.libpq()) as conn:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        conn.commit()
