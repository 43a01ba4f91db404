#!/bin/sh
# make screenshots (after make demo): renders the HTML part of every reply in spool/outbox
# with headless Debian chromium into screenshots/NAME.png, and copies the NCCI/modifier
# reply to docs/reply.png (the picture in the README, cut to the reply with ImageMagick's
# convert when it is installed). Installs chromium when missing
# (a big package: only this target needs it, not make deps).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
if ! command -v chromium >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "screenshots: chromium missing (apt-get install chromium as root)" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi
rm -rf screenshots
mkdir -p screenshots docs
"$PY" - "$TOP" <<'PYEOF'
import email, email.policy, glob, os, sys
top = sys.argv[1]
for f in sorted(glob.glob(os.path.join(top, "spool", "outbox", "*.eml"))):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    h = m.get_body(("html",))
    if h is None:
        continue
    irt = str(m["In-Reply-To"] or "").strip("<>")
    name = irt.split("@")[0].replace("demo-", "") or os.path.basename(f)[:-4]
    with open(os.path.join(top, "screenshots", name + ".html"), "w") as o:
        o.write(h.get_content())
PYEOF
n=0
for h in screenshots/*.html; do
	[ -f "$h" ] || continue
	png=${h%.html}.png
	prof=$(mktemp -d)
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --user-data-dir="$prof" --screenshot="$TOP/$png" \
		--window-size=800,1200 "file://$TOP/$h" >/dev/null 2>&1 || echo "screenshots: $h failed" >&2
	rm -rf "$prof"
	[ -s "$png" ] && n=$((n + 1))
done
echo "screenshots: $n PNG files in screenshots/"
if [ -s screenshots/02-ncci-pair.png ]; then
	# the README's picture: cut to the reply's card (the window is taller than the reply)
	# with ImageMagick when it is installed (apt-get install imagemagick), else as rendered
	if command -v convert >/dev/null 2>&1 &&
	    convert screenshots/02-ncci-pair.png -fuzz 1% -trim +repage -bordercolor '#f6f7f9' \
	    -border 12 -strip docs/reply.png.tmp 2>/dev/null && [ -s docs/reply.png.tmp ]; then
		mv docs/reply.png.tmp docs/reply.png
	else
		rm -f docs/reply.png.tmp
		cp screenshots/02-ncci-pair.png docs/reply.png
	fi
	echo "screenshots: docs/reply.png updated ($(wc -c <docs/reply.png) bytes)"
fi
