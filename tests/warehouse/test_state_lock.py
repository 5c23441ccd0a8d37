"""One process at a time on a state folder, with a clear message naming the holder."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from segments.errors import UserError
from segments.settings import Settings
from segments.warehouse.state_lock import hold_state_folder


def _holder(script: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"
    return process


@pytest.fixture
def state(tmp_path, settings) -> Settings:
    return Settings(project_dir=settings.project_dir, state_dir=tmp_path / "state")


def test_second_holder_is_refused_with_the_first_ones_pid(state):
    holder = _holder(f"""
        import sys, time
        from pathlib import Path
        from segments.settings import Settings
        from segments.warehouse.state_lock import hold_state_folder
        with hold_state_folder(Settings(Path('.'), Path({str(state.state_dir)!r})), command='segments run'):
            print('holding', flush=True)
            sys.stdin.read() if False else time.sleep(30)
    """)
    try:
        with pytest.raises(UserError, match=rf"in use by pid {holder.pid} \(`segments run`"):
            with hold_state_folder(state):
                pass
    finally:
        holder.kill()
        holder.wait()
    with hold_state_folder(state):  # released when the holder dies
        pass


def test_a_foreign_process_with_the_metastore_open_is_detected(state):
    # Derby holds a POSIX lock on metastore_db/dbex.lck while a JVM has the metastore open; any
    # process holding that lock (here a plain Python one) must be detected.
    (state.metastore_dir).mkdir(parents=True)
    lock_file = state.metastore_dir / "dbex.lck"
    lock_file.write_bytes(b"")
    holder = _holder(f"""
        import fcntl, time
        handle = open({str(lock_file)!r}, 'r+b')
        fcntl.lockf(handle, fcntl.LOCK_EX)
        print('holding', flush=True)
        time.sleep(30)
    """)
    try:
        with pytest.raises(UserError, match="another program's Spark session"):
            with hold_state_folder(state):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_lock_is_reentrant_across_sequential_commands(state):
    for _ in range(2):
        with hold_state_folder(state):
            pass
