"""Reading the next page while this one is converted, and pausing the collector safely.

The vendor answers while the loader parses and converts: the request for page n+1 is in flight
(and the emulator or vendor renders it on its own core) while page n becomes Arrow. The first
half of a hand-written loader's time is often waiting on the network; reading ahead hides it.

The collector pause is shared by threads: the reader parses under it, the converter converts
under it, and the collector runs again only when neither needs it paused.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_pause_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector stays off inside; nested and threaded uses count.

    Only the outermost pause switches it back on, and only if it was on before: a pause never
    leaves the collector off, and never turns on a collector someone else switched off.
    """
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


_PAGE, _END, _FAILED = "page", "end", "failed"


def read_ahead(pages: Iterable[T], depth: int = 2, name: str = "pages") -> Iterator[T]:
    """Yield `pages` in order while a thread fetches up to `depth` pages ahead.

    An exception raised while fetching is raised here, at the page where it happened. Closing
    this generator early tells the thread to stop at its next page; the thread is a daemon, so
    one still waiting on a slow answer never holds the process open.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: tuple) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for page in pages:
                if not hand_over((_PAGE, page)):
                    return
                del page  # the consumer holds the only reference once it takes the page
            hand_over((_END, None))
        except BaseException as exc:  # handed to the consumer, raised there
            hand_over((_FAILED, exc))

    thread = threading.Thread(target=fetch, name=f"read-ahead {name}", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = ready.get()
            if kind == _END:
                return
            if kind == _FAILED:
                raise item
            yield item
            del item
    finally:
        stop.set()
