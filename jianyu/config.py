"""Typed settings, loaded once at the edge: the only module that reads configuration.

Sources, later ones winning:
1. defaults (no file needed: the SQLite store under ./data/);
2. `jianyu.yaml`: the file given by --config or JIANYU_CONFIG, else ./jianyu.yaml if present;
3. environment variables `JIANYU__SECTION__KEY` (e.g. JIANYU__STORE__PASSWORD), meant for
   secrets and per-machine overrides.
"""
from __future__ import annotations

import codecs
import os
import re
from pathlib import Path
from typing import Any, Literal, Mapping, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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
    password: str = Field(default="", description="set it in the environment: JIANYU__STORE__PASSWORD")
    api_key: str = Field(default="", description="Elasticsearch only; JIANYU__STORE__API_KEY")
    index_prefix: str = Field(default="jianyu", pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64,
                              description="lower-case: index names are")
    verify_certs: bool = True
    ca_certs: str = ""
    timeout: float = Field(default=30.0, gt=0, le=600, description="seconds before a cluster request is given up")
    retries: int = Field(default=5, ge=0, le=20, description="retries of a refused or unanswered cluster request")
    retry_backoff: float = Field(default=0.5, ge=0, le=60, description="seconds before the first retry; doubles")
    spool_dir: Path = Field(default=Path("data/spool"), description="posts wait here while the cluster is down")
    settle_seconds: float = Field(default=5.0, ge=0, le=600,
                                  description="new posts are followed only once this old (refresh lag)")
    shards: int = Field(default=1, ge=1, le=64, description="primary shards of each monthly posts index")
    replicas: int = Field(default=1, ge=0, le=16)
    retention_months: int = Field(default=0, ge=0, le=1200, description="months of posts kept; 0 = all")
    retention_action: Literal["close", "delete"] = "close"


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


_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class SourceSettings(Section):
    """One entry of `sources:`; see README for each key."""
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    type: Literal["feed", "sitemap", "listing", "weibo", "search"]
    url: str = ""
    urls: list[str] = Field(default_factory=list)
    interval: int = Field(default=1800, description="seconds, or 30s / 10m / 1h / 1d")
    keywords: list[str] = Field(default_factory=list)
    selectors: dict[str, str] = Field(default_factory=dict)
    encoding: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    cookie_env: str = Field(default="", description="name of the environment variable holding the Cookie header")
    rate_limit: float = Field(default=0.0, ge=0, description="requests per second; 0 = adaptive only")
    allowed_domains: list[str] = Field(default_factory=list)
    platform: Literal["", "news", "weibo", "wechat", "forum", "video", "gov", "other"] = ""
    site: str = ""
    max_pages: int = Field(default=20, ge=1, le=1000)

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> int:
        return parse_duration(v)

    @field_validator("url", "urls")
    @classmethod
    def _http(cls, v: Any) -> Any:
        for u in ([v] if isinstance(v, str) else v):
            if u and not re.match(r"^https?://[^/\s]+", u):
                raise ValueError(f"{u!r} is not an http(s) URL")
        return v

    @field_validator("selectors")
    @classmethod
    def _selector_keys(cls, v: dict[str, str]) -> dict[str, str]:
        allowed = ("article_links", "next_page", "title", "body", "published_at", "author")
        for key in v:
            if key not in allowed:
                raise ValueError(f"unknown selector {key!r} (allowed: {', '.join(allowed)})")
        return v

    @field_validator("encoding")
    @classmethod
    def _codec(cls, v: str) -> str:
        if v:
            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(f"unknown encoding {v!r} (e.g. gb18030, big5, utf-8)") from None
        return v

    @model_validator(mode="after")
    def _needs(self) -> "SourceSettings":
        if not self.url and not self.urls:
            raise ValueError("give url or urls")
        if self.type in ("weibo", "search") and not self.keywords:
            raise ValueError(f"a {self.type} source needs keywords")
        if self.type == "search" and not all("{query}" in u for u in self.all_urls()):
            raise ValueError("a search source's url must contain {query} (and may contain {page} or {offset})")
        return self

    def all_urls(self) -> list[str]:
        return ([self.url] if self.url else []) + list(self.urls)


class CrawlSettings(Section):
    user_agent: str = "JianYu/0.1 (public-opinion monitor; +https://github.com/jianyu-project/jianyu)"
    obey_robots: bool = True
    concurrency_per_domain: int = Field(default=2, ge=1, le=64)
    download_timeout: int = Field(default=30, ge=1, le=600)
    retries: int = Field(default=3, ge=0, le=20)
    retry_backoff: float = Field(default=2.0, ge=0, description="seconds before the first retry; doubles each time")
    max_page_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    redis_url: str = Field(default="", description="share one scheduler and duplicate filter through Redis")
    evidence: bool = Field(default=True, description="keep the raw response of every stored post")


def parse_duration(v: Any) -> int:
    """Seconds from 90, "30s", "10m", "1h" or "1d"."""
    if isinstance(v, bool):
        raise ValueError("must be a duration such as 30s, 10m, 1h or 1d")
    if isinstance(v, (int, float)):
        seconds = int(v)
    else:
        m = _DURATION.match(str(v))
        if not m:
            raise ValueError("must be a duration such as 30s, 10m, 1h or 1d")
        seconds = int(m.group(1)) * _SECONDS[m.group(2)]
    if seconds < 1:
        raise ValueError("must be at least 1 second")
    return seconds


class ChannelSettings(BaseModel):
    """One place reports go. Options beyond these depend on the type (README, Channels);
    an option ending in `_env` names an environment variable that holds its value."""
    model_config = ConfigDict(extra="allow", validate_assignment=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    type: Literal["email", "webhook", "wecom", "dingtalk", "feishu", "file"]
    min_level: Literal["general", "serious", "major"] = Field(
        default="general", description="reports below this level do not go here")
    urgent: bool = Field(default=False, description="an urgent channel: 重大 reports go out at once (急事急报)")

    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class AlertSettings(Section):
    cluster: dict[str, Any] = Field(default_factory=dict, description="event clustering (README, Alerts)")
    burst: dict[str, Any] = Field(default_factory=dict, description="when an event is a burst")
    levels: dict[str, Any] = Field(default_factory=dict, description="一般 / 较大 / 重大 thresholds")
    close_after: int = Field(default=86400, description="a reported event quiet this long gets its 结案")
    baseline_days: int = Field(default=14, ge=1, le=90, description="history the expected volume is fitted on")
    poll: int = Field(default=30, description="seconds between checks for new posts in `jianyu alerts run`")
    worker: str = Field(default="", description="this worker's name (default: host and process id)")
    base_url: str = Field(default="", description="web UI address, for links in messages")
    channels: list[ChannelSettings] = Field(default_factory=list)
    rules: list[dict[str, Any]] = Field(default_factory=list, description="ElastAlert-style spike rules")
    volume_topics: bool = Field(default=True, description="alert on topic volume bursts no reported event explains")
    keywords: list[str] = Field(default_factory=list, description="analyst queries whose volume bursts are alerted")
    volume_realert: int = Field(default=6 * 3600, description="no second volume alert for one topic or keyword within this")

    @field_validator("close_after", "poll", "volume_realert", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> int:
        return parse_duration(v)

    @model_validator(mode="after")
    def _unique_channels(self) -> "AlertSettings":
        _check_unique("channels", [c.name for c in self.channels])
        return self


class Settings(Section):
    store: StoreSettings = Field(default_factory=StoreSettings)
    watch: WatchSettings = Field(default_factory=WatchSettings)
    nlp: NlpSettings = Field(default_factory=NlpSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    sources: list[SourceSettings] = Field(default_factory=list)
    sources_file: str = Field(default="", description="a YAML file with more sources (a list)")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    source_file: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _unique_sources(self) -> "Settings":
        _check_unique("sources", [src.name for src in self.sources])
        return self


def _check_unique(key: str, names: list[str]) -> None:
    """The first name that comes a second time, named with its list's key."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{key}: the name {name!r} is used twice")
        seen.add(name)


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
    if data.get("sources_file"):
        data["sources"] = list(data.get("sources") or []) + _read_sources_file(data["sources_file"], file)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_explain(e, file, data)) from None
    settings.source_file = str(file or "")
    return settings


def _read_sources_file(name: Any, config_file: Path | None) -> list[Any]:
    path = Path(str(name))
    if not path.is_absolute() and config_file is not None:
        path = config_file.parent / path
    if not path.is_file():
        raise ConfigError(f"sources_file: {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"sources_file: {path} is not valid YAML: {getattr(e, 'problem', e)}") from None
    if isinstance(data, dict) and "sources" in data:
        data = data["sources"]
    if not isinstance(data, list):
        raise ConfigError(f"sources_file: {path} must hold a list of sources")
    return data


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


def _explain(error: ValidationError, file: Path | None, data: dict[str, Any] | None = None) -> str:
    lines = []
    for err in error.errors():
        key = _key_name(err["loc"], data or {})
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _model_at(err["loc"][:-1])
            allowed = ", ".join(k for k, f in parent.model_fields.items() if not f.exclude)
            lines.append(f"unknown key '{key}' (allowed here: {allowed})")
        elif kind == "literal_error":
            allowed = err.get("ctx", {}).get("expected", "")
            lines.append(f"{key}: {err['input']!r} is not allowed (allowed: {allowed})")
        elif kind == "value_error":
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{key}: {msg}" if key else msg)
        else:
            lines.append(f"{key}: {err['msg']} (got {err.get('input')!r})")
    where = f"{file}: " if file else ""
    return where + "; ".join(lines)


def _key_name(loc: tuple, data: dict[str, Any]) -> str:
    """`sources.2.interval` becomes `sources[weibo].interval`: list entries are named."""
    parts = [str(p) for p in loc]
    for prefix, entries in ((("sources",), data.get("sources")),
                            (("alerts", "channels"), (data.get("alerts") or {}).get("channels"))):
        n = len(prefix)
        if len(loc) > n and loc[:n] == prefix and isinstance(loc[n], int):
            entries = entries if isinstance(entries, list) else []
            entry = entries[loc[n]] if loc[n] < len(entries) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            label = ".".join(prefix) + (f"[{name}]" if name else f"[{loc[n] + 1}]")
            return ".".join([label, *parts[n + 1:]])
    return ".".join(parts)


def _model_at(loc: tuple) -> type[BaseModel]:
    model: type[BaseModel] = Settings
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        ann = field.annotation if field else None
        for candidate in (ann, *get_args(ann)):  # a list[Model] field holds Models
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
    return model
