"""`segments serve`: one Spark application hosting the Thrift JDBC/ODBC server and Spark Connect.

Both endpoints live on one SparkSession over the state folder's warehouse and metastore, so dbt
(Thrift), the ml step (Spark Connect) and BI tools (JDBC/ODBC) all see one catalog. The process holds
the state folder for its lifetime (the CLI's lock), records itself in `<state>/server.json` for
`segments serve --stop` and for people wondering what is listening, and stops cleanly on SIGTERM or
Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from segments.errors import UserError
from segments.serve.hive_registry import skip_hive_function_registry
from segments.serve.security import LdapSettings, require_authentication
from segments.settings import Settings
from segments.warehouse.endpoints import CONNECT_HOST, Endpoints, is_loopback, port_free, wait_for_port
from segments.warehouse.profile import spark_conf

CONNECT_PLUGIN = "org.apache.spark.sql.connect.SparkConnectPlugin"
THRIFT_SERVER = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
START_TIMEOUT = 120  # seconds for both endpoints to accept connections once Spark is up
STOP_TIMEOUT = 90


@dataclass(frozen=True)
class ServeOptions:
    endpoints: Endpoints = field(default_factory=Endpoints)
    master: str | None = None  # None: the profile's spark.master (SEGMENTS_SPARK_MASTER, local[*])
    conf: dict[str, str] = field(default_factory=dict)  # extra Spark settings, e.g. executor sizing


def server_conf(settings: Settings, options: ServeOptions, ldap: LdapSettings | None) -> dict[str, str]:
    """The embedded session's settings (profiles.yml `local`) plus both endpoints."""
    conf = spark_conf(settings)
    endpoints = options.endpoints
    conf.update(
        {
            "spark.app.name": "segments server",
            "spark.plugins": CONNECT_PLUGIN,
            "spark.connect.grpc.binding.address": CONNECT_HOST,
            "spark.connect.grpc.binding.port": str(endpoints.connect_port),
            "spark.hadoop.hive.server2.thrift.bind.host": endpoints.host,
            "spark.hadoop.hive.server2.thrift.port": str(endpoints.port),
            "spark.hadoop.hive.server2.transport.mode": "binary",
        }
    )
    # A long-running service, not a batch job: G1, where the System.gc() calls that come with every
    # closed JDBC session run concurrently. With the embedded session's ParallelGC each one stopped
    # the server for about 0.4 s (740 full GCs in one fixture run through dbt).
    conf["spark.driver.defaultJavaOptions"] = "-XX:+UseG1GC -XX:+ExplicitGCInvokesConcurrent"
    if options.master:
        conf["spark.master"] = options.master
    for key, value in (ldap.hive_conf() if ldap else {}).items():
        conf[f"spark.hadoop.{key}"] = value
    conf.update(options.conf)
    return conf


def _check_ports(endpoints: Endpoints) -> None:
    for host, port, option in (
        (endpoints.host, endpoints.port, "--port"),
        (CONNECT_HOST, endpoints.connect_port, "--connect-port"),
    ):
        if not port_free(host, port):
            raise UserError(
                f"port {port} on {host} is already in use (another server?)",
                f"Stop what listens there, or choose another port with {option}",
            )


def serve(settings: Settings, options: ServeOptions, say: Callable[[str], None] = print) -> None:
    """Start the server, report where it listens, and block until asked to stop."""
    endpoints = options.endpoints
    ldap = LdapSettings.from_settings(settings)
    require_authentication(endpoints.host, is_loopback(endpoints.host), ldap)
    _check_ports(endpoints)
    conf = server_conf(settings, options, ldap)
    say(f"Starting Spark ({conf.get('spark.master')}) on the state folder {settings.state_dir} ...")

    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    jvm_process = SparkContext._gateway.proc
    skip_hive_function_registry(spark)
    for key, value in (ldap.hive_conf() if ldap else {}).items():
        # Hive's LDAP provider reads its settings from a `new HiveConf()`, which sees Java system
        # properties but not the session's configuration.
        spark._jvm.java.lang.System.setProperty(key, value)
    thrift = spark._jvm.org.apache.spark.sql.hive.thriftserver.HiveThriftServer2.startWithContext(
        spark._jsparkSession.sqlContext()
    )
    try:
        for host, port in ((endpoints.host, endpoints.port), (CONNECT_HOST, endpoints.connect_port)):
            probe_host = CONNECT_HOST if host in ("0.0.0.0", "::") else host
            if not wait_for_port(probe_host, port, START_TIMEOUT, alive=lambda: jvm_process.poll() is None):
                raise UserError(
                    f"the server did not start listening on {host}:{port}", f"See {settings.logs_dir / 'spark.log'}"
                )
        _write_server_file(settings, endpoints, conf, ldap)
        public = f" (from elsewhere: jdbc:hive2://{socket.getfqdn()}:{endpoints.port}/analytics)"
        say(
            f"Ready. JDBC/ODBC (dbt, beeline, BI tools): {endpoints.jdbc_url}"
            + (public if not is_loopback(endpoints.host) else "")
            + (" (LDAP user and password)" if ldap else "")
        )
        say(f"       Spark Connect (ml, Python):       {endpoints.connect_url}")
        say(
            f"       pid {os.getpid()}; logs in {settings.logs_dir / 'spark.log'}; "
            f"stop with Ctrl-C or `segments serve --stop`"
        )
        _wait_for_stop(lambda: jvm_process.poll() is None)
        say("Stopping ...")
    finally:
        settings.server_file.unlink(missing_ok=True)
        thrift.stop()
        spark.stop()
    if jvm_process.poll() is not None:
        raise UserError("the Spark JVM exited unexpectedly", f"See {settings.logs_dir / 'spark.log'}")
    say("Stopped.")


def _wait_for_stop(alive: Callable[[], bool]) -> None:
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while alive() and not stop.wait(1.0):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _write_server_file(
    settings: Settings, endpoints: Endpoints, conf: dict[str, str], ldap: LdapSettings | None
) -> None:
    info = {
        "pid": os.getpid(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "master": conf.get("spark.master"),
        "jdbc_url": endpoints.jdbc_url,
        "connect_url": endpoints.connect_url,
        "authentication": "LDAP" if ldap else "none (loopback only)",
        **asdict(endpoints),
    }
    settings.server_file.write_text(json.dumps(info, indent=2) + "\n")


def read_server_file(settings: Settings) -> dict | None:
    try:
        return json.loads(settings.server_file.read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    """Whether the process runs (an exited one its parent has not reaped yet counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True


def stop_server(settings: Settings, say: Callable[[str], None] = print) -> None:
    """Ask the server of this state folder to stop (SIGTERM) and wait until it has."""
    info = read_server_file(settings)
    if info is None:
        raise UserError(
            f"no server is running on the state folder {settings.state_dir}",
            "Nothing to stop (start one with `segments serve`)",
        )
    pid = int(info["pid"])
    if not _alive(pid):
        settings.server_file.unlink(missing_ok=True)
        say(f"The server (pid {pid}) had already exited; removed its stale {settings.server_file.name}")
        return
    say(f"Stopping the server (pid {pid}, {info.get('jdbc_url')}) ...")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.25)
    if _alive(pid):
        raise UserError(
            f"the server (pid {pid}) is still stopping after {STOP_TIMEOUT} s",
            f"Wait, or kill it (kill {pid}); see {settings.logs_dir / 'spark.log'}",
        )
    say("Stopped.")
