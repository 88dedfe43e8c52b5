"""`migrant-desk serve` as a real uvicorn process on a free loopback port, for end-to-end tests.

Everything the server writes (index, database, log) goes under the given work directory; the model and the
embedding cache are the shared test cache. Used by test_e2e_server.py and test_e2e_handoff.py.
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


@contextmanager
def running_server(workdir: Path, env_extra: dict[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    db_path = workdir / "migrant-desk.db"
    env = {**os.environ, "MIGRANT_DESK_CACHE_DIR": str(CACHE_DIR), "MIGRANT_DESK_INDEX_DIR": str(workdir / "index"),
           "MIGRANT_DESK_DB_PATH": str(db_path), **(env_extra or {})}
    log = workdir / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "migrant_desk.cli", "serve", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + STARTUP_SECONDS
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                pytest.fail(f"server did not become healthy:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield Server(base=base, env=env, db_path=db_path, log=log)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
