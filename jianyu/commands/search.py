"""`jianyu search QUERY`: the analyst query language from the command line."""
from __future__ import annotations

import html
import re
import sys

import click

from indexer.store import SORTS, SearchRequest, SearchResult
from nlp.labels import SENTIMENT_ZH, TOPIC_ZH, Platform, Sentiment, Topic

from ..build import make_store
from ..cli import _settings, cli, emit_json
from ..timeparse import parse_when

_MARK = re.compile(r"<mark>(.*?)</mark>")


@cli.command()
@click.argument("query", nargs=-1)
@click.option("--from", "since", help="Start time: 2026-11-01, 2026-11-01T08:00, or 7d/24h ago.")
@click.option("--to", "until", help="End time (exclusive), same forms as --from.")
@click.option("--platform", type=click.Choice([p.value for p in Platform]))
@click.option("--site")
@click.option("--sentiment", type=click.Choice([s.value for s in Sentiment]))
@click.option("--topic", type=click.Choice([t.value for t in Topic]))
@click.option("--relevant", type=click.Choice(["true", "false"]))
@click.option("--region")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--sort", type=click.Choice(SORTS), default="time", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def search(ctx: click.Context, query: tuple[str, ...], since, until, platform, site, sentiment, topic,
           relevant, region, limit, offset, sort, as_json) -> None:
    """Search stored posts. QUERY: words, "phrases", AND / OR / NOT (+ | -), parentheses,
    field filters (platform: site: sentiment: topic: relevant: region: author: title: date:)."""
    settings = _settings(ctx)
    request = SearchRequest(
        query=" ".join(query),
        start=parse_when(since, "--from") if since else None,
        end=parse_when(until, "--to") if until else None,
        platform=platform, site=site, sentiment=sentiment, topic=topic,
        relevant=None if relevant is None else relevant == "true", region=region,
        sort=sort, limit=limit, offset=offset)
    request.ast()  # a malformed query fails here, before the store is opened
    with make_store(settings) as store:
        result = store.search(request)
    if as_json:
        emit_json(result_json(result))
    else:
        click.echo(format_result(result, color=sys.stdout.isatty()))


def result_json(result: SearchResult) -> dict:
    return {"total": result.total, "hits": [{
        "id": h.post.id, "url": h.post.url, "title": h.post.title, "text": h.post.text,
        "published_at": h.post.published_at.isoformat() if h.post.published_at else None,
        "platform": h.post.platform.value, "site": h.post.site, "author": h.post.author,
        "relevant": h.post.relevant,
        "sentiment": h.post.sentiment.value if h.post.sentiment else None,
        "topic": h.post.topic.value if h.post.topic else None,
        "highlight": h.highlight,
    } for h in result.hits]}


def format_result(result: SearchResult, color: bool = False) -> str:
    lines = [f"{result.total} posts"]
    for h in result.hits:
        p = h.post
        when = p.published_at.strftime("%Y-%m-%d %H:%M") if p.published_at else "—"
        labels = " ".join(x for x in (
            SENTIMENT_ZH[p.sentiment] if p.sentiment else "",
            TOPIC_ZH[p.topic] if p.topic else "") if x)
        lines.append(f"\n{when}  {p.platform.value}/{clean(p.site) or '-'}  [{labels}]  {clean(p.id)}")
        if p.title:
            lines.append(f"  {clean(p.title)}")
        lines.append("  " + terminal_snippet(h.highlight, color))
        if p.url:
            lines.append(f"  {clean(p.url)}")
    return "\n".join(lines)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    return _CONTROL.sub("", text)


def terminal_snippet(snippet: str, color: bool) -> str:
    """The HTML-safe highlight turned back into plain text, matches in bold or 【】.
    Control characters from crawled text are dropped so they cannot drive the terminal."""
    opening, closing = ("\x1b[1m", "\x1b[0m") if color else ("【", "】")
    parts = _MARK.split(snippet)  # even: plain text, odd: a match
    out = []
    for i, part in enumerate(parts):
        text = clean(html.unescape(part))
        out.append(f"{opening}{text}{closing}" if i % 2 else text)
    return "".join(out)
