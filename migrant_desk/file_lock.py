"""An advisory lock on a file (flock): the kernel drops it when the process ends, however it ends (kill -9
included), so it never goes stale. Used by processes sharing a machine's folders: a server holding its
database (db.serving), replicas seeding a new database (db.starting), index saves (index.py)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_lock(path: Path, shared: bool = False) -> Iterator[None]:
    """Holds an exclusive (or `shared`) lock on `path`, created owner-only if missing, for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
