"""Typed settings, loaded once at the edge: the only module that reads configuration.

Sources, later ones winning:
1. defaults (no file needed: the SQLite store under ./data/);
2. `jianyu.yaml`: the file given by --config or JIANYU_CONFIG, else ./jianyu.yaml if present;
3. environment variables `JIANYU__SECTION__KEY` (e.g. JIANYU__STORE__PASSWORD), meant for
   secrets and per-machine overrides.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nlp.errors import ConfigError

CONFIG_ENV = "JIANYU_CONFIG"
ENV_PREFIX = "JIANYU__"
DEFAULT_FILE = "jianyu.yaml"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class StoreSettings(Section):
    backend: Literal["sqlite", "elasticsearch", "opensearch"] = "sqlite"
    path: Path = Field(default=Path("data/jianyu.db"), description="SQLite file (backend sqlite)")
    url: str = Field(default="", description="cluster URL (backends elasticsearch, opensearch)")
    username: str = ""
    password: str = ""
    api_key: str = ""
    index_prefix: str = "jianyu"
    verify_certs: bool = True
    ca_certs: str = ""


class WatchSettings(Section):
    terms: list[str] = Field(default_factory=list, description="extra watch terms, e.g. 青石县人民检察院")
    use_defaults: bool = True
    exclude: list[str] = Field(default_factory=list)

    @field_validator("terms", "exclude")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        for t in v:
            if not t.strip():
                raise ValueError("a watch term must not be blank")
        return v


class NlpSettings(Section):
    model_dir: Path | None = Field(default=None, description="trained model folder; default: inside the nlp package")


class IngestSettings(Section):
    batch_size: int = Field(default=500, ge=1, le=100_000)
    near_dup_window: int = Field(default=200_000, ge=0, description="recent posts checked for near-duplicates")
    keep_labels: bool = Field(default=False, description="keep labels found in imported files instead of tagging")


class Settings(Section):
    store: StoreSettings = Field(default_factory=StoreSettings)
    watch: WatchSettings = Field(default_factory=WatchSettings)
    nlp: NlpSettings = Field(default_factory=NlpSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    source_file: str = Field(default="", exclude=True)


def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Load settings; raises ConfigError naming the key and what is allowed."""
    env = os.environ if environ is None else environ
    file = Path(path) if path else (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else None)
    data: dict[str, Any] = {}
    if file is not None and not file.is_file():
        raise ConfigError(f"config file not found: {file}")
    if file is None and Path(DEFAULT_FILE).is_file():
        file = Path(DEFAULT_FILE)
    if file is not None:
        data = _read_yaml(file)
    for key, value in env.items():
        if key.startswith(ENV_PREFIX):
            _set_path(data, key[len(ENV_PREFIX):].lower().split("__"), value, key)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_explain(e, file)) from None
    settings.source_file = str(file or "")
    return settings


def _read_yaml(file: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{file}: not valid YAML{where}: {getattr(e, 'problem', e)}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{file}: cannot read: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: the top level must be a mapping of keys, not {type(data).__name__}")
    return data


def _set_path(data: dict[str, Any], parts: list[str], value: str, env_key: str) -> None:
    node = data
    for p in parts[:-1]:
        child = node.setdefault(p, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{env_key}: '{p}' is not a section")
        node = child
    node[parts[-1]] = _env_value(value)


def _env_value(value: str) -> Any:
    """Environment values are strings (the settings coerce numbers and booleans);
    a value written as a YAML list, such as `[a, b]`, becomes a list."""
    if value.strip().startswith("["):
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        if isinstance(parsed, list):
            return parsed
    return value


def _explain(error: ValidationError, file: Path | None) -> str:
    lines = []
    for err in error.errors():
        key = ".".join(str(p) for p in err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _model_at(err["loc"][:-1])
            allowed = ", ".join(k for k, f in parent.model_fields.items() if not f.exclude)
            lines.append(f"unknown key '{key}' (allowed here: {allowed})")
        elif kind == "literal_error":
            allowed = err.get("ctx", {}).get("expected", "")
            lines.append(f"{key}: {err['input']!r} is not allowed (allowed: {allowed})")
        else:
            lines.append(f"{key}: {err['msg']} (got {err.get('input')!r})")
    where = f"{file}: " if file else ""
    return where + "; ".join(lines)


def _model_at(loc: tuple) -> type[BaseModel]:
    model: type[BaseModel] = Settings
    for part in loc:
        field = model.model_fields.get(str(part))
        ann = field.annotation if field else None
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
    return model
