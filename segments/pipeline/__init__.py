"""The commands' work, one module each: run (the whole pipeline), score, export, summary."""

from segments.pipeline.run import (
    CLEAN_BUILD,
    SEGMENTS_BUILD,
    STEPS,
    WITHOUT_UNIT_TESTS,
    Inputs,
    RunResult,
    ingest_inputs,
    run_pipeline,
)

__all__ = [
    "CLEAN_BUILD",
    "SEGMENTS_BUILD",
    "STEPS",
    "WITHOUT_UNIT_TESTS",
    "Inputs",
    "RunResult",
    "ingest_inputs",
    "run_pipeline",
]
