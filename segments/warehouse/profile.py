"""Read the Spark settings of a dbt target from the project's `profiles.yml`.

profiles.yml is the one place the warehouse, metastore and Spark sizing are configured; the embedded
session started by `segments` takes them from there, exactly as dbt-spark's `method: session` does
when a plain `dbt` command starts Spark. The file only uses `env_var(name, default)` and `as_number`,
rendered here the way dbt renders them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.nativetypes import NativeEnvironment

from segments.errors import UserError

PROFILE_NAME = "segments"


def _env_var(name: str, default: str | None = None) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is None:
        raise UserError(f"profiles.yml needs the environment variable {name}", f"Set {name}")
    return default


def _render(value: Any, env: NativeEnvironment) -> Any:
    if isinstance(value, dict):
        return {key: _render(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_render(item, env) for item in value]
    if isinstance(value, str) and "{{" in value:
        return env.from_string(value).render()
    return value


def read_target(project_dir: Path, target: str) -> dict[str, Any]:
    """The rendered `outputs.<target>` block of the `segments` profile."""
    path = project_dir / "profiles.yml"
    try:
        profiles = yaml.safe_load(path.read_text())
        outputs = profiles[PROFILE_NAME]["outputs"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise UserError(f"cannot read profile '{PROFILE_NAME}' from {path}: {exc}") from exc
    if target not in outputs:
        raise UserError(f"unknown dbt target '{target}'", f"Use one of: {', '.join(sorted(outputs))}")
    env = NativeEnvironment(undefined=jinja2.StrictUndefined)  # as_number yields a number, as in dbt
    env.globals["env_var"] = _env_var
    env.filters["as_number"] = lambda text: int(text) if str(text).isdigit() else float(text)
    return _render(outputs[target], env)


def spark_conf(project_dir: Path, target: str = "local") -> dict[str, str]:
    """Spark configuration of an embedded (`method: session`) target."""
    output = read_target(project_dir, target)
    return {str(key): str(value) for key, value in output.get("server_side_parameters", {}).items()}
