"""Where things live: the dbt project, the state folder and what sits inside it.

One state folder (default `<project>/.segments`, override with SEGMENTS_HOME) holds everything a run
writes: the Spark warehouse, the Derby metastore, logs, models and reports. Plain `dbt` commands find
the same folder through `profiles.yml`, which reads the same environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

STATE_ENV = "SEGMENTS_HOME"
PROJECT_ENV = "SEGMENTS_PROJECT_DIR"
DEFAULT_STATE = ".segments"


def switched_off(env: str) -> bool:
    """Whether the on/off environment variable `env` says off (unset means on)."""
    return os.environ.get(env, "").lower() in ("off", "0", "false", "no")


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    state_dir: Path

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
    def quality_config(self) -> Path:
        return self.project_dir / "quality.yml"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "segments.lock"

    @property
    def server_file(self) -> Path:
        return self.state_dir / "server.json"

    @property
    def bundled_data(self) -> Path:
        return self.project_dir / "data" / "online_retail.csv.gz"


def find_project_dir() -> Path:
    """The dbt project: $SEGMENTS_PROJECT_DIR, else the checkout this package was installed from."""
    configured = os.environ.get(PROJECT_ENV)
    candidates = [Path(configured)] if configured else [Path(__file__).resolve().parents[1], Path.cwd()]
    for candidate in candidates:
        if (candidate / "dbt_project.yml").is_file():
            return candidate.resolve()
    raise FileNotFoundError(
        f"no dbt_project.yml in {', '.join(str(c) for c in candidates)}; "
        f"set {PROJECT_ENV} to the segments project folder"
    )


def load_settings() -> Settings:
    project_dir = find_project_dir()
    state = Path(os.environ.get(STATE_ENV, DEFAULT_STATE)).expanduser()
    if not state.is_absolute():
        # Relative to the project, as for a plain `dbt` command run from the project root.
        state = project_dir / state
    return Settings(project_dir=project_dir, state_dir=state.resolve())


def export_for_dbt(settings: Settings) -> None:
    """Make profiles.yml resolve to this state folder in this process (dbt runs in-process)."""
    os.environ[STATE_ENV] = str(settings.state_dir)
