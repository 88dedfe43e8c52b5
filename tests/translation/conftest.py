"""Fixtures for the translation tests: real .argosmodel packages built by toy_model.py (cached between
sessions), installed with `migrant-desk translate install` as a deployer would, and a guard that fails any
network connection that is not loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CACHE_DIR
from tests.translation import corpus
from tests.translation.toy_model import cached_package

PACKAGE_CACHE = CACHE_DIR / "test-argos-packages"


def run_cli(*args: str, translation_dir: Path, env_extra: dict | None = None, timeout: int = 600):
    env = {**os.environ, "MIGRANT_DESK_CACHE_DIR": str(CACHE_DIR),
           "MIGRANT_DESK_TRANSLATION_DIR": str(translation_dir), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "migrant_desk.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


@pytest.fixture(scope="session")
def toy_packages() -> dict[str, Path]:
    """Built once per machine (seconds each); a changed corpus or builder gives a new cache key."""
    return {
        "en_th": cached_package(PACKAGE_CACHE, "en", "th", corpus.en_th_pairs(), seed=3),
        "ko_en": cached_package(PACKAGE_CACHE, "ko", "en", corpus.ko_en_pairs(), seed=1),
        "en_vi": cached_package(PACKAGE_CACHE, "en", "vi", corpus.en_vi_pairs(), seed=2),
        "en_ru_random": cached_package(PACKAGE_CACHE, "en", "ru", corpus.ko_en_pairs(), random_weights=True,
                                       version="0.1"),
    }


@pytest.fixture(scope="session")
def translation_dir(tmp_path_factory, toy_packages) -> Path:
    """en→th, ko→en and en→vi installed through the deployer's command, in one process."""
    directory = tmp_path_factory.mktemp("translation")
    r = run_cli("translate", "install", str(toy_packages["en_th"]), str(toy_packages["ko_en"]),
                str(toy_packages["en_vi"]), translation_dir=directory)
    assert r.returncode == 0, r.stderr
    return directory


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str) or "/" in host:  # AF_UNIX paths are local
        return True
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class NetworkBlocked(OSError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Any connection or name lookup for a non-loopback host raises NetworkBlocked; `attempts` records them."""
    attempts: list = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guard(address):
        if not _is_loopback(address):
            attempts.append(address)
            raise NetworkBlocked(f"network access blocked in this test: {address!r}")

    def connect(self, address):
        guard(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        guard(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        guard((host,))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts
