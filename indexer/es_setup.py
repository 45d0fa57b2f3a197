"""Index templates, indices and aliases of a JianYu installation on a cluster.

Posts live in monthly indices (`jianyu-posts-2026.11`), all behind the read alias
`jianyu-posts`; the write alias `jianyu-posts-write` points at the current month, where
new posts go (a post already stored is updated where it is). A new month's index is made
from the template when the first post of that month is written, and the write alias
moves to it in one atomic alias change. Old months can then be closed, snapshotted or
dropped as whole indices (`prune`, driven by store.retention_months).

Events, reports, the outbox, cursors, quarantine, users and the crawler's state have
an index each. Everything here is idempotent: running it again changes nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nlp.errors import StoreError

from .es_wire import Conflict, Missing, Wire
from .esdsl import POST_MAPPING, STATE_MAPPINGS, Names, posts_template, state_mapping, state_template
from .post import SHANGHAI

log = logging.getLogger(__name__)


@dataclass
class Layout:
    wire: Wire
    names: Names
    shards: int = 1
    replicas: int = 1

    def install(self, now: datetime) -> list[str]:
        """Templates, state indices and the current month's posts index; returns what was
        created (empty when everything was there)."""
        w, n = self.wire, self.names
        created: list[str] = []
        w.call("install the posts index template", w.client.indices.put_index_template,
               name=n.posts, body=posts_template(n, self.shards, self.replicas))
        for kind in STATE_MAPPINGS:
            index = n.state(kind)
            w.call(f"install the {kind} index template", w.client.indices.put_index_template,
                   name=index, body=state_template(n, kind, self.replicas))
            if self._create(index, {}):
                created.append(index)
            else:   # an index made by an earlier version gets the fields added since
                w.call(f"update the mapping of {index}", w.client.indices.put_mapping,
                       index=index, body=state_mapping(kind))
        month = self.ensure_month(now)
        if month:
            created.append(month)
        else:   # the current month gets fields added since it was made; later months have them
            w.call("update the posts mapping", w.client.indices.put_mapping,
                   index=n.posts_month(now.astimezone(SHANGHAI)), body=POST_MAPPING)
        return created

    def ensure_month(self, now: datetime) -> str | None:
        """Make the index of `now`'s month (if missing) the write index; returns its name
        if it had to be created."""
        w, n = self.wire, self.names
        index = n.posts_month(now.astimezone(SHANGHAI))
        made = self._create(index, {"aliases": {n.posts: {}}})
        current = self.write_index()
        if current == index or (current and (n.month_of(current) or "") > (n.month_of(index) or "")):
            return index if made else None   # in place, or a clock behind the others': never move it back
        actions: list[dict[str, Any]] = [{"add": {"index": index, "alias": n.posts_write, "is_write_index": True}}]
        if current:
            actions.append({"add": {"index": current, "alias": n.posts_write, "is_write_index": False}})
        w.call("move the posts write alias", w.client.indices.update_aliases, body={"actions": actions})
        log.info("new posts now go to %s", index)
        return index if made else None

    def write_index(self) -> str | None:
        w, n = self.wire, self.names
        try:
            aliases = w.call("read the posts aliases", w.client.indices.get_alias, name=n.posts_write)
        except Missing:
            return None
        for index, info in aliases.items():
            if info.get("aliases", {}).get(n.posts_write, {}).get("is_write_index"):
                return index
        return None

    def ready(self) -> bool:
        w = self.wire
        return bool(w.call("look for the posts aliases", w.client.indices.exists_alias, name=self.names.posts_write))

    def months(self) -> list[str]:
        """Monthly posts indices, oldest first (open or closed)."""
        w, n = self.wire, self.names
        rows = w.call("list the posts indices", w.client.cat.indices, index=n.posts_pattern, format="json",
                      expand_wildcards="all")
        return sorted((r["index"] for r in rows if n.month_of(r["index"])), key=lambda i: n.month_of(i) or "")

    def stats(self) -> list[dict[str, Any]]:
        """Documents and size of every index of this installation."""
        w, n = self.wire, self.names
        rows = w.call("read index statistics", w.client.cat.indices, index=f"{n.prefix}-*", format="json",
                      expand_wildcards="all", bytes="b")
        out = [{"index": r["index"], "status": r.get("status", ""), "docs": int(r.get("docs.count") or 0),
                "bytes": int(r.get("store.size") or 0)} for r in rows]
        return sorted(out, key=lambda r: r["index"])

    def prune(self, keep_months: int, action: str, now: datetime, dry_run: bool = False) -> list[str]:
        """Close or delete the monthly indices older than the last `keep_months` months
        (the current one counts). A closed month leaves the read alias first, so searches
        skip it."""
        if keep_months <= 0:
            return []
        w, n = self.wire, self.names
        now = now.astimezone(SHANGHAI)
        y, m = now.year, now.month - (keep_months - 1)
        while m <= 0:
            y, m = y - 1, m + 12
        oldest_kept = f"{y:04d}.{m:02d}"
        old = [i for i in self.months() if (n.month_of(i) or "") < oldest_kept]
        status = {r["index"]: r["status"] for r in self.stats()}
        if action == "close":
            old = [i for i in old if status.get(i) != "close"]
        if dry_run or not old:
            return old
        for index in old:
            if action == "delete":
                w.call(f"delete {index}", w.client.indices.delete, index=index)
            else:
                w.call(f"take {index} out of the read alias", w.client.indices.update_aliases,
                       body={"actions": [{"remove": {"index": index, "alias": n.posts}}]})
                w.call(f"close {index}", w.client.indices.close, index=index)
            log.info("%s %s (store.retention_months: %d)", "deleted" if action == "delete" else "closed",
                     index, keep_months)
        return old

    def _create(self, index: str, body: dict[str, Any]) -> bool:
        w = self.wire
        if w.call(f"look for the index {index}", w.client.indices.exists, index=index):
            return False
        try:
            w.call(f"create the index {index}", w.client.indices.create, index=index, body=body)
        except StoreError as e:   # an existing index is a 400 resource_already_exists_exception
            if isinstance(e, Conflict) or "resource_already_exists" in str(e):
                return False
            raise
        return True
