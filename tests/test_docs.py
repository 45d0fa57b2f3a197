"""The README documents every setting and every command the code has."""
import re

import click

from jianyu.cli import cli
from jianyu.config import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _setting_keys(model=Settings, prefix=""):
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        ann = field.annotation
        if isinstance(ann, type) and hasattr(ann, "model_fields"):
            yield from _setting_keys(ann, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def _commands(group: click.Group, prefix: str = ""):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}"


def test_first_lines_give_the_two_commands():
    head = "\n".join(README.splitlines()[:25])
    assert "make demo" in head and "make test" in head


def test_every_setting_is_documented():
    table = README.split("## Configuration", 1)[1]
    missing = [k for k in _setting_keys() if f"`{k}`" not in table]
    assert not missing, f"settings missing from README: {missing}"


def test_every_source_key_is_documented():
    from jianyu.config import SourceSettings

    table = README.split("### Sources", 1)[1].split("\n## ", 1)[0]
    missing = [k for k in SourceSettings.model_fields if f"`{k}`" not in table]
    assert not missing, f"source keys missing from README: {missing}"


def test_every_documented_setting_exists():
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0].split("### Sources", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_.]+)`", table, re.M))
    documented |= {k for row in re.findall(r"^\| (`[a-z_.]+`(?:, `[a-z_.]+`)+)", table, re.M)
                   for k in re.findall(r"`([a-z_.]+)`", row)}
    assert documented <= set(_setting_keys()), documented - set(_setting_keys())


def test_every_command_is_documented():
    missing = [c for c in _commands(cli) if f"jianyu {c}" not in README]
    assert not missing, f"commands missing from README: {missing}"


def test_every_alert_option_is_documented():
    """The options of alerts.cluster / burst / levels, of each rule type and of each
    channel type are the fields of one dataclass each; the README names them all."""
    import dataclasses

    from alerts.channels import CHANNEL_TYPES, options
    from alerts.cluster import ClusterConfig
    from alerts.levels import LevelConfig
    from alerts.rules import RULE_TYPES
    from alerts.spikes import BurstConfig

    section = README.split("## Alerts (一事一报)", 1)[1].split("\n## ", 1)[0]
    missing = []
    for cls in (ClusterConfig, BurstConfig, LevelConfig, *(r.Config for r in RULE_TYPES.values())):
        missing += [f"{cls.__name__}.{f.name}" for f in dataclasses.fields(cls) if f"`{f.name}`" not in section]
    for kind in CHANNEL_TYPES:
        missing += [f"{kind}.{name}" for name in options(kind) if f"`{name}`" not in section]
    assert not missing, f"alert options missing from README: {missing}"
