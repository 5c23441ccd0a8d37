"""Read the Spark settings of a dbt target from the project's `profiles.yml`, rendered by dbt itself.

profiles.yml is the one place the warehouse, metastore and Spark sizing are configured; the embedded
session started by `segments` takes them from there, with the settings' values as dbt vars
(Settings.profile_vars), exactly as a dbt run started by segments sees them.
"""

from __future__ import annotations

import os
from typing import Any

import yaml
from dbt.config.renderer import ProfileRenderer
from dbt_common.context import set_invocation_context
from dbt_common.exceptions import DbtBaseException

from segments.errors import UserError
from segments.settings import Settings

PROFILE_NAME = "segments"


def read_target(settings: Settings, target: str, shuffle_partitions: int | None = None) -> dict[str, Any]:
    """The rendered `outputs.<target>` block of the `segments` profile."""
    path = settings.project_dir / "profiles.yml"
    try:
        profiles = yaml.safe_load(path.read_text())
        outputs = profiles[PROFILE_NAME]["outputs"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise UserError(f"cannot read profile '{PROFILE_NAME}' from {path}: {exc}") from exc
    if target not in outputs:
        raise UserError(f"unknown dbt target '{target}'", f"Use one of: {', '.join(sorted(outputs))}")
    set_invocation_context(os.environ)  # dbt's env_var reads the environment through it (read only)
    try:
        return ProfileRenderer(settings.profile_vars(shuffle_partitions)).render_data(outputs[target])
    except DbtBaseException as exc:
        raise UserError(f"cannot render profile '{PROFILE_NAME}' target '{target}' from {path}: {exc}") from exc


def spark_conf(settings: Settings, target: str = "local") -> dict[str, str]:
    """Spark configuration of an embedded (`method: session`) target."""
    output = read_target(settings, target)
    return {str(key): str(value) for key, value in output.get("server_side_parameters", {}).items()}
