"""Configuration: the state folder and the Spark settings read from profiles.yml."""

from __future__ import annotations

import pytest

from segments.errors import UserError
from segments.settings import SETTINGS, Settings, load_settings
from segments.warehouse.profile import read_target, spark_conf
from segments.warehouse.sizing import shuffle_partitions, shuffle_partitions_for


def test_an_option_wins_over_the_environment_which_wins_over_the_default(monkeypatch):
    monkeypatch.delenv("SEGMENTS_THRIFT_PORT", raising=False)
    monkeypatch.delenv("SEGMENTS_THRIFT_HOST", raising=False)
    assert load_settings().thrift_port == SETTINGS["thrift_port"].default == "10000"
    monkeypatch.setenv("SEGMENTS_THRIFT_PORT", "10010")
    assert load_settings().thrift_port == "10010"
    assert load_settings({"thrift_port": "10020", "thrift_host": None}).thrift_port == "10020"
    assert load_settings({"thrift_host": None}).thrift_host == "127.0.0.1"  # None: the option was not given
    assert load_settings(environ={}).thrift_port == "10000"


def test_every_setting_is_in_the_help():
    from segments.cli import build_parser

    text = build_parser().format_help()
    assert all(setting.env in text for setting in SETTINGS.values())


def test_state_folder_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SEGMENTS_HOME", str(tmp_path / "state"))
    assert load_settings().state_dir == tmp_path / "state"


@pytest.mark.parametrize("lines, partitions", [(541_909, 8), (8_000_000, 8), (8_000_001, 9), (50_000_000, 50)])
def test_shuffle_partitions_grow_with_the_lines(lines, partitions):
    assert shuffle_partitions_for(lines) == partitions


def test_the_profile_asks_for_partitions_sized_to_the_run_unless_the_user_chose(monkeypatch):
    monkeypatch.delenv("SEGMENTS_SHUFFLE_PARTITIONS", raising=False)
    settings = load_settings()
    partitions = shuffle_partitions(50_000_000, settings.shuffle_partitions)
    profile = read_target(settings, "local", shuffle_partitions=partitions)["server_side_parameters"]
    assert partitions == 50 and profile["spark.sql.shuffle.partitions"] == "50"
    assert spark_conf(settings)["spark.sql.shuffle.partitions"] == "8"  # the profile's default elsewhere
    monkeypatch.setenv("SEGMENTS_SHUFFLE_PARTITIONS", "12")
    settings = load_settings()
    partitions = shuffle_partitions(50_000_000, settings.shuffle_partitions)
    profile = read_target(settings, "local", shuffle_partitions=partitions)["server_side_parameters"]
    assert partitions == 12 and profile["spark.sql.shuffle.partitions"] == "12"


@pytest.mark.parametrize("chosen", ["many", "0", "1.5", ""])
def test_a_partition_count_that_is_not_a_whole_number_is_refused(monkeypatch, chosen):
    monkeypatch.setenv("SEGMENTS_SHUFFLE_PARTITIONS", chosen)
    with pytest.raises(UserError, match="is not a number of partitions"):
        shuffle_partitions(1_000, load_settings().shuffle_partitions)


def test_relative_state_folder_is_under_the_project(monkeypatch):
    monkeypatch.setenv("SEGMENTS_HOME", "my-state")
    settings = load_settings()
    assert settings.state_dir == settings.project_dir / "my-state"


def test_spark_conf_points_at_the_state_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("SEGMENTS_HOME", str(tmp_path))
    monkeypatch.setenv("SEGMENTS_DRIVER_MEMORY", "3g")
    conf = spark_conf(load_settings())
    assert conf["spark.sql.warehouse.dir"] == f"{tmp_path}/warehouse"
    assert f"databaseName={tmp_path}/metastore_db" in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert conf["spark.driver.memory"] == "3g"
    assert conf["spark.sql.ansi.enabled"] == "false"
    assert conf["spark.sql.session.timeZone"] == "UTC"


def test_thrift_target_defaults_to_loopback(monkeypatch):
    monkeypatch.delenv("SEGMENTS_THRIFT_HOST", raising=False)
    monkeypatch.setenv("SEGMENTS_THRIFT_PORT", "10001")
    output = read_target(load_settings(), "thrift")
    assert (output["host"], output["port"]) == ("127.0.0.1", 10001)


def test_unknown_target_lists_the_valid_ones():
    with pytest.raises(UserError, match="local, thrift"):
        read_target(load_settings(), "prod")


def test_unreadable_profile_is_a_clear_error(tmp_path):
    (tmp_path / "profiles.yml").write_text("segments: [not, a, profile")
    with pytest.raises(UserError, match="cannot read profile"):
        read_target(Settings(project_dir=tmp_path, state_dir=tmp_path / "state"), "local")


def test_the_embedded_jvm_compiles_generated_code_of_any_size_and_only_hot_code_with_c2(spark):
    # HotSpot otherwise interprets every method over 8,000 bytes of bytecode, and Spark generates
    # bigger ones for wide selects: the ingest's parse ran 2.6 times slower. C2 compiles only code
    # ten times hotter than by default (profiles.yml). Read back from the running JVM's own flags.
    jvm = spark.sparkContext._jvm
    hotspot = jvm.java.lang.management.ManagementFactory.getPlatformMXBean(
        jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean")
    )
    assert hotspot.getVMOption("DontCompileHugeMethods").getValue() == "false"
