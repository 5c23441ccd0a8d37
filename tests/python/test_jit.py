"""The compiler directives every embedded session adds to its JVM (segments/spark/jit.py,
conf/jit-directives.json): the shipped file parses, and the JVM applies it."""

from __future__ import annotations

import re
import shutil

import pytest

from segments.settings import switched_off
from segments.spark.jit import (
    DIRECTIVES_FILE, SWITCH_ENV, DirectivesRefused, add_compiler_directives, compiler_directives,
    keep_c2_off_planning_code,
)


def _directive_count(spark) -> int:
    return compiler_directives(spark).count("Directive:")


def test_this_runs_jvm_keeps_c2_off_the_planning_code(spark, settings):
    if switched_off(SWITCH_ENV):
        pytest.skip(f"{SWITCH_ENV} is off")
    # HotSpot prints each directive: its patterns, then its c1 and its c2 options
    shipped = re.findall(r'"([^"]+\.\*)"', (settings.project_dir / DIRECTIVES_FILE).read_text())
    assert len(shipped) > 20
    ours = [block for block in compiler_directives(spark).split("Directive:") if "org/antlr/*.*" in block]
    assert ours, "the session's JVM has not taken conf/jit-directives.json"
    for pattern in shipped:
        assert pattern in ours[0], f"{pattern} is not among the JVM's directives"
    c1_options, c2_options = ours[0].split(" c1 directives:")[1].split(" c2 directives:")
    assert " Exclude:false" in c1_options and " Exclude:true" in c2_options


def test_a_file_the_jvm_refuses_is_an_error_naming_it(spark, tmp_path):
    broken = tmp_path / "directives.json"
    broken.write_text('[{match: ["not a method pattern"], c2: {Exclude: true}}]')
    before = _directive_count(spark)
    with pytest.raises(DirectivesRefused, match="directives.json: .*Method pattern error"):
        add_compiler_directives(spark, broken)
    assert _directive_count(spark) == before


def test_nothing_is_added_when_switched_off_or_without_the_file(spark, settings, tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / DIRECTIVES_FILE).parent.mkdir(parents=True)
    before = _directive_count(spark)
    monkeypatch.delenv(SWITCH_ENV, raising=False)
    keep_c2_off_planning_code(spark, project)  # no file: the JVM's defaults
    assert _directive_count(spark) == before
    shutil.copy(settings.project_dir / DIRECTIVES_FILE, project / DIRECTIVES_FILE)
    monkeypatch.setenv(SWITCH_ENV, "off")
    keep_c2_off_planning_code(spark, project)
    assert _directive_count(spark) == before
    monkeypatch.setenv(SWITCH_ENV, "on")
    keep_c2_off_planning_code(spark, project)
    assert _directive_count(spark) == before + 1
