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

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SWITCH_ENV = "SEGMENTS_JIT_DIRECTIVES"
DIRECTIVES_FILE = Path("conf") / "jit-directives.json"


class DirectivesRefused(RuntimeError):
    """The JVM did not take a directives file: its message says why."""


def switched_off() -> bool:
    return os.environ.get(SWITCH_ENV, "").lower() in ("off", "0", "false", "no")


def _diagnostic_command(spark: SparkSession, operation: str, *arguments: str) -> str:
    """Run a HotSpot diagnostic command (jcmd's, by its MBean operation name) in the session's JVM."""
    gateway, jvm = spark.sparkContext._gateway, spark._jvm
    new_class = jvm.java.lang.Class.forName
    # Through the public interface's Method: py4j cannot call the MBean server's own class, which
    # lives in a package the JDK does not export.
    signature = gateway.new_array(jvm.java.lang.Class, 4)
    for index, name in enumerate(("javax.management.ObjectName", "java.lang.String", "[Ljava.lang.Object;",
                                  "[Ljava.lang.String;")):
        signature[index] = new_class(name)
    invoke = new_class("javax.management.MBeanServer").getMethod("invoke", signature)
    strings = gateway.new_array(jvm.java.lang.String, len(arguments))
    for index, argument in enumerate(arguments):
        strings[index] = argument
    parameters = gateway.new_array(jvm.java.lang.Object, 1)
    parameters[0] = strings
    types = gateway.new_array(jvm.java.lang.String, 1)
    types[0] = "[Ljava.lang.String;"
    call = gateway.new_array(jvm.java.lang.Object, 4)
    call[0] = jvm.javax.management.ObjectName("com.sun.management:type=DiagnosticCommand")
    call[1], call[2], call[3] = operation, parameters, types
    return str(invoke.invoke(jvm.java.lang.management.ManagementFactory.getPlatformMBeanServer(), call))


def add_compiler_directives(spark: SparkSession, path: Path) -> int:
    """Add the directives in `path` to the session's JVM; returns how many it took."""
    printed = _diagnostic_command(spark, "compilerDirectivesAdd", str(path.resolve()))
    if "compiler directives added" not in printed:
        raise DirectivesRefused(f"the JVM refused {path}: {printed.strip()}")
    return int(printed.split()[0])


def compiler_directives(spark: SparkSession) -> str:
    """The directives the session's JVM applies, as HotSpot prints them."""
    return _diagnostic_command(spark, "compilerDirectivesPrint")


def keep_c2_off_planning_code(spark: SparkSession, project_dir: Path) -> None:
    """The project's directives (conf/jit-directives.json), unless switched off. Without the file the
    session runs as HotSpot would by default; a file the JVM refuses is an error (tests parse it)."""
    path = project_dir / DIRECTIVES_FILE
    if not switched_off() and path.is_file():
        add_compiler_directives(spark, path)
