"""The server's settings without starting it: endpoints from the environment, LDAP settings, the
refusal to listen beyond loopback without authentication, and the Spark settings it starts with."""

from __future__ import annotations

import pytest

from segments.errors import UserError
from segments.serve.security import LdapSettings, require_authentication
from segments.serve.server import ServeOptions, server_conf
from segments.settings import load_settings
from segments.warehouse.endpoints import Endpoints, is_loopback, port_free

LDAP_KEYS = ("SEGMENTS_LDAP_URL", "SEGMENTS_LDAP_BASE_DN", "SEGMENTS_LDAP_USER_DN_PATTERN")


@pytest.fixture
def no_ldap(monkeypatch):
    for key in LDAP_KEYS:
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def test_endpoints_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SEGMENTS_THRIFT_HOST", "10.0.0.5")
    monkeypatch.setenv("SEGMENTS_THRIFT_PORT", "10010")
    monkeypatch.delenv("SEGMENTS_CONNECT_PORT", raising=False)
    endpoints = Endpoints.from_settings(load_settings())
    assert endpoints.jdbc_url == "jdbc:hive2://10.0.0.5:10010/analytics"
    assert endpoints.connect_url == "sc://127.0.0.1:15002"  # Spark Connect stays on loopback
    monkeypatch.setenv("SEGMENTS_THRIFT_PORT", "ten")
    with pytest.raises(UserError, match="SEGMENTS_THRIFT_PORT='ten' is not a port number"):
        Endpoints.from_settings(load_settings())


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")


def test_a_public_address_needs_ldap(no_ldap):
    require_authentication("127.0.0.1", True, None)
    with pytest.raises(UserError, match="refusing to listen on 0.0.0.0 without authentication"):
        require_authentication("0.0.0.0", False, None)
    require_authentication("0.0.0.0", False, LdapSettings(url="ldap://ldap:389", base_dn="ou=people,dc=x"))


@pytest.mark.parametrize(
    "values, message",
    [
        ({"SEGMENTS_LDAP_BASE_DN": "ou=people,dc=x"}, "SEGMENTS_LDAP_URL is not"),
        ({"SEGMENTS_LDAP_URL": "http://ldap"}, "is not an LDAP URL"),
        ({"SEGMENTS_LDAP_URL": "ldap://ldap:389"}, "neither SEGMENTS_LDAP_BASE_DN nor"),
        ({"SEGMENTS_LDAP_URL": "ldap://ldap:389", "SEGMENTS_LDAP_USER_DN_PATTERN": "uid=x"}, "must contain %s"),
    ],
)
def test_ldap_settings_are_checked(no_ldap, values, message):
    for key, value in values.items():
        no_ldap.setenv(key, value)
    with pytest.raises(UserError, match=message):
        LdapSettings.from_settings(load_settings())


def test_no_ldap_settings_means_no_authentication(no_ldap):
    assert LdapSettings.from_settings(load_settings()) is None


def test_server_conf_hosts_both_endpoints_on_the_project_warehouse(settings, no_ldap):
    options = ServeOptions(
        endpoints=Endpoints("0.0.0.0", 10010, 15010), master="spark://m:7077", conf={"spark.executor.memory": "2g"}
    )
    ldap = LdapSettings(url="ldaps://ldap:636", user_dn_pattern="uid=%s,ou=people,dc=x")
    conf = server_conf(settings, options, ldap)
    assert conf["spark.plugins"] == "org.apache.spark.sql.connect.SparkConnectPlugin"
    assert conf["spark.connect.grpc.binding.address"] == "127.0.0.1"
    assert conf["spark.connect.grpc.binding.port"] == "15010"
    assert conf["spark.hadoop.hive.server2.thrift.bind.host"] == "0.0.0.0"
    assert conf["spark.hadoop.hive.server2.thrift.port"] == "10010"
    assert conf["spark.hadoop.hive.server2.authentication"] == "LDAP"
    assert conf["spark.hadoop.hive.server2.authentication.ldap.userDNPattern"] == "uid=%s,ou=people,dc=x"
    assert conf["spark.master"] == "spark://m:7077" and conf["spark.executor.memory"] == "2g"
    assert conf["spark.sql.warehouse.dir"] == f"{settings.state_dir}/warehouse"
    assert "-XX:+UseG1GC" in conf["spark.driver.defaultJavaOptions"]


def test_port_free_sees_a_listener():
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert not port_free("127.0.0.1", listener.getsockname()[1])
