"""`segments serve` for real: the Thrift server and Spark Connect on one session, dbt over Thrift and
ml over Spark Connect, beeline and SQLAlchemy (PyHive) as BI readers, a restart, readers during a
killed and a repeated run, LDAP against a real slapd, and a Spark standalone cluster.

One state folder for the module: an embedded `segments run` first, whose tables are the reference
every later run through a server must reproduce. Marked `server` (`make test-fast` skips them; CI
runs them). The tests run in file order: the last two restart the server in other configurations.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import FIXTURES
from tests.serving import (
    BIN,
    PROJECT_DIR,
    Server,
    Slapd,
    StandaloneCluster,
    beeline,
    hive_connection,
    read_tables,
    segments,
    server_env,
)

pytestmark = pytest.mark.server
SMALL = FIXTURES / "online_retail_small.csv"


@pytest.fixture(scope="module")
def env(tmp_path_factory, fixture_quality) -> dict[str, str]:
    return server_env(os.environ, tmp_path_factory.mktemp("served-state")) | {"QUALITY": str(fixture_quality)}


def run_args(env: dict[str, str], *extra: str) -> list[str]:
    return ["run", "--data", str(SMALL), "--k-max", "4", "--quality-config", env["QUALITY"], *extra]


@pytest.fixture(scope="module")
def served(env):
    """The reference tables of an embedded run, then a server on the same state folder."""
    embedded = segments(run_args(env), env)
    assert embedded.returncode == 0, embedded.stderr
    server = Server(env).wait_ready()
    state = {"server": server, "reference": read_tables(env)}
    yield state
    state["server"].kill()


def test_mistakes_get_one_clear_line(env):
    public = segments(["serve", "--host", "0.0.0.0"], env, timeout=60)
    assert public.returncode == 1
    assert "refusing to listen on 0.0.0.0 without authentication" in public.stderr
    half_ldap = segments(["serve"], env | {"SEGMENTS_LDAP_URL": "ldap://127.0.0.1:1"}, timeout=60)
    assert half_ldap.returncode == 1 and "SEGMENTS_LDAP_BASE_DN" in half_ldap.stderr
    nothing = segments(["serve", "--stop"], env, timeout=60)
    assert nothing.returncode == 1 and "no server is running" in nothing.stderr
    client = segments(run_args(env, "--target", "thrift"), env, timeout=120)
    assert client.returncode == 1 and "no Spark Thrift server answers" in client.stderr
    assert "Traceback" not in public.stderr + half_ldap.stderr + nothing.stderr + client.stderr


def test_run_through_the_server_builds_the_same_tables_as_embedded(served, env):
    served["server"].wait_ready()
    info = (Path(env["SEGMENTS_HOME"]) / "server.json").read_text()
    assert f'"port": {env["SEGMENTS_THRIFT_PORT"]}' in info
    through = segments(run_args(env, "--target", "thrift"), env)
    assert through.returncode == 0, through.stdout[-3000:] + through.stderr
    assert "Connect to the server: dbt over jdbc:hive2://127.0.0.1:" in through.stdout
    assert read_tables(env) == served["reference"]


def test_a_backtest_through_the_server_builds_its_tables_and_fails_loudly_without_a_model(served, env):
    """dbt over Thrift, the refits over Spark Connect, the checks and the page; on the fixture's four
    calibration customers the value models cannot be fitted, so the metrics' floors fail, exit 1."""
    served["server"].wait_ready()
    args = ["backtest", "--calibration-end", "2011-05-31", "--k", "2", "--k-max", "3"]
    result = segments([*args, "--quality-config", env["QUALITY"], "--target", "thrift"], env)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    assert "bg_nbd: not fitted (too_few_customers)" in result.stdout
    assert "purchases_correlation was computed (the models fitted)" in result.stderr
    assert "Traceback" not in result.stderr
    assert (Path(env["SEGMENTS_HOME"]) / "reports" / "backtest.html").is_file()
    read = beeline(env, "select count(*) as n, count_if(bought_again) as again from backtest.backtest_customers;")
    assert read.returncode == 0, read.stderr
    assert [line for line in read.stdout.splitlines() if line.strip()][1:] == ["4,1"]


def test_models_dropped_over_connect_are_freed_after_the_block_not_by_finalisers(served, env):
    """pyspark 4.1 frees a Connect model from its finaliser with an RPC, which deadlocks when it lands
    inside another RPC (it hung this test module's run in CI). ml/connect_release.py queues them."""
    churn = subprocess.run(
        [
            str(BIN / "python"),
            "-m",
            "tests.serve.connect_model_churn",
            f"sc://127.0.0.1:{env['SEGMENTS_CONNECT_PORT']}",
        ],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert churn.returncode == 0, churn.stderr[-3000:]
    ids = json.loads(churn.stdout.splitlines()[-1])
    assert len(ids["dropped"]) == 10
    assert sorted(ids["queued"]) == sorted(ids["dropped"])  # no finaliser sent anything inside the block
    assert set(ids["dropped"]) <= set(ids["on_server"])
    assert ids["after"] == []  # and the block's end freed them all


def test_a_second_server_is_refused(served, env, tmp_path):
    same_state = segments(["serve"], env, timeout=60)
    assert same_state.returncode == 1 and "is in use by pid" in same_state.stderr
    same_port = segments(
        ["serve"], server_env(env, tmp_path) | {"SEGMENTS_THRIFT_PORT": env["SEGMENTS_THRIFT_PORT"]}, timeout=60
    )
    assert same_port.returncode == 1
    assert f"port {env['SEGMENTS_THRIFT_PORT']} on 127.0.0.1 is already in use" in same_port.stderr


def test_beeline_reads_the_published_tables(served, env):
    reference = served["reference"]
    result = beeline(
        env,
        "select count(*) as customers from customer_segments; "
        "select segment_type, segment, customers from segment_summary order by 1, 2;",
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines[0] == "customers" and int(lines[1]) == len(reference["analytics.customer_segments"])
    assert lines[2] == "segment_type,segment,customers"
    summary = [line.split(",") for line in lines[3:]]
    assert len(summary) == len(reference["analytics.segment_summary"])
    assert {(t, s): int(n) for t, s, n in summary} == {
        (row[0], row[1]): row[2] for row in reference["analytics.segment_summary"]
    }


def test_sqlalchemy_hive_dialect_reads_like_superset(served, env):
    import sqlalchemy

    engine = sqlalchemy.create_engine(f"hive://superset@127.0.0.1:{env['SEGMENTS_THRIFT_PORT']}/analytics")
    with engine.connect() as connection:
        summary = connection.execute(
            sqlalchemy.text("select segment_type, segment, customers from segment_summary")
        ).fetchall()
        segments_table = sqlalchemy.Table("customer_segments", sqlalchemy.MetaData(), autoload_with=connection)
        customers = connection.execute(sqlalchemy.select(sqlalchemy.func.count()).select_from(segments_table)).scalar()
    assert "customer_id" in segments_table.columns and "kmeans_segment" in segments_table.columns
    assert customers == len(served["reference"]["analytics.customer_segments"])
    assert sorted(summary) == sorted(
        (row[0], row[1], row[2]) for row in served["reference"]["analytics.segment_summary"]
    )


def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


class Readers(threading.Thread):
    """A BI tool polling the published tables as fast as it can, recording every error."""

    QUERIES = [
        "select count(*) from analytics.customer_segments",
        "select sum(customers) from analytics.segment_summary where segment_type = 'kmeans'",
        "select count(*) from analytics.fct_customer_rfm",
    ]

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.env, self.stop, self.errors, self.answers = env, threading.Event(), [], []

    def run(self) -> None:
        connection = hive_connection(self.env)
        cursor = connection.cursor()
        while not self.stop.is_set():
            for query in self.QUERIES:
                try:
                    cursor.execute(query)
                    self.answers.append((query, cursor.fetchall()[0][0]))
                except Exception as error:  # noqa: BLE001 - every failure is the finding
                    self.errors.append(f"{query}: {str(error)[:300]}")
        connection.close()


def test_readers_never_fail_while_a_run_is_killed_and_run_again(served, env):
    reference = served["reference"]
    readers = Readers(env)
    readers.start()
    log = open(os.path.join(env["SEGMENTS_HOME"], "killed-run.out"), "w+")
    killed = subprocess.Popen(
        [str(BIN / "segments"), *run_args(env, "--target", "thrift")],
        env=env,
        cwd=PROJECT_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for(lambda: " ok    model" in open(log.name).read().partition("[4/10]")[2], timeout=300)
    time.sleep(10)  # a few models into the dbt build
    os.killpg(killed.pid, 9)  # kill -9 of the client, mid-way through the dbt build
    killed.wait()
    again = segments(run_args(env, "--target", "thrift"), env)
    readers.stop.set()
    readers.join(timeout=120)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr
    assert readers.errors == []
    assert len(readers.answers) > 30
    allowed = {
        Readers.QUERIES[0]: len(reference["analytics.customer_segments"]),
        Readers.QUERIES[2]: len(reference["analytics.fct_customer_rfm"]),
    }
    assert all(value == allowed[query] for query, value in readers.answers if query in allowed)
    assert read_tables(env) == reference


def test_tables_survive_a_restart_and_ldap_guards_a_public_address(served, env, tmp_path):
    served["server"].stop()
    assert not (Path(env["SEGMENTS_HOME"]) / "server.json").exists()
    slapd = Slapd(tmp_path / "ldap", user="analyst", password="s3cret-for-tests")
    ldap_env = env | {"SEGMENTS_LDAP_URL": slapd.url, "SEGMENTS_LDAP_BASE_DN": slapd.base_dn}
    try:
        served["server"] = Server(ldap_env, "--host", "0.0.0.0").wait_ready()
        assert "(LDAP user and password)" in served["server"].output()
        refused = "Error validating the login"
        for login in ({"password": "not-the-password"}, {"password": ""}, {}):  # wrong, empty, none
            with pytest.raises(Exception, match=refused):
                read_tables(env, user="analyst", **login)
        with pytest.raises(Exception, match=refused):
            read_tables(env, user="nobody", password="s3cret-for-tests")
        assert read_tables(env, user="analyst", password="s3cret-for-tests") == served["reference"]
        wrong = beeline(env, "select 1", user="analyst", password="not-the-password")
        assert wrong.returncode != 0 and refused in wrong.stdout + wrong.stderr
        allowed = beeline(
            env, "select count(*) as n from customer_segments", user="analyst", password="s3cret-for-tests"
        )
        assert allowed.returncode == 0, allowed.stderr
    finally:
        served["server"].stop()
        slapd.stop()


def test_the_pipeline_runs_on_a_standalone_cluster(served, env, tmp_path):
    served["server"].stop()  # one server per state folder
    cluster = StandaloneCluster(tmp_path)
    try:
        served["server"] = Server(env, "--master", cluster.url, "--conf", "spark.executor.memory=2g").wait_ready()
        assert f"Starting Spark ({cluster.url})" in served["server"].output()
        through = segments(run_args(env, "--target", "thrift"), env)
        assert through.returncode == 0, through.stdout[-3000:] + through.stderr
        assert cluster.executors_run(), "no executor ran on the worker"
        assert read_tables(env) == served["reference"]
    finally:
        served["server"].stop()
        cluster.stop()
