"""`jianyu demo`: the main job end to end on the embedded store, from bundled posts."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import click

from indexer.ingest import read_jsonl
from indexer.store import SearchRequest
from nlp.errors import ModelError
from nlp.labels import SENTIMENT_ZH, TOPIC_ZH, Sentiment, Topic

from ..build import make_chain, make_store
from ..cli import _settings, cli
from .search import format_result

DEMO_POSTS = Path(__file__).resolve().parent.parent / "demo" / "posts.jsonl"
EXAMPLE_QUERIES = (
    "公车私用",
    "公益诉讼 AND 临河",
    "topic:juvenile",
    '"情况通报" OR 通报',
    "检察院 sentiment:negative -人民的名义",
)


@cli.command()
@click.option("--posts", type=click.Path(dir_okay=False, path_type=Path), default=DEMO_POSTS,
              show_default=False, help="JSONL to import (default: the bundled demo posts).")
@click.pass_context
def demo(ctx: click.Context, posts: Path) -> None:
    """Train the tagger if needed, import the demo posts, summarize and run example searches."""
    from nlp.tagger import MODEL_DIR, Tagger
    from nlp.train import train

    settings = _settings(ctx)
    folder = Path(settings.nlp.model_dir or MODEL_DIR)
    try:
        Tagger.load(folder)
    except ModelError as e:
        click.echo(f"{e}\ntraining the tagger now …", err=True)
        train(model_dir=folder, with_cv=False)
    with make_store(settings) as store:
        chain = make_chain(settings, store)
        summary = chain.run(read_jsonl(posts))
        click.echo(f"imported {posts.name}: read {summary.read}, stored {summary.stored}, "
                   f"updated {summary.updated}, duplicates {summary.duplicates}, "
                   f"near-duplicates {summary.near_duplicates}, filtered {summary.filtered}, "
                   f"quarantined {summary.quarantined}")
        click.echo(f"store: {settings.store.path} ({store.count()} posts)\n")
        click.echo(topic_table(store))
        for q in EXAMPLE_QUERIES:
            result = store.search(SearchRequest(query=q, limit=3))
            click.echo(f"\n$ jianyu search '{q}'  →  {result.total} posts, newest 3:")
            click.echo(format_result(result))


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
