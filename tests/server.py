"""`migrant-desk serve` as a real uvicorn process on a free loopback port, for end-to-end tests.

Everything the server writes (index, database, log) goes under the given work directory; the model and the
embedding cache are the shared test cache. Used by test_e2e_server.py, test_e2e_handoff.py and
test_replicas.py (several servers on one database).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import CACHE_DIR

STARTUP_SECONDS = 600  # first start on a fresh machine converts the model and builds the index


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:PORT
    env: dict[str, str]  # the environment it runs with (so a CLI command can use the same database)
    db_path: Path
    log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """Run a `migrant-desk` command against this server's settings (same database)."""
        return subprocess.run([sys.executable, "-m", "migrant_desk.cli", *args], capture_output=True, text=True,
                              env=self.env, timeout=120)


def _launch(workdir: Path, db_path: Path, env_extra: dict[str, str] | None) -> tuple[subprocess.Popen, Server]:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "MIGRANT_DESK_CACHE_DIR": str(CACHE_DIR), "MIGRANT_DESK_INDEX_DIR": str(workdir / "index"),
           "MIGRANT_DESK_DB_PATH": str(db_path), **(env_extra or {})}
    log = workdir / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "migrant_desk.cli", "serve", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    return proc, Server(base=f"http://127.0.0.1:{port}", env=env, db_path=db_path, log=log)


def _wait_healthy(proc: subprocess.Popen, server: Server, deadline: float) -> None:
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{server.log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.time() > deadline:
            pytest.fail(f"server did not become healthy:\n{server.log.read_text()[-3000:]}")
        time.sleep(0.5)


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=30)


@contextmanager
def running_server(workdir: Path, env_extra: dict[str, str] | None = None) -> Iterator[Server]:
    proc, server = _launch(workdir, workdir / "migrant-desk.db", env_extra)
    try:
        _wait_healthy(proc, server, time.time() + STARTUP_SECONDS)
        yield server
    finally:
        _stop([proc])


@contextmanager
def running_replicas(workdir: Path, count: int = 2, env_extra: dict[str, str] | None = None) -> Iterator[list[Server]]:
    """`count` servers started at the same moment on ONE database file (each with its own index folder and
    log under workdir/replica-N), as replicas behind a proxy would be."""
    db_path = workdir / "migrant-desk.db"
    launched = [_launch(workdir / f"replica-{n}", db_path, env_extra) for n in range(count)]
    try:
        deadline = time.time() + STARTUP_SECONDS
        for proc, server in launched:
            _wait_healthy(proc, server, deadline)
        yield [server for _, server in launched]
    finally:
        _stop([proc for proc, _ in launched])
