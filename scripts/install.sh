#!/bin/sh
# install.sh — install or uninstall codemaild (called by `make install` / `make uninstall`).
#
#   sh scripts/install.sh DESTDIR PREFIX SYSCONFDIR BIN
#   sh scripts/install.sh --uninstall DESTDIR PREFIX SYSCONFDIR
#
# Installs (paths below are under DESTDIR):
#   PREFIX/sbin/codemaild                          0755  the binary
#   SYSCONFDIR/codemaild/codemaild.conf            0640  generated from conf/codemaild.conf
#        with the paths of an installed system; an existing file is never overwritten (the
#        new one goes to codemaild.conf.new instead)
#   SYSCONFDIR/codemaild/templates/                0750  admin template overrides (empty)
#   PREFIX/share/codemaild/templates/              0644  the shipped templates
#   PREFIX/share/codemaild/sample/codes.db         0644  the sample reference DB
#   PREFIX/share/codemaild/knowledge/              0644  our knowledge topics and modifier data (*.tsv)
#                                                        (import knowledge)
#   PREFIX/share/man/man8/codemaild.8, man5/codemaild.conf.5
#   UNITDIR/codemaild.service  (PREFIX/lib/systemd/system; /lib/systemd/system for /usr)
#   LIBDIR/sysusers.d/codemaild.conf, LIBDIR/tmpfiles.d/codemaild.conf
#   LOCALSTATEDIR/lib/codemaild, LOCALSTATEDIR/spool/codemaild/{inbox,outbox}   0700
#
# With DESTDIR empty and run as root, the codemaild user is created with systemd-sysusers
# and the state/spool directories with systemd-tmpfiles (owned by codemaild); the config
# becomes root:codemaild. With DESTDIR set the system's users are never touched.
# Uninstall removes what install installed, never the config, the state or the spool.
# Environment: LOCALSTATEDIR (default /var); INSTALL_NO_SYSTEMCTL=1 skips daemon-reload.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
LOCALSTATEDIR=${LOCALSTATEDIR:-/var}
SVCUSER=codemaild

mode=install
if [ "${1:-}" = "--uninstall" ]; then
	mode=uninstall
	shift
fi
if [ $# -lt 3 ]; then
	echo "usage: $0 DESTDIR PREFIX SYSCONFDIR BIN | --uninstall DESTDIR PREFIX SYSCONFDIR" >&2
	exit 64
fi
DESTDIR=$1
PREFIX=$2
SYSCONFDIR=$3
BIN=${4:-}
[ -n "$PREFIX" ] || PREFIX=/usr/local
[ -n "$SYSCONFDIR" ] || SYSCONFDIR=/etc

SBINDIR=$PREFIX/sbin
DATADIR=$PREFIX/share/codemaild
MANDIR=$PREFIX/share/man
if [ "$PREFIX" = "/usr" ]; then
	UNITDIR=/lib/systemd/system
else
	UNITDIR=$PREFIX/lib/systemd/system
fi
LIBDIR=$PREFIX/lib
CONFDIR=$SYSCONFDIR/codemaild
STATEDIR=$LOCALSTATEDIR/lib/codemaild
SPOOLDIR=$LOCALSTATEDIR/spool/codemaild

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }
live() { [ -z "$DESTDIR" ]; }           # installing onto this very system
have_user() { getent passwd "$SVCUSER" >/dev/null 2>&1; }
have() { command -v "$1" >/dev/null 2>&1; }
# INSTALL_NO_SYSTEMCTL=1: never call systemctl (tests install in a private mount namespace)
systemd_running() { [ -d /run/systemd/system ] && [ -z "${INSTALL_NO_SYSTEMCTL:-}" ]; }

# put MODE SRC DST: install one file, creating its directory.
put() {
	install -d -m 0755 "$(dirname "$3")"
	install -m "$1" "$2" "$3"
	say "$3"
}

# The installed config: conf/codemaild.conf with every path key pointing at the installed
# locations. Path keys are rewritten (commented-out defaults are uncommented); a key or a
# section the sample lacks is added, so the result is complete even from an empty file.
gen_conf() { # SAMPLE > stdout
	awk -v statedir="$STATEDIR" -v spooldir="$SPOOLDIR" -v datadir="$DATADIR" \
	    -v confdir="$CONFDIR" -v svcuser="$SVCUSER" '
	BEGIN {
		n = 0
		add("general", "state_db", statedir "/state.db")
		add("general", "status_file", statedir "/codemaild.status")
		add("general", "reference_db", datadir "/sample/codes.db")
		add("general", "templates", datadir "/templates")
		add("general", "templates_override", confdir "/templates")
		add("general", "user", svcuser)
		add("source", "maildir", spooldir "/inbox")
		add("sender", "outbox", spooldir "/outbox")
		sec = ""
	}
	function add(s, k, v) { n++; S[n] = s; K[n] = k; V[n] = v; val[s "." k] = v }
	function flush_section(s,   i) {
		for (i = 1; i <= n; i++)
			if (S[i] == s && !done[s "." K[i]]) {
				print K[i] " = " V[i]
				done[s "." K[i]] = 1
			}
	}
	/^[ \t]*$/ { blanks++; next }     # held back: missing keys go before them
	/^[ \t]*\[[^]]*\][ \t]*$/ {
		if (sec != "") flush_section(sec)
		for (; blanks > 0; blanks--) print ""
		sec = $0
		gsub(/^[ \t]*\[|\][ \t]*$/, "", sec)
		seen[sec] = 1
		print
		next
	}
	{
		for (; blanks > 0; blanks--) print ""
		line = $0
		commented = (line ~ /^[ \t]*[#;][ \t]*[a-z_]+[ \t]*=/)
		key = line
		sub(/^[ \t]*[#;]?[ \t]*/, "", key)
		if (key ~ /^[a-z_]+[ \t]*=/) {
			sub(/[ \t]*=.*/, "", key)
			id = sec "." key
			if (id in val) {
				if (!done[id]) {
					print "# (path set by make install)"
					print key " = " val[id]
					done[id] = 1
				} else if (!commented) {
					print "# (overridden above by make install) " line
				} else
					print
				next
			}
		}
		print
	}
	END {
		if (sec != "") flush_section(sec)
		for (; blanks > 0; blanks--) print ""
		for (i = 1; i <= n; i++)
			if (!seen[S[i]] && !hdr[S[i]]) {
				print ""
				print "[" S[i] "]"
				hdr[S[i]] = 1
				flush_section(S[i])
			}
	}' "$1"
}

do_install() {
	[ -n "$BIN" ] || die "no binary given"
	[ -x "$BIN" ] || die "binary $BIN not found (run make first)"

	# binary
	put 0755 "$BIN" "$DESTDIR$SBINDIR/codemaild"

	# shipped templates and sample data
	if [ -d "$TOP/templates" ]; then
		rm -rf "$DESTDIR$DATADIR/templates"
		install -d -m 0755 "$DESTDIR$DATADIR/templates"
		(cd "$TOP/templates" && find . -type d) | while read -r d; do
			install -d -m 0755 "$DESTDIR$DATADIR/templates/$d"
		done
		(cd "$TOP/templates" && find . -type f) | while read -r f; do
			install -m 0644 "$TOP/templates/$f" "$DESTDIR$DATADIR/templates/$f"
		done
		say "$DESTDIR$DATADIR/templates/ ($(cd "$TOP/templates" && find . -type f | wc -l) files)"
	else
		say "warning: no templates/ directory in the source tree; none installed"
	fi
	if [ -d "$TOP/knowledge" ]; then      # our topics, for `codemaild import knowledge`
		rm -rf "$DESTDIR$DATADIR/knowledge"
		(cd "$TOP/knowledge" && find . -type d) | while read -r d; do
			install -d -m 0755 "$DESTDIR$DATADIR/knowledge/$d"
		done
		(cd "$TOP/knowledge" && find . -type f \( -name '*.topic' -o -name '*.tsv' \)) |
		    while read -r f; do
			install -m 0644 "$TOP/knowledge/$f" "$DESTDIR$DATADIR/knowledge/$f"
		done
		say "$DESTDIR$DATADIR/knowledge/ ($(cd "$TOP/knowledge" && find . -name '*.topic' | wc -l) topics)"
	fi
	if [ -f "$TOP/data/sample/codes.db" ]; then
		put 0644 "$TOP/data/sample/codes.db" "$DESTDIR$DATADIR/sample/codes.db"
	else
		say "warning: data/sample/codes.db not built (make sampledb); sample DB not installed"
	fi

	# man pages
	put 0644 "$TOP/man/codemaild.8" "$DESTDIR$MANDIR/man8/codemaild.8"
	put 0644 "$TOP/man/codemaild.conf.5" "$DESTDIR$MANDIR/man5/codemaild.conf.5"

	# systemd unit, sysusers.d, tmpfiles.d (paths rewritten for this PREFIX/SYSCONFDIR)
	install -d -m 0755 "$DESTDIR$UNITDIR"
	sed -e "s#/usr/local/sbin/codemaild#$SBINDIR/codemaild#g" \
	    -e "s#/etc/codemaild#$CONFDIR#g" \
	    -e "s#/var/spool/codemaild#$SPOOLDIR#g" \
	    "$TOP/systemd/codemaild.service" >"$DESTDIR$UNITDIR/codemaild.service.tmp"
	chmod 0644 "$DESTDIR$UNITDIR/codemaild.service.tmp"
	mv -f "$DESTDIR$UNITDIR/codemaild.service.tmp" "$DESTDIR$UNITDIR/codemaild.service"
	say "$DESTDIR$UNITDIR/codemaild.service"
	put 0644 "$TOP/systemd/codemaild.sysusers" "$DESTDIR$LIBDIR/sysusers.d/codemaild.conf"
	install -d -m 0755 "$DESTDIR$LIBDIR/tmpfiles.d"
	sed -e "s#/var/lib/codemaild#$STATEDIR#g" -e "s#/var/spool/codemaild#$SPOOLDIR#g" \
	    "$TOP/systemd/codemaild.tmpfiles" >"$DESTDIR$LIBDIR/tmpfiles.d/codemaild.conf"
	chmod 0644 "$DESTDIR$LIBDIR/tmpfiles.d/codemaild.conf"
	say "$DESTDIR$LIBDIR/tmpfiles.d/codemaild.conf"

	# the service user (live root installs only)
	if live && is_root; then
		if have systemd-sysusers; then
			systemd-sysusers "$DESTDIR$LIBDIR/sysusers.d/codemaild.conf"
		elif ! have_user; then
			adduser --system --group --home "$STATEDIR" --no-create-home \
			    --shell /usr/sbin/nologin "$SVCUSER"
		fi
		have_user && say "service user: $SVCUSER"
	fi

	# config directory and config (never overwritten)
	install -d -m 0750 "$DESTDIR$CONFDIR"
	[ -d "$DESTDIR$CONFDIR/templates" ] || install -d -m 0750 "$DESTDIR$CONFDIR/templates"
	sample=$TOP/conf/codemaild.conf
	if [ ! -f "$sample" ]; then
		say "warning: conf/codemaild.conf missing; installing a minimal config"
		sample=/dev/null
	fi
	tmp="$DESTDIR$CONFDIR/.codemaild.conf.$$"
	(
		umask 077
		{
			echo "# codemaild.conf — installed by make install; see codemaild.conf(5)."
			echo "# The path keys marked \"(path set by make install)\" point at the installed"
			echo "# system: $STATEDIR, $SPOOLDIR, $DATADIR, $CONFDIR."
			echo "# Where the text below speaks of the embedded mode, read these instead."
			echo "#"
			gen_conf "$sample"
		} >"$tmp"
	)
	chmod 0640 "$tmp"
	dst="$DESTDIR$CONFDIR/codemaild.conf"
	if [ ! -e "$dst" ]; then
		mv -f "$tmp" "$dst"
		say "$dst"
	elif cmp -s "$tmp" "$dst"; then
		rm -f "$tmp"
		say "$dst unchanged"
	else
		mv -f "$tmp" "$dst.new"
		say "$dst exists and was kept; the new default config is $dst.new"
	fi

	# state and spool
	if live && is_root && have systemd-tmpfiles && have_user; then
		systemd-tmpfiles --create "$LIBDIR/tmpfiles.d/codemaild.conf"
	else
		for d in "$STATEDIR" "$SPOOLDIR" "$SPOOLDIR/inbox" "$SPOOLDIR/inbox/cur" \
		    "$SPOOLDIR/inbox/new" "$SPOOLDIR/inbox/tmp" "$SPOOLDIR/outbox"; do
			install -d -m 0700 "$DESTDIR$d"
		done
	fi
	say "$DESTDIR$STATEDIR, $DESTDIR$SPOOLDIR (0700)"

	# ownership, live root installs only
	if live && is_root && have_user; then
		chown "root:$SVCUSER" "$CONFDIR" "$CONFDIR/templates"
		for f in "$CONFDIR/codemaild.conf" "$CONFDIR/codemaild.conf.new"; do
			[ -e "$f" ] && chown "root:$SVCUSER" "$f"
		done
		chown "$SVCUSER:$SVCUSER" "$STATEDIR" "$SPOOLDIR"
		if systemd_running && have systemctl; then
			systemctl daemon-reload || true
		fi
		say "next: edit $CONFDIR/codemaild.conf, then: systemctl enable --now codemaild"
	elif live && ! is_root; then
		say "not root: the codemaild user was not created and nothing was chowned (see docs/admin.md)"
	fi
}

rm_file() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		rm -f "$1"
		say "removed $1"
	fi
}

do_uninstall() {
	rm_file "$DESTDIR$SBINDIR/codemaild"
	rm_file "$DESTDIR$MANDIR/man8/codemaild.8"
	rm_file "$DESTDIR$MANDIR/man5/codemaild.conf.5"
	rm_file "$DESTDIR$UNITDIR/codemaild.service"
	rm_file "$DESTDIR$LIBDIR/sysusers.d/codemaild.conf"
	rm_file "$DESTDIR$LIBDIR/tmpfiles.d/codemaild.conf"
	if [ -d "$DESTDIR$DATADIR" ]; then
		rm -rf "$DESTDIR$DATADIR/templates" "$DESTDIR$DATADIR/sample" "$DESTDIR$DATADIR/knowledge"
		rmdir "$DESTDIR$DATADIR" 2>/dev/null || true
		say "removed $DESTDIR$DATADIR"
	fi
	if live && systemd_running && have systemctl; then
		systemctl daemon-reload || true
	fi
	say "kept: $DESTDIR$CONFDIR (config, templates), $DESTDIR$STATEDIR, $DESTDIR$SPOOLDIR and the $SVCUSER user"
}

if [ "$mode" = uninstall ]; then
	do_uninstall
else
	do_install
fi
