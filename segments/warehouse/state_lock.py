"""One process at a time on a state folder.

The embedded Derby metastore admits a single JVM. Two guards, both checked before this process starts
its own JVM:
- our lock file, held for the whole command, which names the holder (pid, command, start time);
- Derby's own `dbex.lck`, which Derby locks with a POSIX record lock while a JVM has the metastore
  open. That catches holders that are not `segments` (a plain `dbt build`, a notebook).
The Derby probe must run before this process opens the metastore: POSIX locks belong to the process,
and closing our probe descriptor afterwards would release the lock our own JVM holds.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from segments.errors import UserError
from segments.settings import SETTINGS, Settings
from segments.warehouse.jvm import jvm_metastore_here


def _busy(settings: Settings, holder: str) -> UserError:
    return UserError(
        f"the state folder {settings.state_dir} is in use by {holder}",
        f"Wait for it to finish (or stop it), or set {SETTINGS['state_dir'].env} to another folder",
    )


def _describe_holder(lock_file: Path) -> str:
    try:
        info = json.loads(lock_file.read_text())
        return f"pid {info['pid']} (`{info['command']}`, since {info['started']})"
    except (OSError, ValueError, KeyError):
        return "another process"


def _derby_in_use(metastore_dir: Path) -> bool:
    derby_lock = metastore_dir / "dbex.lck"
    # Our own JVM on this metastore: probing would release its lock (see the module docstring).
    ours = jvm_metastore_here()
    if not derby_lock.exists() or (ours is not None and str(metastore_dir) in ours):
        return False
    with open(derby_lock, "r+b") as probe:
        try:
            fcntl.lockf(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(probe, fcntl.LOCK_UN)
    return False


@contextmanager
def hold_state_folder(settings: Settings, command: str | None = None) -> Iterator[None]:
    """Hold the state folder for the duration of a command, or fail with who holds it."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    settings.logs_dir.mkdir(exist_ok=True)
    handle = open(settings.lock_file, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise _busy(settings, _describe_holder(settings.lock_file)) from None
        if _derby_in_use(settings.metastore_dir):
            raise _busy(settings, "another program's Spark session (its Derby metastore is open)")
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "command": command or " ".join(["segments", *sys.argv[1:]]),
                    "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
        )
        handle.flush()
        yield
    finally:
        handle.close()  # releases the flock
