"""The server mode: a long-running Spark application that dbt, ml and BI tools connect to."""

from segments.serve.server import ServeOptions, serve, stop_server
from segments.warehouse.endpoints import Endpoints

__all__ = ["Endpoints", "ServeOptions", "serve", "stop_server"]
