"""`jianyu run`: the long-running monitor (crawl on schedule, alert continuously)."""
from __future__ import annotations

import logging
from datetime import timedelta

import click

from nlp.errors import BadInput

from ..build import make_store
from ..build_alerts import make_channels, make_live
from ..cli import _settings, cli

log = logging.getLogger(__name__)


@cli.command(name="run")
@click.option("--parallel", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Crawl rounds running at once.")
@click.option("--no-alerts", is_flag=True, help="Only crawl; leave alerting to another worker.")
@click.pass_context
def run_monitor(ctx: click.Context, parallel: int, no_alerts: bool) -> None:
    """The monitor: crawls each source on its schedule and evaluates alerts as posts arrive."""
    from ..monitor import Monitor

    settings = _settings(ctx)
    if not settings.sources:
        raise BadInput("no sources configured (add `sources:` to jianyu.yaml)")
    channels = make_channels(settings)
    with make_store(settings) as store:
        step = None
        if not no_alerts:
            step = make_live(settings, store, channels).step
        step = _with_retention(store, settings, step)
        monitor = Monitor(store, {s.name: s.interval for s in settings.sources}, step,
                          config_path=ctx.obj.config_path or settings.source_file or None,
                          parallel=parallel, poll=min(settings.alerts.poll, 60))
        click.echo(f"monitoring {len(settings.sources)} sources"
                   + ("" if no_alerts else f", alerts to {len(channels)} channels") + "; Ctrl-C stops")
        monitor.run()


def _with_retention(store, settings, step):
    """On a cluster with `store.retention_months` set, old monthly indices are closed or
    deleted once a day, between alert steps."""
    months = getattr(settings.store, "retention_months", 0)
    layout = getattr(store, "layout", None)
    if not months or layout is None:
        return step
    last: list = [None]

    def stepped(now):
        if last[0] is None or now - last[0] >= timedelta(days=1):
            pruned = layout.prune(months, settings.store.retention_action, now)
            if pruned:
                log.info("retention: %s %s", settings.store.retention_action, ", ".join(pruned))
            last[0] = now
        if step is not None:
            step(now)
    return stepped
