"""`jianyu alerts …`: run the alert worker, backtest, list and show reports, mark them,
close events, and measure precision over the marked reports."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from alerts.model import KIND_ZH
from indexer.alertstate import VERDICTS
from indexer.post import SHANGHAI
from nlp.errors import BadInput

from ..build import make_store
from ..build_alerts import engine_config, make_channels, make_live, worker_name
from ..cli import _settings, cli, emit_json
from ..progress import progress_bar
from ..timeparse import parse_when

log = logging.getLogger(__name__)


def _duration(text: str, option: str) -> timedelta:
    from ..config import parse_duration

    try:
        return timedelta(seconds=parse_duration(text))
    except ValueError as e:
        raise BadInput(f"{option}: {e}") from None


@cli.group()
def alerts() -> None:
    """Events, reports (首报 / 续报 / 结案) and their delivery."""


@alerts.command()
@click.option("--once", is_flag=True, help="One step, then exit (for cron or a test).")
@click.pass_context
def run(ctx: click.Context, once: bool) -> None:
    """Evaluate continuously as posts arrive: cluster, report, deliver."""
    settings = _settings(ctx)
    channels = make_channels(settings)
    with make_store(settings) as store:
        live = make_live(settings, store, channels)
        if not channels:
            log.warning("no alert channels configured (alerts.channels): reports are kept in the store only")
        while True:
            stats = live.step(datetime.now(SHANGHAI))
            for r in stats.reports:
                click.echo(f"{r.sent_at:%Y-%m-%d %H:%M} {r.kind:<6} {r.level.zh} {r.title} ({r.post_count} posts)")
            if once:
                click.echo(f"posts {stats.posts}, reports {len(stats.reports)}, queued {stats.queued}, "
                           f"delivered {stats.delivered}")
                return
            time.sleep(settings.alerts.poll)


@alerts.command()
@click.option("--from", "start", required=True, help="Start (2026-11-01, 2026-11-01T08:00, 7d = 7 days ago).")
@click.option("--to", "end", default="now", show_default=True, help="End (exclusive).")
@click.option("--step", default="10m", show_default=True, help="Simulated time between evaluations.")
@click.option("--json", "as_json", is_flag=True, help="Print every report as JSON.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each report as Markdown and HTML into this folder.")
@click.pass_context
def backtest(ctx: click.Context, start: str, end: str, step: str, as_json: bool, out: Path | None) -> None:
    """Replay stored posts in time order; print every report that would have been sent."""
    from alerts.backtest import backtest as run_backtest
    from alerts.backtest import report_json

    settings = _settings(ctx)
    t0, t1 = parse_when(start, "--from"), parse_when(end, "--to")
    if t1 <= t0:
        raise BadInput("--to must be after --from")
    dt = _duration(step, "--step")
    config = engine_config(settings)
    with make_store(settings) as store:
        with progress_bar(desc="backtest", unit="posts") as bar:
            result = run_backtest(store, t0, t1, dt, config, progress=bar.update)
    if out is not None:
        write_reports(result.reports, out)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(f"{result.posts} posts from {t0:%Y-%m-%d %H:%M} to {t1:%Y-%m-%d %H:%M}, "
               f"{result.events} events, {len(result.reports)} reports")
    for r in result.reports:
        j = report_json(r)
        click.echo(f"{r.sent_at:%Y-%m-%d %H:%M}  {KIND_ZH[r.kind]}  {r.level.zh}  {r.title}  "
                   f"[{j['topic']}/{j['sentiment']}, {r.post_count} posts, event {r.event_id}]")


def write_reports(reports, folder: Path) -> None:
    """Each report as Markdown and as HTML with its trend chart (`alerts backtest --out`, the demo)."""
    from alerts.chart import trend_chart
    from alerts.render import render_html, render_markdown

    folder.mkdir(parents=True, exist_ok=True)
    for r in reports:
        stem = r.id.replace(":", "_")
        (folder / f"{stem}.md").write_text(render_markdown(r), encoding="utf-8")
        (folder / f"{stem}.html").write_text(render_html(r, trend_chart(r)), encoding="utf-8")


@alerts.command(name="list")
@click.option("--since", default="7d", show_default=True, help="Reports sent since (7d, 2026-11-01, …).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_reports(ctx: click.Context, since: str, as_json: bool) -> None:
    """Reports made, oldest first, with their verdicts."""
    settings = _settings(ctx)
    t0 = parse_when(since, "--since")
    with make_store(settings) as store:
        records = store.alerts.reports(start=t0)
    if as_json:
        emit_json({"reports": [{"id": r.id, "event_id": r.event_id, "kind": r.kind, "level": r.level,
                                "sent_at": r.sent_at.isoformat(), "title": r.title, "verdict": r.verdict,
                                "note": r.note} for r in records]})
        return
    if not records:
        click.echo("no reports")
    for r in records:
        verdict = {"useful": "有用", "false_alarm": "误报"}.get(r.verdict, "")
        click.echo(f"{r.sent_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}  {r.id}  {KIND_ZH[r.kind]}  {r.title}"
                   + (f"  [{verdict}]" if verdict else ""))


@alerts.command()
@click.argument("report_id")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@click.pass_context
def show(ctx: click.Context, report_id: str, fmt: str) -> None:
    """Print one report as Markdown, HTML or JSON."""
    from alerts.chart import trend_chart
    from alerts.render import render_html, render_markdown
    from alerts.report import Report

    settings = _settings(ctx)
    with make_store(settings) as store:
        record = store.alerts.get_report(report_id)
    if record is None:
        raise BadInput(f"no report {report_id!r} (see `jianyu alerts list`)")
    report = Report.from_dict(record.data)
    if fmt == "json":
        emit_json(record.data)
    elif fmt == "html":
        click.echo(render_html(report, trend_chart(report)))
    else:
        click.echo(render_markdown(report))


@alerts.command()
@click.argument("report_id")
@click.argument("verdict", type=click.Choice(list(VERDICTS)))
@click.option("--note", default="", help="Why (kept with the verdict).")
@click.pass_context
def mark(ctx: click.Context, report_id: str, verdict: str, note: str) -> None:
    """Mark a report useful or a false alarm (for `jianyu alerts evaluate`)."""
    settings = _settings(ctx)
    with make_store(settings) as store:
        if not store.alerts.mark_report(report_id, verdict, note, datetime.now(timezone.utc)):
            raise BadInput(f"no report {report_id!r} (see `jianyu alerts list`)")
    click.echo(f"{report_id}: {verdict}")


@alerts.command()
@click.option("--since", default="", help="Only reports sent since (default: all).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def evaluate(ctx: click.Context, since: str, as_json: bool) -> None:
    """Precision over the reports analysts have marked (useful / false_alarm)."""
    from alerts.feedback import precision

    settings = _settings(ctx)
    t0 = parse_when(since, "--since") if since else None
    with make_store(settings) as store:
        records = store.alerts.reports(start=t0, marked=True)
    result = precision(records)
    if as_json:
        emit_json(result)
        return
    if not result["marked"]:
        click.echo("no marked reports yet (mark one with `jianyu alerts mark REPORT_ID useful|false_alarm`)")
        return
    click.echo(f"marked {result['marked']}: useful {result['useful']}, false alarms {result['false_alarm']}, "
               f"precision {result['precision']:.3f}")
    for kind, row in result["by_kind"].items():
        click.echo(f"  {KIND_ZH[kind]}: {row['useful']}/{row['marked']} useful")
    for level, row in result["by_level"].items():
        click.echo(f"  {level}: {row['useful']}/{row['marked']} useful")


@alerts.command()
@click.argument("event_id")
@click.option("--note", default="", help="Why it is closed (goes into the 结案 report).")
@click.pass_context
def close(ctx: click.Context, event_id: str, note: str) -> None:
    """Close an event by hand: its 结案 report is made and queued."""
    from alerts.closing import close_event

    settings = _settings(ctx)
    channels = make_channels(settings)
    with make_store(settings) as store:
        report = close_event(store, event_id, note, datetime.now(SHANGHAI), channels=channels,
                             worker=worker_name(settings), base_url=settings.alerts.base_url)
    if report is None:
        raise BadInput(f"event {event_id!r} is unknown, was never reported, or is already closed")
    click.echo(f"{report.id}: {report.title}")


@alerts.command()
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed of the stream.")
@click.option("--days", type=click.IntRange(1, 60), default=7, show_default=True,
              help="Days of stream (events fall in the last week).")
@click.option("--scale", type=click.FloatRange(0.05, 20), default=1.0, show_default=True,
              help="Volume factor (1.0 ≈ 15,000 posts a week).")
@click.option("--step", default="10m", show_default=True, help="Simulated time between evaluations.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the stream, its truth and the scratch store (default: a temporary one).")
@click.option("--json", "as_json", is_flag=True, help="Print the score as JSON.")
@click.pass_context
def simulate(ctx: click.Context, seed: int, days: int, scale: float, step: str, out: Path | None,
             as_json: bool) -> None:
    """Run a labeled synthetic stream through ingest, tagging and the alert engine with the
    configured thresholds, and score the reports: events reported once, delays, false reports."""
    import tempfile

    from alerts.scoring import format as format_score
    from alerts.simulate import simulate as run_simulation
    from alerts.synthetic import write_truth

    from ..build import make_tagger, make_watch

    settings = _settings(ctx)
    config = engine_config(settings)
    dt = _duration(step, "--step")
    with tempfile.TemporaryDirectory(prefix="jianyu-sim-") as tmp:
        folder = out or Path(tmp)
        sim = run_simulation(folder, make_tagger(settings), make_watch(settings), config,
                             seed=seed, days=days, scale=scale, step=dt)
        if out is not None:
            write_truth(sim.stream, folder / f"synthetic-{seed}-{days}d-{scale:g}x.truth.json")
    if as_json:
        emit_json({**sim.score.to_dict(), "posts": sim.result.posts,
                   "ingest_seconds": round(sim.ingest_seconds, 2),
                   "backtest_seconds": round(sim.backtest_seconds, 2)})
        return
    click.echo(f"{sim.result.posts} posts; ingest {sim.ingest_seconds:.1f} s, "
               f"backtest {sim.backtest_seconds:.1f} s")
    click.echo(format_score(sim.score))
