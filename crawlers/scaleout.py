"""Scale-out: with `crawl.redis_url` set, the spiders of several crawler processes (or
machines) share one request queue and one duplicate filter in Redis, through scrapy-redis,
and so split each round's work between them.

scrapy-redis 0.9 runs on Scrapy 2.19 as it is, but for three things this adapter mends:

- it passes ``spider=`` to the stats collector, which Scrapy 2.19 deprecates (a warning
  for every request, an error under ``-W error``);
- a process stops as soon as the shared queue is empty, even while another process is
  still parsing a page that will add requests to it; and with ``SCHEDULER_PERSIST`` off,
  the first process to stop deletes the queue and the filter under the others;
- its keys are named after the spider alone.

Keys, per source (``{prefix}:{source}:…``): ``requests`` (scrapy-redis's priority queue, a
sorted set), ``dupefilter`` (request fingerprints), ``workers`` (worker id → its last
heartbeat, in Redis's clock) and ``busy`` (the workers holding requests).

A round ends for everyone when the queue is empty and no live worker is busy. A worker
joins ``busy`` in the same atomic step that pops a request from the queue, and leaves it
when Scrapy finds it idle (nothing downloading, nothing being parsed, so every request its
pages led to is already in the queue); one script reads the queue and ``busy`` together,
so they never both look empty while work remains. An idle worker that sees work left
waits and looks again every `POLL` seconds. A worker whose heartbeat is older than
`WORKER_TIMEOUT` is taken for dead: the requests it held are lost to this round (the next
round finds their pages again).

Queue persistence is off at the end of a round: the last worker to leave deletes the
source's keys (unless ``SCHEDULER_PERSIST``), and a worker that arrives to find no live
worker deletes what a dead round left behind.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from nlp.errors import ConfigError, JianYuError

log = logging.getLogger(__name__)

KEY_PREFIX = "jianyu"
QUEUE_CLASS = "scrapy_redis.queue.PriorityQueue"  # the scripts below read its sorted set
HEARTBEAT = 10.0        # seconds between a worker's heartbeats
WORKER_TIMEOUT = 60     # a worker silent this long is taken for dead
POLL = 0.5              # seconds between looks while others still hold requests

# Shared by the scripts: forget workers whose heartbeat is too old. KEYS[2] busy, KEYS[3] workers.
_REAP = """
local now = tonumber(redis.call('TIME')[1])
local beats = redis.call('HGETALL', KEYS[3])
for i = 1, #beats, 2 do
  if now - tonumber(beats[i + 1]) > tonumber(ARGV[2]) then
    redis.call('HDEL', KEYS[3], beats[i])
  end
end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HEXISTS', KEYS[3], w) == 0 then redis.call('SREM', KEYS[2], w) end
end
"""
# KEYS: requests, busy, workers, dupefilter; ARGV: worker, timeout.
_JOIN = _REAP + """
local stale = 0
if redis.call('HLEN', KEYS[3]) == 0 then
  stale = redis.call('ZCARD', KEYS[1]) + redis.call('SCARD', KEYS[4])
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
end
redis.call('HSET', KEYS[3], ARGV[1], now)
return stale
"""
# KEYS: requests, busy, workers; ARGV: worker. The request with the best score, and the worker marked busy.
_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0)
if #top == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('SADD', KEYS[2], ARGV[1])
return top[1]
"""
# KEYS: requests, busy, workers; ARGV: worker, timeout. -> {requests queued, workers busy}
_IDLE = _REAP + """
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], now)
return {redis.call('ZCARD', KEYS[1]), redis.call('SCARD', KEYS[2])}
"""
# KEYS: workers; ARGV: worker.
_BEAT = "redis.call('HSET', KEYS[1], ARGV[1], redis.call('TIME')[1]) return 1"
# KEYS: requests, busy, workers, dupefilter; ARGV: worker, timeout, persist. -> workers left
_LEAVE = _REAP + """
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
local left = redis.call('HLEN', KEYS[3])
if left == 0 and ARGV[3] == '0' then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4]) end
return left
"""


def redis_settings(url: str, prefix: str = KEY_PREFIX) -> dict:
    """The Scrapy settings that put a crawl's scheduler and duplicate filter in Redis."""
    return {
        "SCHEDULER": "crawlers.scaleout.RedisScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": QUEUE_CLASS,
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        "SCHEDULER_PERSIST": False,
        "REDIS_URL": url,
    }


def check_redis(url: str) -> None:
    """Fails early, with a message naming the setting, when Redis cannot be used."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    except ValueError as e:
        raise ConfigError(f"crawl.redis_url: not a Redis URL ({e})") from None
    kw = client.connection_pool.connection_kwargs
    where = kw.get("path") or f"{kw.get('host')}:{kw.get('port')}/{kw.get('db', 0)}"  # never the password
    try:
        client.ping()
    except redis.RedisError as e:
        raise JianYuError(f"crawl.redis_url: cannot use Redis at {where}: {e}") from None
    finally:
        client.close()


class RedisScheduler(Scheduler):
    """scrapy-redis's scheduler, shared by the workers of one round (see the module doc)."""

    @classmethod
    def from_crawler(cls, crawler):
        self = cls.from_settings(crawler.settings)
        self.stats = crawler.stats
        self.crawler = crawler
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.timeout = WORKER_TIMEOUT
        self._scripts = {name: self.server.register_script(text) for name, text in
                         (("join", _JOIN), ("pop", _POP), ("idle", _IDLE), ("beat", _BEAT), ("leave", _LEAVE))}
        self._beat = task.LoopingCall(self._heartbeat)
        crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        return self

    def open(self, spider):
        super().open(spider)
        base = self.queue.key.rpartition(":")[0]  # {prefix}:{source}
        self.busy_key, self.workers_key = f"{base}:busy", f"{base}:workers"
        stale = self._scripts["join"](keys=self._keys(dupefilter=True), args=[self.worker, self.timeout])
        if stale:
            log.warning("%s: cleared %d requests and fingerprints left by an unfinished round", spider.name, stale)
        self._beat.start(HEARTBEAT, now=False)

    def close(self, reason):
        if self._beat.running:
            self._beat.stop()
        left = self._scripts["leave"](keys=self._keys(dupefilter=True),
                                      args=[self.worker, self.timeout, int(self.persist)])
        log.debug("%s: left the shared round (%s), %d worker(s) still on it", self.spider.name, reason, left)

    def _keys(self, dupefilter: bool = False) -> list[str]:
        keys = [self.queue.key, self.busy_key, self.workers_key]
        return keys + [self.df.key] if dupefilter else keys

    def _heartbeat(self) -> None:
        try:
            self._scripts["beat"](keys=[self.workers_key], args=[self.worker])
        except redis.RedisError as e:  # one missed beat is harmless; say so and go on
            log.warning("redis heartbeat failed: %s", e)

    # -- the scheduler interface, without the deprecated spider= arguments --------------
    def enqueue_request(self, request):
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        data = self._scripts["pop"](keys=self._keys(), args=[self.worker])
        if data is None:
            return None
        self.stats.inc_value("scheduler/dequeued/redis")
        return self.queue._decode_request(data)

    # -- the end of the shared round -------------------------------------------------
    def _spider_idle(self, spider):
        queued, busy = self._scripts["idle"](keys=self._keys(), args=[self.worker, self.timeout])
        if queued or busy:
            from twisted.internet import reactor  # installed by Scrapy by now; importing it earlier would install the default one

            reactor.callLater(POLL, self._wake)
            raise DontCloseSpider(f"{queued} requests queued, {busy} workers busy")

    def _wake(self) -> None:
        """Ask the engine for requests now rather than at its next 5-second heartbeat."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()
