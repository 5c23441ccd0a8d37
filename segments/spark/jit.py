"""Keep HotSpot's optimising compiler (C2) off the driver's planning code (conf/jit-directives.json).

A cold run on the real file spends about a third of its CPU in the JIT compilers, and C2 gave much of
its share to code that plans queries, talks to the metastore or ships tasks: code that runs a few
thousand times per run, so an optimised copy never pays back its compile. The directives leave that
code to C1 and keep C2 for the code that touches rows. On the real file the compiler threads used 8
to 13 s less CPU per run and the whole run about 6 % less (docs/performance-log.md, fourteenth round).

The directives are added to the running JVM through its DiagnosticCommand MBean (what `jcmd
Compiler.directives_add` does), not with a JVM flag: the flag is a diagnostic one, prints to stdout,
and a JVM given a missing file does not start. Embedded sessions only: a long-running `segments serve`
has time to make its planning code hot, and cluster executors mostly run generated code.
SEGMENTS_JIT_DIRECTIVES=off starts a session without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segments.settings import switched_off

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SWITCH_ENV = "SEGMENTS_JIT_DIRECTIVES"
DIRECTIVES_FILE = Path("conf") / "jit-directives.json"


class DirectivesRefused(RuntimeError):
    """The JVM did not take a directives file: its message says why."""


def _java_array(gateway, java_class, values: list) -> object:
    array = gateway.new_array(java_class, len(values))
    for index, value in enumerate(values):
        array[index] = value
    return array


def _diagnostic_command(spark: SparkSession, operation: str, *arguments: str) -> str:
    """Run a HotSpot diagnostic command (jcmd's, by its MBean operation name) in the session's JVM."""
    gateway, jvm = spark.sparkContext._gateway, spark._jvm
    new_class = jvm.java.lang.Class.forName
    # Through the public interface's Method: py4j cannot call the MBean server's own class, which
    # lives in a package the JDK does not export.
    signature = [new_class(name) for name in ("javax.management.ObjectName", "java.lang.String",
                                              "[Ljava.lang.Object;", "[Ljava.lang.String;")]
    invoke = new_class("javax.management.MBeanServer").getMethod("invoke", _java_array(gateway, jvm.java.lang.Class, signature))
    parameters = [_java_array(gateway, jvm.java.lang.String, list(arguments))]
    call = [jvm.javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
            _java_array(gateway, jvm.java.lang.Object, parameters),
            _java_array(gateway, jvm.java.lang.String, ["[Ljava.lang.String;"])]
    return str(invoke.invoke(jvm.java.lang.management.ManagementFactory.getPlatformMBeanServer(),
                             _java_array(gateway, jvm.java.lang.Object, call)))


def add_compiler_directives(spark: SparkSession, path: Path) -> int:
    """Add the directives in `path` to the session's JVM; returns how many it took."""
    printed = _diagnostic_command(spark, "compilerDirectivesAdd", str(path.resolve()))
    if "compiler directives added" not in printed:
        raise DirectivesRefused(f"the JVM refused {path}: {printed.strip()}")
    return int(printed.split()[0])


def compiler_directives(spark: SparkSession) -> str:
    """The directives the session's JVM applies, as HotSpot prints them."""
    return _diagnostic_command(spark, "compilerDirectivesPrint")


def directives_file(project_dir: Path) -> Path | None:
    """The project's directives (conf/jit-directives.json), or None when switched off or missing."""
    path = project_dir / DIRECTIVES_FILE
    return path if not switched_off(SWITCH_ENV) and path.is_file() else None


def keep_c2_off_planning_code(spark: SparkSession, project_dir: Path) -> None:
    """Add the project's directives, if any. Without them the session runs as HotSpot would by
    default; a file the JVM refuses is an error (tests parse it)."""
    path = directives_file(project_dir)
    if path is not None:
        add_compiler_directives(spark, path)
