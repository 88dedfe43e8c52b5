"""A throwaway PostgreSQL 15 cluster for the tests: initdb + pg_ctl in a temp folder, a unix socket only.

Started once per test session (tests/conftest.py's `pg_cluster` fixture) and removed at its end. Each test that
runs on PostgreSQL gets a database of its own, copied from a template that already holds every migration (a
copy is much faster than running the migrations again). The server runs with fsync off: a crash loses a test
run, nothing else.

The binaries are Debian's (`postgresql-15`); scripts/install.sh installs them when missing. A missing server
fails the tests that need it, with the command that fixes it: the PostgreSQL half of the suite never skips
silently.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
SERVER_USER = "postgres"  # the server refuses to run as root; as root we start it as this account


def find_bin_dir() -> Path:
    for candidate in [os.environ.get("MIGRANT_DESK_PG_BIN"), *BIN_DIRS]:
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: run "
                       "`bash scripts/install.sh test` (it runs `apt-get install -y postgresql-15`)")


class Cluster:
    """One running server. `url(name)` is a database's connection URL; `new_database()` a fresh migrated one."""

    def __init__(self) -> None:
        self.bin = find_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="migrant-desk-pg-"))
        self.data, self.sockets = self.root / "data", self.root / "run"
        self.sockets.mkdir()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            user = pwd.getpwnam(SERVER_USER)
            for path in (self.root, self.sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.template = "migrant_desk_template"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def start(self, durable: bool = False) -> "Cluster":
        """`durable`: fsync on, as a real server runs (scripts/bench_tickets.py); the tests need no durability."""
        # --no-locale: text sorts by code point, as SQLite's does (the DDL asks for "C" collation anyway).
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        fast = "" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        options = (f"-k {self.sockets} -c listen_addresses='' {fast}-c max_connections=300 -c shared_buffers=64MB")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.sockets}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def prepare_template(self) -> None:
        """The template every test database is copied from: every domain's migrations applied once."""
        from migrant_desk.db import Store

        self.admin(f"CREATE DATABASE {self.template}")
        Store(self.url(self.template)).close()

    def new_database(self, empty: bool = False) -> str:
        """A database of its own: with every migration applied (a copy of the template), or `empty`."""
        with self._lock:
            name = f"test_{next(self._counter)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {'template1' if empty else self.template} STRATEGY FILE_COPY")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.split("/")[-1].split("?")[0]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
