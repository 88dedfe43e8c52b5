"""Shared fixtures: the real model (converted once and cached between sessions), the bundled knowledge base
and an index built from it into a temporary folder (the embedding cache makes rebuilds cheap)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migrant_desk import knowledge_base
from migrant_desk.config import PROJECT_ROOT, Settings
from migrant_desk.runtime import Runtime, make_embedder, start

# Most tests send many requests from one address (the test client, or 127.0.0.1 to a test server): the
# anonymous rate limits are set out of their way here and checked with their own small values in
# tests/test_limits.py. Server subprocesses inherit these.
for _name, _value in (("MIGRANT_DESK_ASK_BURST", "1000000"), ("MIGRANT_DESK_HANDOFF_BURST", "1000000"),
                      ("MIGRANT_DESK_LONG_POLLS_PER_TOKEN", "1000")):
    os.environ.setdefault(_name, _value)

DATA = Path(__file__).parent / "data"
BUNDLED_KB = PROJECT_ROOT / "knowledge_base"
# The converted model and the embedding cache persist across test sessions (and CI runs on one machine).
CACHE_DIR = Path(os.environ.get("MIGRANT_DESK_CACHE_DIR", Path.home() / ".cache" / "migrant-desk"))


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    return CACHE_DIR


@pytest.fixture(scope="session")
def bundled_entries():
    result = knowledge_base.load(BUNDLED_KB)
    assert not result.problems, [str(p) for p in result.problems]
    return result.entries


@pytest.fixture(scope="session")
def embedder(cache_dir):
    return make_embedder(Settings(cache_dir=cache_dir))


# The store-level and API tests run on both engines: a test that takes `database_url` runs once on a SQLite file
# and once on a database of its own in a throwaway PostgreSQL cluster (tests/pg.py), started on first use and
# stopped at the end of the session. Run one engine with `-k sqlite` or `-k postgresql`.
ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_cluster():
    from tests.pg import Cluster

    cluster = Cluster().start()
    try:
        cluster.prepare_template()
        yield cluster
    finally:
        cluster.stop()


def new_database(request, engine: str, folder: Path, empty: bool = False):
    """(url, drop): a database of its own on `engine`, and how to remove it. SQLite's is a new file (db.Store
    migrates it when it opens it); PostgreSQL's a copy of a migrated template (faster), or `empty`."""
    if engine == "sqlite":
        return f"sqlite:///{folder.resolve() / 'migrant-desk.db'}", lambda: None
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.new_database(empty=empty)
    return url, lambda: cluster.drop_database(url)


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path):
    """A database for one test: `sqlite:////tmp/.../migrant-desk.db` or `postgresql://...`."""
    url, drop = new_database(request, request.param, tmp_path)
    yield url
    drop()


@pytest.fixture(params=ENGINES)
def empty_database_url(request, tmp_path):
    """A database without a single table, on each engine (the migrations' own tests)."""
    url, drop = new_database(request, request.param, tmp_path, empty=True)
    yield url
    drop()


@pytest.fixture(scope="module", params=ENGINES)
def module_database_url(request, tmp_path_factory):
    """The same, shared by a module's tests (for fixtures that start a whole runtime)."""
    url, drop = new_database(request, request.param, tmp_path_factory.mktemp("db"))
    yield url
    drop()


@pytest.fixture(scope="session", params=ENGINES)
def runtime(request, tmp_path_factory, cache_dir) -> Runtime:
    """The service as `serve` starts it, on the bundled knowledge base, with its index in a temp folder; once on
    each engine, so every API test that uses it runs on SQLite and on PostgreSQL."""
    url, drop = new_database(request, request.param, tmp_path_factory.mktemp("db"))  # never the real var/ one
    settings = Settings(cache_dir=cache_dir, index_dir=tmp_path_factory.mktemp("indexes"), database_url=url,
                        translation_dir=tmp_path_factory.mktemp("translation"))  # no translation models installed
    yield start(settings)
    drop()


def write_entry(directory: Path, entry_id: str, **overrides) -> Path:
    """A small valid entry as YAML; overrides replace top-level fields."""
    import yaml

    data = {
        "id": entry_id,
        "category": "test",
        "tags": ["t"],
        "source": {"title": "Example", "url": "https://www.hikorea.go.kr"},
        "updated": "2026-11-27",
        "translations": {
            "en": {"question": f"What is {entry_id}?", "alternates": ["a", "b", "c"], "answer": f"{entry_id} is a test."},
            "ko": {"question": f"{entry_id}가 뭐예요?", "alternates": ["가", "나", "다"], "answer": f"{entry_id}는 시험입니다."},
        },
    }
    data.update(overrides)
    path = directory / f"{entry_id}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


_DATABASE_FIXTURES = ("database_url", "empty_database_url", "module_database_url")


def pytest_collection_modifyitems(config, items):
    """A test that takes the session `runtime` and a database of its own runs once per engine, not once per pair
    of engines: the mixed pairs (a SQLite runtime beside a PostgreSQL ticket database...) test nothing more."""
    keep, mixed = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        engines = {params[name] for name in ("runtime", *_DATABASE_FIXTURES) if name in params}
        (mixed if len(engines) > 1 else keep).append(item)
    if mixed:
        config.hook.pytest_deselected(items=mixed)
        items[:] = keep
