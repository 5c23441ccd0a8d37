"""Data quality: Great Expectations checkpoints on every layer (raw, clean, rfm, segments)."""

from segments.quality.checkpoints import LayerReport, QualityChecker, QualityCheckFailed
from segments.quality.config import QualityConfig, load_quality_config
from segments.quality.suites import LAYERS

__all__ = ["LAYERS", "LayerReport", "QualityCheckFailed", "QualityChecker", "QualityConfig", "load_quality_config"]
