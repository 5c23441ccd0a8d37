"""What tests share besides fixtures: the project's paths and a quality config with changed thresholds."""

from __future__ import annotations

from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_FILE = PROJECT_DIR / "data" / "online_retail.csv.gz"
# online_retail_small.csv plants 3 unparseable lines in 30, above the default 5 % rejected share.
FIXTURE_THRESHOLDS = {"raw": {"max_rejected_share": 0.2}}


def write_quality_config(path: Path, changes: dict[str, dict]) -> Path:
    """A copy of the project's quality.yml with some thresholds changed, e.g. {"raw": {"max_abs_quantity": 5}}."""
    config = yaml.safe_load((PROJECT_DIR / "quality.yml").read_text())
    for section, values in changes.items():
        config[section].update(values)
    path.write_text(yaml.safe_dump(config))
    return path


def lifetimes_dataset(name: str) -> Path:
    """A file the `lifetimes` wheel ships (CDNOW_sample.txt, ...): found, never imported (the package
    may not run on this numpy)."""
    from importlib.util import find_spec

    spec = find_spec("lifetimes")
    assert spec is not None and spec.submodule_search_locations, "the lifetimes wheel is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / name
