"""Rate limiting of repeated log lines.

A store outage makes every request log the same warning; thousands of identical lines a minute
bury everything else. ``RepeatFilter`` lets an identical line (same logger, level and text)
through once per window (ORGGRAPH_LOG_REPEAT_SECONDS) and counts the rest; once the window has
passed, the next line logged says how many identical lines were left out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

Key = tuple[str, int, str]  # logger name, level, message


class RepeatFilter(logging.Filter):
    MAX_KEYS = 1000

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[Key, list[float]] = {}  # key -> [window start, suppressed count]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.window <= 0 or getattr(record, "_orggraph_summary", False):
            return True
        key = (record.name, record.levelno, record.getMessage())
        now = self.clock()
        with self._lock:
            due = [(k, int(v[1])) for k, v in self._seen.items() if now - v[0] >= self.window]
            for k, _ in due:
                del self._seen[k]
            state = self._seen.get(key)
            if state is not None:
                state[1] += 1
                passed = False
            else:
                self._seen[key] = [now, 0]
                passed = True
                if len(self._seen) > self.MAX_KEYS:  # a flood of distinct lines: start afresh
                    self._seen = {key: self._seen[key]}
        for (name, level, msg), n in due:
            if n:
                self._summary(name, level, msg, n)
        return passed

    def _summary(self, name: str, level: int, msg: str, n: int) -> None:
        logger = logging.getLogger(name)
        rec = logger.makeRecord(
            name,
            level,
            "(repeat filter)",
            0,
            "上一条日志在 %g 秒内又重复了 %d 次，已省略 / the line below repeated %d more times in %g s"
            " (suppressed): %s",
            (self.window, n, n, self.window, msg),
            None,
            extra={"_orggraph_summary": True},
        )
        logger.handle(rec)


def limit_repeats(logger: logging.Logger, window: float) -> RepeatFilter:
    """Install a RepeatFilter on ``logger`` once; a second call (a new app in the same process)
    sets its window and starts its counts afresh."""
    for f in logger.filters:
        if isinstance(f, RepeatFilter):
            with f._lock:
                f.window = window
                f._seen.clear()
            return f
    f = RepeatFilter(window)
    logger.addFilter(f)
    return f
