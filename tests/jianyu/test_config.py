"""Settings: defaults without a file, YAML, environment overrides, clear errors."""
from pathlib import Path

import pytest

from jianyu.config import load_settings
from nlp.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "jianyu.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_need_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(None, {})
    assert s.store.backend == "sqlite"
    assert s.store.path == Path("data/jianyu.db")
    assert s.watch.use_defaults and s.watch.terms == []


def test_file_in_working_directory_is_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "watch:\n  terms: [青石县人民检察院]\n")
    assert load_settings(None, {}).watch.terms == ["青石县人民检察院"]


def test_config_env_names_the_file(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("store: {path: /srv/j.db}\n", encoding="utf-8")
    assert load_settings(None, {"JIANYU_CONFIG": str(other)}).store.path == Path("/srv/j.db")


def test_environment_overrides_file(tmp_path):
    f = write(tmp_path, "store: {backend: opensearch, url: 'https://a:9200', password: fromfile}\n")
    s = load_settings(f, {"JIANYU__STORE__PASSWORD": "12345", "JIANYU__INGEST__BATCH_SIZE": "50",
                          "JIANYU__WATCH__TERMS": "[甲, 乙]"})
    assert s.store.password == "12345"
    assert s.ingest.batch_size == 50
    assert s.watch.terms == ["甲", "乙"]


@pytest.mark.parametrize("text,expected", [
    ("store: {backend: mysql}", "store.backend: 'mysql' is not allowed (allowed: 'sqlite', 'elasticsearch' or 'opensearch')"),
    ("store: {bakend: sqlite}", "unknown key 'store.bakend' (allowed here: backend, path"),
    ("stor: {}", "unknown key 'stor' (allowed here: store, watch"),
    ("ingest: {batch_size: 0}", "ingest.batch_size: Input should be greater than or equal to 1"),
    ("watch: {terms: ['  ']}", "watch.terms"),
    ("- a\n- b", "the top level must be a mapping"),
    ("store: [unclosed", "not valid YAML (line 1"),
    ("log_level: LOUD", "log_level: 'LOUD' is not allowed"),
])
def test_bad_values_name_the_key(tmp_path, text, expected):
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), {})
    assert expected in str(info.value)


def test_missing_named_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml", {})


def test_bad_environment_value_names_the_key(tmp_path):
    with pytest.raises(ConfigError, match="store.backend"):
        load_settings(None, {"JIANYU__STORE__BACKEND": "oracle", "JIANYU_CONFIG": str(write(tmp_path, ""))})


SOURCES = """
sources:
  - {name: spp-news, type: listing, url: "https://a.example/xwfbh/", interval: 30m}
  - {name: jnfz-rss, type: feed, url: "https://b.example/rss.xml", interval: 10m}
  - {name: weibo, type: weibo, url: "https://w.example/api", keywords: [检察院, 检察官], interval: 5m}
"""


def test_sources_are_read_with_durations(tmp_path):
    s = load_settings(write(tmp_path, SOURCES), {})
    assert [(x.name, x.type, x.interval) for x in s.sources] == [
        ("spp-news", "listing", 1800), ("jnfz-rss", "feed", 600), ("weibo", "weibo", 300)]


def test_sources_file_adds_sources(tmp_path):
    (tmp_path / "more.yaml").write_text("- {name: extra, type: sitemap, url: 'https://c.example/sitemap.xml'}\n")
    s = load_settings(write(tmp_path, SOURCES + "sources_file: more.yaml\n"), {})
    assert [x.name for x in s.sources][-1] == "extra"


@pytest.mark.parametrize("entry,expected", [
    ("{name: spp, type: listing, url: 'https://a/', interval: soon}", "sources[spp].interval: must be a duration"),
    ("{name: spp, type: blog, url: 'https://a/'}", "sources[spp].type: 'blog' is not allowed"),
    ("{name: spp, type: listing}", "sources[spp]: give url or urls"),
    ("{name: spp, type: listing, url: 'ftp://a/'}", "sources[spp].url: 'ftp://a/' is not an http(s) URL"),
    ("{name: w, type: weibo, url: 'https://a/'}", "sources[w]: a weibo source needs keywords"),
    ("{name: s, type: search, url: 'https://a/s', keywords: [x]}", "sources[s]: a search source's url must contain {query}"),
    ("{name: spp, type: listing, url: 'https://a/', encoding: klingon}", "sources[spp].encoding: unknown encoding"),
    ("{name: spp, type: listing, url: 'https://a/', selectors: {titel: h1}}", "unknown selector 'titel'"),
    ("{name: spp, type: listing, url: 'https://a/', colour: red}", "unknown key 'sources[spp].colour' (allowed here: name, type"),
    ("{type: listing, url: 'https://a/'}", "sources[1].name: Field required"),
])
def test_bad_source_names_the_source_and_key(tmp_path, entry, expected):
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, f"sources: [{entry}]"), {})
    assert expected in str(info.value)


def test_duplicate_source_names(tmp_path):
    text = "sources: [{name: a, type: feed, url: 'https://a/'}, {name: a, type: feed, url: 'https://b/'}]"
    with pytest.raises(ConfigError, match="the name 'a' is used twice"):
        load_settings(write(tmp_path, text), {})
