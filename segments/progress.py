"""Progress lines for long steps: `[1/3] Ingest ...` then `      done in 4.2 s`."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    def __init__(self, steps: int, stream: TextIO | None = None) -> None:
        self.steps = steps
        self.current = 0
        self.stream = stream or sys.stdout
        self.seconds: dict[str, float] = {}  # step key -> wall time, for the summary and benchmarks
        self.windows: dict[str, tuple[float, float]] = {}  # step key -> (start, end) epoch seconds
        self._lock = threading.Lock()  # dbt reports nodes from its worker threads

    def say(self, text: str) -> None:
        with self._lock:
            print(text, file=self.stream, flush=True)

    @contextmanager
    def step(self, key: str, title: str) -> Iterator[None]:
        self.current += 1
        self.say(f"[{self.current}/{self.steps}] {title}")
        started, wall_started = time.monotonic(), time.time()
        yield
        self.seconds[key] = time.monotonic() - started
        self.windows[key] = (wall_started, time.time())
        self.say(f"      done in {self.seconds[key]:.1f} s")
