"""gunicorn's settings for the web processes; gunicorn reads `./gunicorn.conf.py` on its own, so the
image's command, docker-compose and the list benchmark all use it. Command-line flags win."""

from __future__ import annotations

import gc

# A request allocates some 100,000 objects. With Python's default threshold (700) the collector
# ran one or two young collections a request and a middle one every few, each walking what the
# request still held: about 1 ms of CPU of a deal API list of 7 ms.
GC_THRESHOLD = (20_000, 20, 20)


def post_worker_init(worker) -> None:
    """Once the app is loaded in a worker: what lives as long as the worker (modules, settings,
    the URL conf) leaves the collector's generations, and young collections run less often."""
    worker_gc_tune()


def worker_gc_tune() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
