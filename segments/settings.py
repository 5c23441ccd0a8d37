"""Every setting of segments, declared once, resolved once, passed explicitly.

A value comes from the command-line option where a command has one, else from its `SEGMENTS_*`
environment variable, else from the default below. `load_settings` resolves them all when a command
starts; nothing else reads the environment for them, and nothing writes to it. `profiles.yml` reads
the Spark ones too: through dbt vars when segments runs dbt (`Settings.profile_vars`), through the
same environment variables when a user runs plain `dbt`, so both land on the same warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from segments.errors import UserError


@dataclass(frozen=True)
class Setting:
    env: str
    default: str | None
    doc: str


SETTINGS: dict[str, Setting] = {
    "project_dir": Setting(
        "SEGMENTS_PROJECT_DIR",
        None,
        "the segments project (dbt_project.yml); default: the checkout segments was installed from",
    ),
    "state_dir": Setting(
        "SEGMENTS_HOME",
        ".segments",
        "state folder: warehouse, Derby metastore, logs, models, reports (relative: to the project)",
    ),
    "spark_master": Setting("SEGMENTS_SPARK_MASTER", "local[*]", "Spark master of the embedded session or the server"),
    "driver_memory": Setting("SEGMENTS_DRIVER_MEMORY", "6g", "driver heap; the embedded session runs everything there"),
    "shuffle_partitions": Setting(
        "SEGMENTS_SHUFFLE_PARTITIONS", None, "shuffle partitions (default: one per million lines, at least 8)"
    ),
    "thrift_host": Setting("SEGMENTS_THRIFT_HOST", "127.0.0.1", "the Thrift JDBC/ODBC server's address"),
    "thrift_port": Setting("SEGMENTS_THRIFT_PORT", "10000", "the Thrift JDBC/ODBC server's port"),
    "connect_port": Setting("SEGMENTS_CONNECT_PORT", "15002", "the Spark Connect port (always on 127.0.0.1)"),
    "thrift_user": Setting("SEGMENTS_THRIFT_USER", "segments", "user for the thrift target (LDAP)"),
    "thrift_password": Setting(
        "SEGMENTS_THRIFT_PASSWORD", None, "password for the thrift target (LDAP); read by profiles.yml, never passed on"
    ),
    "ldap_url": Setting("SEGMENTS_LDAP_URL", None, "the server's LDAP directory, ldap://host:389 or ldaps://host:636"),
    "ldap_base_dn": Setting("SEGMENTS_LDAP_BASE_DN", None, "users are uid=<name>,<base DN>"),
    "ldap_user_dn_pattern": Setting(
        "SEGMENTS_LDAP_USER_DN_PATTERN", None, "or a pattern such as uid=%s,ou=people,dc=example,dc=org"
    ),
}
DEFAULT_PARTITIONS = 8  # the profile's shuffle partitions outside a sized build


def describe_settings() -> str:
    """The environment variables with their defaults, for --help."""
    return "\n".join(
        f"  {s.env:<30} {s.doc}" + (f" (default {s.default})" if s.default else "") for s in SETTINGS.values()
    )


@dataclass(frozen=True)
class Settings:
    """The resolved settings (SETTINGS names them); the thrift password is left to profiles.yml."""

    project_dir: Path
    state_dir: Path
    spark_master: str = SETTINGS["spark_master"].default
    driver_memory: str = SETTINGS["driver_memory"].default
    shuffle_partitions: str | None = None
    thrift_host: str = SETTINGS["thrift_host"].default
    thrift_port: str = SETTINGS["thrift_port"].default
    connect_port: str = SETTINGS["connect_port"].default
    thrift_user: str = SETTINGS["thrift_user"].default
    ldap_url: str | None = None
    ldap_base_dn: str | None = None
    ldap_user_dn_pattern: str | None = None

    def port(self, name: str) -> int:
        """A port setting (thrift_port, connect_port) as a number; a clear error if it is not one."""
        text = str(getattr(self, name) or "")
        if not text.isdigit() or not 0 < int(text) < 65536:
            env = SETTINGS[name].env
            raise UserError(f"{env}={text!r} is not a port number", f"Set {env} to a number from 1 to 65535")
        return int(text)

    def profile_vars(self, shuffle_partitions: int | None = None) -> dict[str, str]:
        """What profiles.yml reads through `var()` (plain dbt falls back to the environment)."""
        return {
            "segments_project_dir": str(self.project_dir),
            "segments_home": str(self.state_dir),
            "segments_spark_master": str(self.spark_master),
            "segments_driver_memory": str(self.driver_memory),
            "segments_shuffle_partitions": str(shuffle_partitions or self.shuffle_partitions or DEFAULT_PARTITIONS),
            "segments_thrift_host": str(self.thrift_host),
            "segments_thrift_port": str(self.thrift_port),
            "segments_thrift_user": str(self.thrift_user),
        }

    @property
    def metastore_dir(self) -> Path:
        return self.state_dir / "metastore_db"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def models_dir(self) -> Path:
        return self.state_dir / "models"

    @property
    def quality_docs_dir(self) -> Path:
        return self.state_dir / "quality" / "data_docs"

    @property
    def dashboard_file(self) -> Path:
        return self.state_dir / "reports" / "dashboard.html"

    @property
    def backtest_page_file(self) -> Path:
        return self.state_dir / "reports" / "backtest.html"

    @property
    def quality_config(self) -> Path:
        return self.project_dir / "quality.yml"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "segments.lock"

    @property
    def server_file(self) -> Path:
        return self.state_dir / "server.json"


def _project_dir(configured: str | None) -> Path:
    candidates = [Path(configured)] if configured else [Path(__file__).resolve().parents[1], Path.cwd()]
    for candidate in candidates:
        if (candidate / "dbt_project.yml").is_file():
            return candidate.resolve()
    raise UserError(
        f"no dbt_project.yml in {', '.join(str(c) for c in candidates)}",
        f"Set {SETTINGS['project_dir'].env} to the segments project folder",
    )


def load_settings(options: Mapping[str, str | None] | None = None, environ: Mapping[str, str] = os.environ) -> Settings:
    """Every setting: the option given (not None), else its environment variable, else its default."""
    values = {}
    for name, setting in SETTINGS.items():
        chosen = (options or {}).get(name)
        values[name] = chosen if chosen is not None else environ.get(setting.env, setting.default)
    project_dir = _project_dir(values.pop("project_dir"))
    state = Path(values.pop("state_dir") or ".segments").expanduser()
    if not state.is_absolute():
        # Relative to the project, as for a plain `dbt` command run from the project root.
        state = project_dir / state
    values.pop("thrift_password")  # profiles.yml reads it from the environment itself
    return Settings(project_dir=project_dir, state_dir=state.resolve(), **values)
