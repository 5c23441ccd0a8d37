"""The machine a benchmark ran on, for its report."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path


def machine() -> dict[str, object]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "python": platform.python_version(),
        "java": _java_version(),
        "os": platform.platform(),
    }


def _java_version() -> str:
    """The first line of `java -version`, e.g. openjdk version "17.0.15" 2025-04-15."""
    printed = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return (printed.strip().splitlines() or ["unknown"])[0]
