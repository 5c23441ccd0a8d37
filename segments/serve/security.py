"""Who may connect: the Thrift server's own LDAP authentication, configured by the settings.

Nothing secret lives in the repository: the server only needs where the directory is and how user
names map to entries; users send their own password from their client. A server on loopback may run
without authentication (only this machine can reach it); on any other address it must have it.
"""

from __future__ import annotations

from dataclasses import dataclass

from segments.errors import UserError
from segments.settings import SETTINGS, Settings

LDAP_URL_ENV = SETTINGS["ldap_url"].env
LDAP_BASE_DN_ENV = SETTINGS["ldap_base_dn"].env
LDAP_USER_DN_PATTERN_ENV = SETTINGS["ldap_user_dn_pattern"].env


@dataclass(frozen=True)
class LdapSettings:
    url: str
    base_dn: str | None = None
    user_dn_pattern: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LdapSettings | None:
        url = (settings.ldap_url or "").strip()
        base_dn = (settings.ldap_base_dn or "").strip() or None
        pattern = (settings.ldap_user_dn_pattern or "").strip() or None
        if not url:
            if base_dn or pattern:
                raise UserError(
                    f"{LDAP_BASE_DN_ENV} or {LDAP_USER_DN_PATTERN_ENV} is set but {LDAP_URL_ENV} is not",
                    f"Set {LDAP_URL_ENV} to the directory, e.g. ldap://ldap.example.org:389",
                )
            return None
        if not url.startswith(("ldap://", "ldaps://")):
            raise UserError(f"{LDAP_URL_ENV}={url!r} is not an LDAP URL", "Use ldap://host:port or ldaps://host:port")
        if base_dn is None and pattern is None:
            raise UserError(
                f"{LDAP_URL_ENV} is set but neither {LDAP_BASE_DN_ENV} nor {LDAP_USER_DN_PATTERN_ENV}",
                f"Set {LDAP_BASE_DN_ENV}, e.g. ou=people,dc=example,dc=org",
            )
        if pattern is not None and "%s" not in pattern:
            raise UserError(f"{LDAP_USER_DN_PATTERN_ENV} must contain %s where the user name goes")
        return cls(url=url, base_dn=base_dn, user_dn_pattern=pattern)

    def hive_conf(self) -> dict[str, str]:
        conf = {
            "hive.server2.authentication": "LDAP",
            "hive.server2.authentication.ldap.url": self.url,
        }
        if self.base_dn:
            conf["hive.server2.authentication.ldap.baseDN"] = self.base_dn
        if self.user_dn_pattern:
            conf["hive.server2.authentication.ldap.userDNPattern"] = self.user_dn_pattern
        return conf


def require_authentication(host: str, loopback: bool, ldap: LdapSettings | None) -> None:
    """Refuse to listen beyond this machine without authentication."""
    if loopback or ldap is not None:
        return
    raise UserError(
        f"refusing to listen on {host} without authentication: anyone who can reach it could read and drop every table",
        f"Configure LDAP ({LDAP_URL_ENV} and {LDAP_BASE_DN_ENV}, see the README), "
        f"or listen on loopback only (--host 127.0.0.1)",
    )
