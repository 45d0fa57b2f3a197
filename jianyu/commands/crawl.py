"""`jianyu crawl [SOURCE…]`, `jianyu sources` and `jianyu evidence POST_ID`."""
from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import click

from nlp.errors import BadInput

from ..build import crawl_options, make_chain, make_sources, make_store
from ..cli import _settings, cli, emit_json


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the per-source summary as JSON.")
@click.pass_context
def crawl(ctx: click.Context, names: tuple[str, ...], as_json: bool) -> None:
    """One crawl round over the configured sources (or the named ones)."""
    from crawlers.run import crawl as run_round

    settings = _settings(ctx)
    sources = make_sources(settings, list(names) or None)
    if not sources:
        raise BadInput("no sources configured (add `sources:` to jianyu.yaml)")
    with make_store(settings) as store:
        chain = make_chain(settings, store)
        reports = run_round(sources, chain, crawl_options(settings))
    rows = [r.to_dict() for r in reports]
    if as_json:
        emit_json({"sources": rows})
        return
    for r in rows:
        click.echo(f"{r['name']}: pages {r['pages']}, skipped {r['skipped']}, errors {r['errors']}; "
                   f"posts read {r['read']}, stored {r['stored']}, updated {r['updated']}, "
                   f"duplicates {r['duplicates']}, filtered {r['filtered']}, quarantined {r['quarantined']}"
                   + (f"\n  last error: {r['last_error']}" if r["last_error"] else ""))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the health records as JSON.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """Each configured source and its health: last success, pages, posts, errors, last error.
    Sources the store has health records for but the configuration no longer lists (or a
    store `jianyu demo` filled) follow, marked as not configured."""
    settings = _settings(ctx)
    now = datetime.now(timezone.utc)
    with make_store(settings) as store:
        health = {h.name: h for h in store.crawl.health()}
    configured = {s.name: s for s in settings.sources}
    if not configured and not health:
        raise BadInput("no sources configured (add `sources:` to jianyu.yaml) and no crawl recorded in the store")
    rows = [_health_row(s.name, s.type, s.interval, health.get(s.name), now) for s in settings.sources]
    rows += [_health_row(name, None, None, h, now) for name, h in sorted(health.items()) if name not in configured]
    if as_json:
        emit_json({"sources": rows})
        return
    for r in rows:
        kind = f"{r['type']:8s} every {r['interval']}s" if r["configured"] else "(not configured)"
        click.echo(f"{r['name']:24s} {kind}  rounds {r['rounds']}  "
                   f"pages {r['pages']}  posts {r['posts']}  errors {r['errors']}  "
                   f"last success {r['last_success'] or '—'}" + (f"  ⚠ {r['flag']}" if r["flag"] else ""))
        if r["last_error"]:
            click.echo(f"    last error: {r['last_error']}")


def _health_row(name: str, kind: str | None, interval: int | None, h, now: datetime) -> dict:
    """One source's line of `jianyu sources`; kind and interval are None for a source the
    configuration does not list (it is then never flagged: nothing says how often it should run)."""
    return {
        "name": name, "type": kind, "interval": interval, "configured": kind is not None,
        "rounds": h.rounds if h else 0,
        "last_run": h.last_run.isoformat() if h and h.last_run else None,
        "last_success": h.last_success.isoformat() if h and h.last_success else None,
        "last_post": h.last_post.isoformat() if h and h.last_post else None,
        "pages": h.pages if h else 0, "posts": h.posts if h else 0, "errors": h.errors if h else 0,
        "last_error": h.last_error if h else "",
        "flag": flag(interval, h, now) if interval is not None else "",
    }


STALE_ROUNDS = 3     # a source without a successful round for this many intervals is flagged
QUIET_SECONDS = 86400  # … and one that has yielded no new post for a day (or 3 intervals, if longer)


def flag(interval: int, h, now: datetime) -> str:
    """Why a source needs a look, or "" when it is healthy."""
    if h is None or not h.rounds:
        return "never crawled"
    if h.last_success is None:
        return "no successful round yet"
    if (now - h.last_success).total_seconds() > STALE_ROUNDS * interval:
        return f"no successful round for more than {STALE_ROUNDS} intervals"
    quiet = max(QUIET_SECONDS, STALE_ROUNDS * interval)
    if h.last_post is None:
        return "has never yielded a post" if h.rounds >= STALE_ROUNDS else ""
    if (now - h.last_post).total_seconds() > quiet:
        return f"no new post for {int((now - h.last_post).total_seconds() // 3600)} hours"
    return ""


@cli.command()
@click.argument("post_id")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("evidence"),
              show_default=True, help="Folder to write the snapshot and manifest into.")
@click.pass_context
def evidence(ctx: click.Context, post_id: str, out_dir: Path) -> None:
    """Write the raw page(s) a post was captured from, with a manifest (证据固定)."""
    settings = _settings(ctx)
    with make_store(settings) as store:
        post = store.get(post_id)
        records = store.crawl.evidence_for(post_id)
    if post is None:
        raise BadInput(f"no post with id {post_id}")
    if not records:
        raise BadInput(f"post {post_id} has no captured evidence (it was imported, not crawled)")
    folder = out_dir / post_id
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"post_id": post_id, "url": post.url, "title": post.title, "captures": []}
    for ev in records:
        body = gzip.decompress(ev.body_gz)
        if hashlib.sha256(body).hexdigest() != ev.sha256:
            raise BadInput(f"evidence {ev.sha256} does not match its digest: the store is damaged")
        name = f"{ev.captured_at:%Y%m%dT%H%M%S}-{ev.sha256[:12]}.raw"
        (folder / name).write_bytes(body)
        manifest["captures"].append({"file": name, "sha256": ev.sha256, "url": ev.url, "status": ev.status,
                                     "captured_at": ev.captured_at.isoformat(), "content_type": ev.content_type,
                                     "headers": ev.headers, "bytes": len(body)})
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(f"{len(records)} capture(s) of {post_id} written to {folder}")
