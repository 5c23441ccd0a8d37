"""Helpers for the server tests: a `segments serve` process, JDBC/Thrift readers (PyHive, beeline),
a throwaway OpenLDAP server and a Spark standalone master and worker, all on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pyspark

from tests.helpers import PROJECT_DIR

BIN = Path(sys.executable).parent
SPARK_HOME = Path(pyspark.__file__).parent
JARS = SPARK_HOME / "jars"
# The tables BI tools read, and a key to order them by.
PUBLISHED = {
    "analytics.customer_segments": "customer_id",
    "analytics.segment_summary": "segment_type, segment",
    "analytics.fct_customer_rfm": "customer_id",
    "analytics.audit_row_reconciliation": "1, 2",
    "analytics.eda_monthly_revenue": "1, 2",
}
# Columns that name the run or when it happened, not what it computed.
RUN_SPECIFIC = {"run_id", "scored_at", "model_path", "ingested_at", "loaded_at", "built_at"}


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def segments(args: list[str], env: dict[str, str], timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "segments"), *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


class Server:
    """`segments serve` in the background, on the ports and state folder of `env`."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.env = env
        self.log = Path(env["SEGMENTS_HOME"]) / f"serve-{time.time_ns()}.out"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(BIN / "segments"), "serve", *args],
            env=env,
            cwd=PROJECT_DIR,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text()

    def wait_ready(self, timeout: float = 180) -> Server:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "Ready." in self.output():
                return self
            if self.process.poll() is not None:
                raise AssertionError(f"segments serve exited {self.process.returncode}:\n{self.output()}")
            time.sleep(0.5)
        raise AssertionError(f"segments serve not ready after {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            stopped = segments(["serve", "--stop"], self.env, timeout=120)
            assert stopped.returncode == 0, stopped.stderr
        self.process.wait(timeout=60)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=60)


def server_env(base: dict[str, str], state: Path) -> dict[str, str]:
    env = dict(base)
    env.update(
        {
            "SEGMENTS_HOME": str(state),
            "DBT_TARGET_PATH": str(state / "dbt-target"),
            "SEGMENTS_THRIFT_PORT": str(free_port()),
            "SEGMENTS_CONNECT_PORT": str(free_port()),
        }
    )
    return env


def hive_connection(env: dict[str, str], user: str = "tester", password: str | None = None):
    from pyhive import hive

    return hive.connect(
        host="127.0.0.1",
        port=int(env["SEGMENTS_THRIFT_PORT"]),
        username=user,
        password=password,
        auth="LDAP" if password is not None else "NONE",
    )


def read_tables(env: dict[str, str], tables: dict[str, str] = PUBLISHED, **login) -> dict[str, list[tuple]]:
    """Each table's rows, ordered, through the Thrift server; run-specific columns left out."""
    connection = hive_connection(env, **login)
    try:
        cursor = connection.cursor()
        result = {}
        for table, order in tables.items():
            cursor.execute(f"select * from {table} order by {order}")
            names = [column[0].split(".")[-1] for column in cursor.description]
            keep = [i for i, name in enumerate(names) if name not in RUN_SPECIFIC]
            result[table] = [tuple(row[i] for i in keep) for row in cursor.fetchall()]
        return result
    finally:
        connection.close()


def beeline(env: dict[str, str], sql: str, user: str = "tester", password: str = "") -> subprocess.CompletedProcess:
    """beeline (from the pyspark jars) over JDBC, CSV output."""
    url = f"jdbc:hive2://127.0.0.1:{env['SEGMENTS_THRIFT_PORT']}/analytics"
    command = [
        "java",
        "-cp",
        f"{JARS}/*",
        "org.apache.hive.beeline.BeeLine",
        "-u",
        url,
        "-n",
        user,
        "-p",
        password,
        "--silent=true",
        "--showHeader=true",
        "--outputformat=csv2",
        "-e",
        sql,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


class StandaloneCluster:
    """A Spark standalone master and one worker on loopback, from the pyspark distribution."""

    def __init__(self, work_dir: Path, cores: int = 2, memory: str = "3g") -> None:
        self.port = free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            SPARK_HOME=str(SPARK_HOME),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_WORKER_DIR=str(work_dir / "worker"),
            SPARK_LOG_DIR=str(work_dir),
        )
        spark_class = str(SPARK_HOME / "bin" / "spark-class")
        self.master = subprocess.Popen(
            [
                spark_class,
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--webui-port",
                str(free_port()),
            ],
            env=env,
            stdout=(work_dir / "master.out").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.worker = subprocess.Popen(
            [
                spark_class,
                "org.apache.spark.deploy.worker.Worker",
                self.url,
                "--host",
                "127.0.0.1",
                "--cores",
                str(cores),
                "--memory",
                memory,
                "--webui-port",
                str(free_port()),
            ],
            env=env,
            stdout=(work_dir / "worker.out").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.work_dir = work_dir
        self._wait_registered()

    def _wait_registered(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "Successfully registered with master" in (self.work_dir / "worker.out").read_text():
                return
            time.sleep(0.5)
        raise AssertionError(
            "the standalone worker did not register:\n" + (self.work_dir / "worker.out").read_text()[-3000:]
        )

    def executors_run(self) -> list[Path]:
        """Executor folders the worker created: proof that work ran on the cluster."""
        return sorted((self.work_dir / "worker").glob("app-*/*"))

    def stop(self) -> None:
        for process in (self.worker, self.master):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)


class Slapd:
    """A throwaway OpenLDAP server on loopback with one user, uid=<user>,ou=people,<suffix>."""

    SUFFIX = "dc=segments,dc=test"

    def __init__(self, work_dir: Path, user: str, password: str) -> None:
        subprocess.run([str(PROJECT_DIR / "scripts" / "install-slapd.sh")], check=True, capture_output=True)
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.base_dn = f"ou=people,{self.SUFFIX}"
        data = work_dir / "data"
        data.mkdir(parents=True)
        config = work_dir / "slapd.conf"
        config.write_text(f"""\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {work_dir}/slapd.pid
database mdb
maxsize 10485760
suffix "{self.SUFFIX}"
rootdn "cn=admin,{self.SUFFIX}"
directory {data}
access to attrs=userPassword by anonymous auth by * none
access to * by * read
""")
        entries = work_dir / "entries.ldif"
        entries.write_text(f"""\
dn: {self.SUFFIX}
objectClass: dcObject
objectClass: organization
o: segments test
dc: segments

dn: {self.base_dn}
objectClass: organizationalUnit
ou: people

dn: uid={user},{self.base_dn}
objectClass: inetOrgPerson
uid: {user}
cn: {user}
sn: {user}
userPassword: {password}
""")
        subprocess.run(["/usr/sbin/slapadd", "-f", str(config), "-l", str(entries)], check=True, capture_output=True)
        self.process = subprocess.Popen(
            ["/usr/sbin/slapd", "-f", str(config), "-h", self.url, "-d", "0"],
            stdout=(work_dir / "slapd.out").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with closing(socket.socket()) as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise AssertionError("slapd did not start: " + (work_dir / "slapd.out").read_text())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
