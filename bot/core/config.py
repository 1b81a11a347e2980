"""Settings: the only place newsbot reads its environment.

Every setting is an environment variable with the prefix ``NEWSBOT_`` (the Discord token is ``DISCORD_TOKEN``).
The README's configuration reference lists them all; a test keeps the two in step.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.errors import ConfigError

__all__ = ["Settings", "default_data_dir", "load_settings"]


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/newsbot``, else ``~/.local/share/newsbot``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newsbot"


class Settings(BaseSettings):
    """newsbot's configuration. Field descriptions are the documentation (see the README's reference)."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", extra="ignore", frozen=True, populate_by_name=True, env_ignore_empty=True
    )

    data_dir: Path = Field(default_factory=default_data_dir, description="Where the SQLite store and index live.")
    database_url: SecretStr | None = Field(
        default=None,
        description="A PostgreSQL store shared by processes on several hosts (postgresql://user:password@host/db, "
        "`postgresql` extra); default: SQLite in the data directory.",
    )
    corpus_dir: Path | None = Field(
        default=None,
        description="The corpus seeded into a new store; default: the coverage shipped with newsbot.",
    )
    discord_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DISCORD_TOKEN", "NEWSBOT_DISCORD_TOKEN"),
        description="The bot's token (variable DISCORD_TOKEN). Required by `newsbot run` and `newsbot sync`.",
    )
    coverage: Literal["per-server", "shared"] = Field(
        default="per-server",
        description="per-server: each Discord server has its own coverage; shared: every server reads the default "
        "collection, and only NEWSBOT_EDITOR_GUILD_IDS change it.",
    )
    editor_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated server ids whose moderators may change the shared coverage (shared mode).",
    )
    server: int | None = Field(
        default=None,
        gt=0,
        description="The server whose coverage command-line commands act on (like --server); "
        "default: the default collection.",
    )
    loaded_indexes: int = Field(
        default=64, ge=1, description="Server indexes kept in memory at most; the least recently asked are unloaded."
    )
    index_idle_minutes: float = Field(
        default=30.0, gt=0, description="A server's index not asked for this long is unloaded (saved, reloaded later)."
    )
    moderator_role_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated role ids whose members may change the corpus (besides Manage Messages).",
    )
    dev_guild_id: int | None = Field(
        default=None, description="A guild to sync slash commands to on every start (for development)."
    )
    allow_private_urls: bool = Field(
        default=False,
        description="Let `add URL` fetch loopback, private and link-local addresses (tests only).",
    )
    allow_future_dates: bool = Field(
        default=False,
        description="Accept articles dated after today (UTC, with a day's grace for time zones), e.g. embargoed ones.",
    )
    ask_cooldown_rate: int = Field(default=5, ge=1, description="Questions one user may ask per cooldown period.")
    ask_cooldown_per: float = Field(default=60.0, gt=0, description="The cooldown period, in seconds.")
    max_attachment_bytes: int = Field(
        default=5_000_000, ge=1_000, description="The largest article file a moderator may attach."
    )
    feed_poll_minutes: float = Field(default=30.0, gt=0, description="How often subscribed feeds are polled.")
    reader: Literal["auto", "minilm", "off"] = Field(
        default="auto",
        description="The semantic reader: `auto` uses all-MiniLM-L6-v2 when the `semantic` extra and its model "
        "package are installed, `minilm` requires them, `off` answers with BM25 alone.",
    )
    answer_processes: int = Field(
        default=2,
        ge=0,
        le=64,
        description="Worker processes that answer the bot's questions (each opens the store and loads the saved "
        "index), so no answer holds the event loop's GIL; 0 answers in threads of the bot's own process. The "
        "command line always answers in its own process.",
    )
    keep_gaps: int = Field(
        default=90,
        ge=0,
        description="Days a question the coverage could not answer is kept (its text only, never who asked), for "
        "`/corpus gaps` and `newsbot gaps`; 0 keeps none.",
    )
    keep_answers: int = Field(
        default=90,
        ge=0,
        description="Days an answer given in Discord is kept (its question and quotes, never who asked) for the "
        "buttons under it, with its Helpful / Not helpful votes (a keyed hash of each voter, never the user id); "
        "the vote counts per quote stay. 0: answers carry no buttons and nothing is kept.",
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR. DEBUG logs question text.")
    shard_count: int | None = Field(default=None, ge=1, description="Total shards (discord.py sharding).")
    shard_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated shard ids this process runs (with NEWSBOT_SHARD_COUNT).",
    )

    @field_validator("moderator_role_ids", "shard_ids", "editor_guild_ids", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [int(v) for v in value.replace(" ", "").split(",") if v]
        return value

    @field_validator("database_url")
    @classmethod
    def _postgresql_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a PostgreSQL URL: postgresql://user:password@host:port/database")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    @property
    def database_path(self) -> Path:
        return self.data_dir / "newsbot.sqlite3"


def load_settings(**overrides: Any) -> Settings:
    """Read the environment (and explicit overrides, such as --data-dir); a bad value is a ConfigError."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(f"{_env_name(str(e['loc'][0]) if e['loc'] else '?')}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid configuration: {problems}") from None


def _env_name(field: str) -> str:
    return "DISCORD_TOKEN" if field == "discord_token" else f"NEWSBOT_{field.upper()}"
