"""The server mode: a long-running Spark application that dbt, ml and BI tools connect to."""

from segments.serve.endpoints import Endpoints
from segments.serve.server import ServeOptions, serve, stop_server

__all__ = ["Endpoints", "ServeOptions", "serve", "stop_server"]
