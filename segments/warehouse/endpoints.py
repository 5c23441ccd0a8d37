"""Where the server listens and how clients find it: the same settings for both sides.

`segments serve` options default to the settings (SEGMENTS_THRIFT_HOST, SEGMENTS_THRIFT_PORT,
SEGMENTS_CONNECT_PORT), and `--target thrift` clients (dbt through profiles.yml, the ml step through
Spark Connect, BI tools) read the same ones, so a server started with defaults is found by clients
started with defaults.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass

from segments.settings import Settings

# Spark Connect has no authentication that works without TLS, which its server cannot terminate:
# it always listens on loopback, for the pipeline's own ml step on the same machine.
CONNECT_HOST = "127.0.0.1"
DATABASE = "analytics"


@dataclass(frozen=True)
class Endpoints:
    host: str
    port: int
    connect_port: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Endpoints:
        return cls(
            host=settings.thrift_host, port=settings.port("thrift_port"), connect_port=settings.port("connect_port")
        )

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:hive2://{self.host}:{self.port}/{DATABASE}"

    @property
    def connect_url(self) -> str:
        return f"sc://{CONNECT_HOST}:{self.connect_port}"


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port right now.

    SO_REUSEADDR, as the JVM's server sockets have it: connections of a server that just stopped
    (TIME_WAIT) do not block a restart on its port; only a live listener does.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def wait_for_port(host: str, port: int, timeout: float, alive=lambda: True) -> bool:
    """Poll until host:port accepts connections; False on timeout or once `alive()` is False."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        if port_open(host, port):
            return True
        time.sleep(0.25)
    return False
