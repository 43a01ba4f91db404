#!/bin/sh
# Install every Debian package codemaild's build, tests, fuzzing and benchmarks need.
# Idempotent: packages already installed are skipped by apt. Run as root (or with sudo).
# libetpan-dev pulls libcurl4-gnutls-dev; never install libcurl4-openssl-dev beside it.
set -eu
PKGS="build-essential pkg-config
libetpan-dev libcurl4-gnutls-dev libsqlite3-dev libpcre2-dev libinih-dev libcsv-dev
libjson-c-dev libxml2-dev libgnutls28-dev libsystemd-dev
libcmocka-dev clang libclang-rt-14-dev sqlite3 python3 time
dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sieve dovecot-managesieved postfix
openssl ca-certificates procps iproute2 netcat-openbsd man-db groff-base systemd"
# Not installed here (a big package): scripts/screenshots.sh (make screenshots) installs it.
OPTIONAL_PKGS="chromium"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing (run 'make deps' as root)" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix must not ask questions nor configure a system mail service: the tests run their own.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# Do not start system mail services on install: the test suite starts private instances.
created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	created_policy=1
fi
apt-get update -qq || true
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
[ -n "$created_policy" ] && rm -f /usr/sbin/policy-rc.d
echo "deps: done"
