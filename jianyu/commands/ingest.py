"""`jianyu ingest FILE.jsonl` and `jianyu ingest --retry-quarantine`."""
from __future__ import annotations

from pathlib import Path

import click

from indexer.ingest import Summary, read_jsonl
from indexer.ingest import retry_quarantine as rerun_quarantine
from nlp.errors import BadInput

from ..build import make_chain, make_store
from ..cli import _settings, cli, emit_json
from ..progress import progress_bar


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--retry-quarantine", is_flag=True, help="Re-run the quarantined records instead of reading files.")
@click.option("--keep-labels", is_flag=True, default=None,
              help="Keep relevant/sentiment/topic found in the file instead of tagging.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def ingest(ctx: click.Context, files: tuple[Path, ...], retry_quarantine: bool, keep_labels: bool | None,
           as_json: bool) -> None:
    """Import posts from JSON Lines files (TAXONOMY field names) through the ingest chain."""
    settings = _settings(ctx)
    if not files and not retry_quarantine:
        raise BadInput("give one or more FILE.jsonl, or --retry-quarantine")
    for f in files:
        if not f.is_file():
            raise BadInput(f"no such file: {f}")
    with make_store(settings) as store:
        chain = make_chain(settings, store, keep_labels=keep_labels)
        if retry_quarantine:
            summary, released = rerun_quarantine(chain)
            report = {**summary.to_dict(), "released": released}
        else:
            summary = Summary()
            for f in files:
                size = f.stat().st_size
                with progress_bar(total=size, unit="B", desc=f.name, unit_scale=True) as bar:
                    summary.add(chain.run(_tracked(f, bar)))
            report = summary.to_dict()
        report["store_total"] = store.count()
    if as_json:
        emit_json(report)
    else:
        click.echo(format_summary(report), err=False)


def _tracked(path: Path, bar):
    """Read records while advancing the progress bar by bytes read."""
    for rec in read_jsonl(path):
        bar.update(rec.nbytes)
        yield rec


def format_summary(r: dict) -> str:
    parts = [f"read {r['read']}", f"stored {r['stored']}", f"updated {r['updated']}",
             f"filtered {r['filtered']}", f"duplicates {r['duplicates']}",
             f"near-duplicates {r['near_duplicates']}", f"quarantined {r['quarantined']}"]
    if "released" in r:
        parts.append(f"released {r['released']}")
    line = ", ".join(parts)
    if r.get("reasons"):
        line += "\n  reasons: " + ", ".join(f"{k} ({v})" for k, v in sorted(r["reasons"].items(), key=lambda kv: -kv[1]))
    line += f"\n  posts in store: {r['store_total']}"
    return line
