"""The Spark class archive: the JVM option a new driver gets, and that this test run's own JVM maps
the archive `make install` recorded (segments/spark/class_archive.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from segments.settings import switched_off
from segments.spark.class_archive import SWITCH_ENV, archive_path, driver_java_option

MB = 2**20


def test_a_missing_archive_is_not_named(tmp_path, monkeypatch):
    # naming a missing file would turn off the JDK's own class sharing too
    monkeypatch.delenv(SWITCH_ENV, raising=False)
    assert driver_java_option(archive=tmp_path / "missing.jsa") == ""


def test_an_archive_is_mapped_unless_switched_off(tmp_path, monkeypatch):
    archive = tmp_path / "classes.jsa"
    archive.write_bytes(b"recorded")
    monkeypatch.delenv(SWITCH_ENV, raising=False)
    assert driver_java_option(archive=archive) == f"-XX:SharedArchiveFile={archive}"
    for off in ("off", "0", "false", "NO"):
        monkeypatch.setenv(SWITCH_ENV, off)
        assert driver_java_option(archive=archive) == ""


def test_recording_writes_to_the_file_given(tmp_path):
    option = driver_java_option(record_to=tmp_path / "classes.partial")
    assert option.split()[0] == f"-XX:ArchiveClassesAtExit={tmp_path / 'classes.partial'}"


def test_the_archive_lives_in_this_python_environment():
    import sys

    path = archive_path()
    assert path.is_relative_to(Path(sys.prefix)) and path.name.startswith("spark-classes-")
    assert archive_path() == path  # the same name every time for the same JDK and pyspark


def test_this_runs_spark_loads_its_classes_from_the_archive(spark):
    if switched_off(SWITCH_ENV):
        pytest.skip(f"{SWITCH_ENV} is off")
    archive = archive_path()
    assert archive.is_file(), f"no Spark class archive at {archive}: `make install` records it"
    jcmd = Path(shutil.which("java")).resolve().parent / "jcmd"
    pid = spark.sparkContext._gateway.proc.pid
    printed = subprocess.run([str(jcmd), str(pid), "PerfCounter.print"], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    counters = dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)
    shared = int(counters["sun.cls.sharedLoadedBytes"])
    # a new session maps about 3 MB of classes from the JDK's own archive, 24 MB with this one
    assert shared > 10 * MB, f"only {shared / MB:.1f} MB of classes came from an archive"
