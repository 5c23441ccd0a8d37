#!/bin/sh
# Debian's OpenLDAP server, for the LDAP authentication test of `segments serve` (needs root or sudo;
# apt only). The test runs its own slapd on loopback with a throwaway config; the package's default
# instance is not used.
set -eu
if [ -x /usr/sbin/slapd ]; then exit 0; fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
# no debconf questions; the package's own server is not needed, so it is not started
echo "slapd slapd/no_configuration boolean true" | $SUDO debconf-set-selections
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get install -y -qq --no-install-recommends slapd >/dev/null
ls /usr/sbin/slapd
