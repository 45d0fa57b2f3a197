"""`jianyu demo`: the main job end to end on the embedded store: bundled demo sites served on
127.0.0.1, crawled, tagged, stored, summarized and searched."""
from __future__ import annotations

import unicodedata
from datetime import timedelta
from pathlib import Path

import click

from indexer.ingest import read_jsonl
from indexer.store import SearchRequest
from nlp.errors import ModelError
from nlp.labels import SENTIMENT_ZH, TOPIC_ZH, Sentiment, Topic

from nlp.errors import BadInput

from ..build import crawl_options, make_chain, make_sources, make_store
from ..cli import _settings, cli
from ..config import SourceSettings
from .search import format_result

DEMO_POSTS = Path(__file__).resolve().parent.parent / "demo" / "posts.jsonl"
DEMO_PORT = 8730  # fixed, so the demo's canonical URLs (and so post ids) are the same each run
EXAMPLE_QUERIES = (
    "公车私用",
    "公益诉讼 AND 临河",
    "topic:juvenile",
    '"情况通报" OR 通报',
    "检察院 sentiment:negative -人民的名义",
)


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=DEMO_PORT, show_default=True,
              help="Port of the demo sites on 127.0.0.1 (0: any free port).")
@click.option("--import", "import_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Import this JSONL instead of crawling the demo sites.")
@click.pass_context
def demo(ctx: click.Context, port: int, import_file: Path | None) -> None:
    """Serve the bundled demo sites on 127.0.0.1, crawl them into the store, summarize and search."""
    from nlp.tagger import MODEL_DIR, Tagger
    from nlp.train import train

    settings = _settings(ctx)
    folder = Path(settings.nlp.model_dir or MODEL_DIR)
    try:
        Tagger.load(folder)
    except ModelError as e:
        click.echo(f"{e}\ntraining the tagger now …", err=True)
        train(model_dir=folder, with_cv=False)
    if import_file is not None:
        with make_store(settings) as store:
            summary = make_chain(settings, store).run(read_jsonl(import_file))
            click.echo(f"imported {import_file.name}: read {summary.read}, stored {summary.stored}, "
                       f"updated {summary.updated}, duplicates {summary.duplicates}, "
                       f"near-duplicates {summary.near_duplicates}, filtered {summary.filtered}, "
                       f"quarantined {summary.quarantined}")
    else:
        crawl_demo_sites(settings, port)
    with make_store(settings) as store:
        click.echo(f"store: {settings.store.path} ({store.count()} posts)\n")
        click.echo(topic_table(store))
        for q in EXAMPLE_QUERIES:
            result = store.search(SearchRequest(query=q, limit=3))
            click.echo(f"\n$ jianyu search '{q}'  →  {result.total} posts, newest 3:")
            click.echo(format_result(result))
        show_reports(store, settings)


def crawl_demo_sites(settings, port: int) -> None:
    from dataclasses import replace

    from crawlers.run import crawl
    from jianyu.demo.sites import DemoSites

    try:
        sites = DemoSites(port=port)
        base = sites.start()
    except OSError as e:
        raise BadInput(f"--port {port}: cannot serve the demo sites ({e.strerror}); choose another port") from None
    try:
        click.echo(f"demo sites on {base}: /news/ (RSS, Atom, sitemap), /jcy/ (GBK portal), "
                   "/weibo/ (search API), /search/", err=True)
        demo_settings = settings.model_copy(update={"sources": [SourceSettings(**s) for s in sites.sources()]})
        # The demo sites are ours and local: no need to wait between requests.
        options = replace(crawl_options(demo_settings), concurrency_per_domain=8, autothrottle=False)
        with make_store(settings) as store:
            reports = crawl(make_sources(demo_settings), make_chain(demo_settings, store), options)
    finally:
        sites.stop()
    for r in reports:
        d = r.to_dict()
        click.echo(f"{d['name']:22s} pages {d['pages']:4d}  posts {d['read']:4d}  stored {d['stored']:4d}  "
                   f"duplicates {d['duplicates']:4d}  filtered {d['filtered']:3d}  errors {d['errors']}")


def show_reports(store, settings) -> None:
    """Replay the stored posts through the alert engine, as `jianyu alerts backtest` does,
    print every report it makes, the first in full, and write them all as Markdown and
    HTML beside the store."""
    from alerts.backtest import backtest
    from alerts.render import render_markdown

    from ..build_alerts import engine_config
    from .alerts import write_reports

    times = [p.when for p in store.scan()]
    if not times:
        return
    start = min(times).replace(minute=0, second=0, microsecond=0)
    end = max(times) + timedelta(hours=6)
    result = backtest(store, start, end, timedelta(minutes=10), engine_config(settings))
    click.echo(f"\n$ jianyu alerts backtest --from {start:%Y-%m-%dT%H:%M} --to {end:%Y-%m-%dT%H:%M}"
               f"  →  {len(result.reports)} reports")
    if not result.reports:
        return
    folder = Path(settings.store.path).parent / "reports"
    for r in result.reports:
        click.echo(f"{r.sent_at:%Y-%m-%d %H:%M}  {r.kind_zh}  {r.level.zh}  {r.title}  ({r.post_count} posts)")
    write_reports(result.reports, folder)
    click.echo(f"\nthe reports as Markdown and HTML (with the trend chart): {folder}/\n")
    click.echo(render_markdown(result.reports[0]))


def topic_table(store) -> str:
    """Posts per topic and sentiment: the first thing an analyst looks at."""
    sentiments = list(Sentiment)
    rows = [pad("topic", 34) + "".join(pad(SENTIMENT_ZH[s], 8, right=True) for s in sentiments)
            + pad("total", 8, right=True)]
    for topic in Topic:
        counts = {v: n for v, n in store.facets(["sentiment"], query=f"topic:{topic.value}")["sentiment"]}
        total = sum(counts.values())
        if not total:
            continue
        rows.append(pad(f"{TOPIC_ZH[topic]} {topic.value}", 34)
                    + "".join(pad(str(counts.get(s.value, 0)), 8, right=True) for s in sentiments)
                    + pad(str(total), 8, right=True))
    return "\n".join(rows)


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a terminal width, counting a Chinese character as two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    fill = " " * max(0, width - used)
    return fill + text if right else text + fill
