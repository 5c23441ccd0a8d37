"""A class-data-sharing archive of the classes Spark loads, recorded once per install.

A run on the real file loads about 30,000 classes; loading, verifying and linking them took about
22 s of thread time in a measured run, on 2 cores. HotSpot can map classes it archived from an
earlier run instead (AppCDS: `-XX:ArchiveClassesAtExit` records, `-XX:SharedArchiveFile` maps). With
the archive, Spark starts in 2.6-3.3 s instead of 4.1-5.6 and `segments report` takes 14-15 s
instead of 19-21; the real file end to end ran a median 1.8 s faster over five alternated pairs,
within the machine's noise.

`make install` records the archive with a short pipeline run on the first lines of the bundled file
(`python -m segments.spark.class_archive`); every embedded session afterwards maps it. The file is
named after the JDK build and the pyspark version, so a new JDK or Spark records a new one at the
next `make install`. HotSpot checks the archive itself and silently ignores one that does not match
(another JDK build, a changed jar), so a stale file costs nothing but the speed-up. Set
SEGMENTS_CLASS_ARCHIVE=off to start Spark without it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from segments.settings import switched_off

SWITCH_ENV = "SEGMENTS_CLASS_ARCHIVE"
SAMPLE_LINES = 3000  # of the bundled file: enough customers for a k search of 2..4


def jdk_build() -> str:
    """The JDK build of the `java` on PATH, from its `release` file (or its path, without one)."""
    java = shutil.which("java")
    if java is None:
        return "no-java"
    home = Path(java).resolve().parent.parent
    release = home / "release"
    if release.is_file():
        for line in release.read_text(errors="replace").splitlines():
            if line.startswith("JAVA_RUNTIME_VERSION="):
                return line.split("=", 1)[1].strip('"')
    return str(home)


def archive_path() -> Path:
    """Where this install's archive is (or would be): in the Python environment (share/segments)."""
    import pyspark

    build = f"{jdk_build()} pyspark {pyspark.__version__}"
    digest = hashlib.sha256(build.encode()).hexdigest()[:12]
    return Path(sys.prefix) / "share" / "segments" / f"spark-classes-{digest}.jsa"


def driver_java_option(record_to: Path | None = None, archive: Path | None = None) -> str:
    """The JVM option for a new driver: record the archive to `record_to`, or map `archive` (this
    install's by default), or nothing when there is none or SEGMENTS_CLASS_ARCHIVE=off. A missing
    file must not be named: HotSpot would then turn off class sharing altogether, the JDK's own
    archive included."""
    if record_to is not None:
        # HotSpot warns of every class it cannot archive (generated code, old class files): thousands
        # of lines that say nothing about the run; errors still show
        return f"-XX:ArchiveClassesAtExit={record_to} -Xlog:disable -Xlog:all=error:stderr"
    if switched_off(SWITCH_ENV):
        return ""
    path = archive or archive_path()
    return f"-XX:SharedArchiveFile={path}" if path.is_file() else ""


def record(say=print) -> Path:
    """Record the archive with a pipeline run on the first lines of the bundled file, in a state
    folder of its own; nothing is done when this install already has one."""
    from ml.segmentation import SegmentationOptions
    from segments.pipeline import STEPS, run_pipeline
    from segments.progress import Progress
    from segments.settings import Settings, export_for_dbt, find_project_dir
    from segments.spark.jvm import stop_embedded_session
    from segments.spark.session import embedded_session

    target = archive_path()
    if target.is_file():
        say(f"Spark class archive: {target} (recorded already)")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob("spark-classes-*.jsa"):  # another JDK's or pyspark's: unused
        stale.unlink()
    started = time.monotonic()
    say(f"Recording the classes Spark loads, for faster starts (about two minutes): {target}")
    with tempfile.TemporaryDirectory(prefix="segments-class-archive-") as folder:
        project_dir = find_project_dir()
        settings = Settings(project_dir=project_dir, state_dir=Path(folder) / "state")
        sample = Path(folder) / "sample.csv"
        with gzip.open(settings.bundled_data, "rt", encoding="utf-8", errors="replace") as lines, \
                sample.open("w", encoding="utf-8") as out:
            for _, line in zip(range(SAMPLE_LINES + 1), lines):
                out.write(line)
        partial = target.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        export_for_dbt(settings)
        os.chdir(project_dir)  # conf/log4j2.properties is named relative to the project
        embedded_session(settings, record_classes_to=partial)
        try:
            run_pipeline(settings, [sample], segmentation=SegmentationOptions(k=3, k_max=4),
                         progress=Progress(steps=STEPS, stream=io.StringIO()))
        except BaseException:
            stop_embedded_session()
            partial.unlink(missing_ok=True)  # a failed run's classes are not all there
            raise
        stop_embedded_session()  # the JVM writes the archive as it exits
    if not partial.is_file():
        raise RuntimeError(f"the JVM exited without writing {partial}")
    partial.replace(target)
    say(f"Spark class archive recorded in {time.monotonic() - started:.0f} s "
        f"({target.stat().st_size / 2**20:,.0f} MB)")
    return target


if __name__ == "__main__":
    try:
        record()
    except Exception as exc:  # an optimisation: the install goes on without it
        print(f"warning: no Spark class archive ({exc}); Spark starts without it, a few seconds slower",
              file=sys.stderr)
