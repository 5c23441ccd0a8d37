"""Shared fixtures: one state folder and one SparkSession for the whole test run.

The state folder is a fresh temporary one (never the developer's .segments), set through the same
environment variable users set, before anything reads it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.helpers import FIXTURE_THRESHOLDS, write_quality_config

STATE_DIR = Path(tempfile.mkdtemp(prefix="segments-tests-"))
os.environ["SEGMENTS_HOME"] = str(STATE_DIR)
os.environ["DBT_TARGET_PATH"] = str(STATE_DIR / "dbt-target")
os.environ.setdefault("SEGMENTS_DRIVER_MEMORY", "4g")


@pytest.fixture(scope="session")
def fixture_quality(tmp_path_factory) -> Path:
    return write_quality_config(tmp_path_factory.mktemp("quality") / "quality.yml", FIXTURE_THRESHOLDS)


@pytest.fixture(scope="session")
def settings():
    from segments.settings import load_settings

    loaded = load_settings()
    yield loaded
    shutil.rmtree(STATE_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def spark(settings):
    from segments.warehouse.session import embedded_session

    session = embedded_session(settings)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def rows(spark):
    """rows("analytics.x", "id") -> a small table as a list of dicts, in a fixed order."""

    def read(name: str, order_by: str, where: str = "true") -> list[dict]:
        query = f"select * from {name} where {where} order by {order_by}"
        return [row.asDict() for row in spark.sql(query).collect()]

    return read
