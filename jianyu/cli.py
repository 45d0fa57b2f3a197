"""The `jianyu` command line: one group, a command per stage.

Every option has an environment twin (JIANYU_<COMMAND>_<OPTION>, e.g. JIANYU_SEARCH_LIMIT).
`--json` prints one JSON document on stdout; logs go to stderr. Exit codes: 0 done,
1 failure, 2 bad input (config, query, file), always with a one-line message.
"""
from __future__ import annotations

import logging
import sys

import click
import orjson

from nlp.errors import BadInput, JianYuError

from .config import Settings, load_settings

log = logging.getLogger("jianyu")


class Context:
    def __init__(self, config_path: str | None, verbose: int, quiet: bool):
        self.config_path = config_path
        self.verbose = verbose
        self.quiet = quiet
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings


def setup_logging(verbose: int, quiet: bool, level: str = "INFO") -> None:
    if quiet:
        level = "WARNING"
    elif verbose:
        level = "DEBUG"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    if not verbose:  # Scrapy's own progress chatter only with -v; its warnings always
        handler.addFilter(lambda r: r.levelno >= logging.WARNING or not r.name.startswith("scrapy"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("jieba").setLevel(logging.WARNING)


class Group(click.Group):
    """Turns our errors into one line and the documented exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BadInput as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(2)
        except JianYuError as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(1)


@click.group(cls=Group, context_settings={"auto_envvar_prefix": "JIANYU", "help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="JIANYU_CONFIG",
              help="Settings file (default: ./jianyu.yaml if present).")
@click.option("-v", "--verbose", count=True, help="Log every post's outcome.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
@click.version_option(package_name="jianyu")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int, quiet: bool) -> None:
    """JianYu (检舆): public-opinion monitoring for people's procuratorates."""
    ctx.obj = Context(config_path, verbose, quiet)
    setup_logging(verbose, quiet)


def _settings(ctx: click.Context) -> Settings:
    obj: Context = ctx.obj
    s = obj.settings
    if not obj.verbose and not obj.quiet:
        logging.getLogger().setLevel(s.log_level)
    return s


def emit_json(doc) -> None:
    sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")


def main() -> None:
    cli(prog_name="jianyu")


from . import commands  # noqa: E402,F401  (registers the commands on `cli`)
