"""`jianyu index setup | stats | reindex | prune | replay`: the indices of a cluster store."""
from __future__ import annotations

from datetime import datetime, timezone

import click

from nlp.errors import ConfigError

from ..build import make_store
from ..cli import _settings, cli, emit_json
from ..progress import progress_bar

CLUSTERS = ("elasticsearch", "opensearch")


def _cluster(ctx: click.Context):
    settings = _settings(ctx)
    if settings.store.backend not in CLUSTERS:
        raise ConfigError(f"store.backend: the index commands work on a cluster (elasticsearch or opensearch), "
                          f"not {settings.store.backend}")
    return settings


@cli.group()
def index() -> None:
    """Templates, indices and aliases of an Elasticsearch or OpenSearch store."""


@index.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def setup(ctx: click.Context, as_json: bool) -> None:
    """Install the index templates, indices and aliases (idempotent)."""
    settings = _cluster(ctx)
    with make_store(settings, spool=False) as store:
        created = store.setup()
        names = store.names
    if as_json:
        emit_json({"created": created, "read_alias": names.posts, "write_alias": names.posts_write})
        return
    click.echo("created: " + ", ".join(created) if created else "everything was in place; nothing changed")
    click.echo(f"posts: read alias {names.posts}, write alias {names.posts_write}")


@index.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Documents and size of each index, and what waits in the spool."""
    settings = _cluster(ctx)
    with make_store(settings, spool=False) as store:
        rows = store.layout.stats()
        write_index = store.layout.write_index()
    from indexer.es_spool import Spool

    files, nbytes = Spool(settings.store.spool_dir).size()
    if as_json:
        emit_json({"indices": rows, "write_index": write_index, "spool": {"files": files, "bytes": nbytes}})
        return
    if not rows:
        click.echo("no indices yet: run `jianyu index setup`")
    width = max([len(r["index"]) for r in rows] + [5])
    for r in rows:
        mark = "  ← writes" if r["index"] == write_index else ""
        click.echo(f"{r['index']:<{width}}  {r['status']:<5}  {r['docs']:>12,} docs  {r['bytes'] / 1e6:>10,.1f} MB{mark}")
    click.echo(f"spool: {files} files, {nbytes:,} bytes waiting" if files else "spool: empty")


@index.command()
@click.option("--from", "source", type=click.Choice(["sqlite"]), required=True, help="The store to move.")
@click.option("--to", "target", type=click.Choice(CLUSTERS), required=True, help="The cluster to move it to.")
@click.option("--batch", type=click.IntRange(1, 5000), default=500, show_default=True)
@click.option("--restart", is_flag=True, help="Start from the beginning instead of resuming.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def reindex(ctx: click.Context, source: str, target: str, batch: int, restart: bool, as_json: bool) -> None:
    """Copy the SQLite store (store.path) into the cluster (store.url): posts, events,
    reports, outbox, quarantine and crawl state. Streaming and resumable: run it again
    after an interruption and it goes on where it stopped."""
    from indexer.es_reindex import reindex as run

    settings = _settings(ctx)
    if not settings.store.path.is_file():
        raise ConfigError(f"store.path: no SQLite store at {settings.store.path}")
    with make_store(settings, backend=source) as src, make_store(settings, backend=target, spool=False) as dst:
        with progress_bar(total=src.count(), unit="post", desc="reindex") as bar:
            summary = run(src, dst, batch=batch, restart=restart, progress=bar.update)
    if as_json:
        emit_json(summary.to_dict())
        return
    d = summary.to_dict()
    click.echo(("resumed; " if summary.resumed else "") +
               f"{d['posts']:,} posts read: {d['inserted']:,} new, {d['updated']:,} updated, "
               f"{d['unchanged']:,} unchanged")
    click.echo(", ".join(f"{k.replace('_', ' ')} {d[k]:,}" for k in
                         ("seen_pages", "evidence", "events", "reports", "outbox", "quarantine", "sources")))


@index.command()
@click.option("--dry-run", is_flag=True, help="Only list the months that would go.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def prune(ctx: click.Context, dry_run: bool, as_json: bool) -> None:
    """Close or delete the monthly posts indices older than store.retention_months."""
    settings = _cluster(ctx)
    keep, action = settings.store.retention_months, settings.store.retention_action
    if keep <= 0:
        raise ConfigError("store.retention_months: 0 keeps every month; set how many months to keep")
    with make_store(settings, spool=False) as store:
        gone = store.layout.prune(keep, action, datetime.now(timezone.utc), dry_run=dry_run)
    if as_json:
        emit_json({"action": action, "dry_run": dry_run, "indices": gone})
        return
    verb = {"close": "closed", "delete": "deleted"}[action]
    if not gone:
        click.echo(f"nothing older than {keep} months")
    for name in gone:
        click.echo(f"{'would be ' if dry_run else ''}{verb}: {name}")


@index.command()
@click.pass_context
def replay(ctx: click.Context) -> None:
    """Write what waits in the spool into the cluster now."""
    settings = _cluster(ctx)
    with make_store(settings) as store:
        store.ready()
        n = store.replay(force=True)
        left = store.spool.size()[0] if store.spool else 0
    click.echo(f"replayed {n:,} records" + (f"; {left} spool files still waiting" if left else ""))
