"""Threaded local servers for the channel and outbox tests, stopped when the test ends."""
from __future__ import annotations

import threading
from contextlib import contextmanager


@contextmanager
def threaded(make):
    """Yields `start(*args, **kw)`, which builds a server with `make` and serves it on a
    thread; every server started is shut down and joined on exit."""
    servers = []

    def start(*args, **kw):
        server = make(*args, **kw)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        servers.append((server, thread))
        return server

    try:
        yield start
    finally:
        for server, thread in servers:
            server.shutdown()
            server.server_close()
            thread.join()
