"""dbt's `var` and `exceptions` for sqlfluff's jinja templater (`.sqlfluff`, library_path).

sqlfluff's own dbt builtins make every `var()` the string 'item'; this `var` returns the defaults of
dbt_project.yml instead, so the linted SQL is the SQL of a default build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_VARS: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text())["vars"]


def var(name: str, default: Any = None) -> Any:
    return _VARS.get(name, default)


class exceptions:  # noqa: N801 - dbt's name
    @staticmethod
    def raise_compiler_error(message: str) -> None:
        raise ValueError(message)
