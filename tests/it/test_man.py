"""Man pages: codemaild(8) and codemaild.conf(5) render without warnings, every config key
the parser accepts is documented (with its default) and every documented key is accepted,
every subcommand and every exit code the sources use is documented."""
import os
import re
import shutil
import subprocess

from tap import ok, eq, skip, diag, BIN, TOP

MAN8 = os.path.join(TOP, "man", "codemaild.8")
MAN5 = os.path.join(TOP, "man", "codemaild.conf.5")


def render(page):
    env = dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat")
    return subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                          env=env, timeout=60)


def unroff(s):
    """Roff escapes we use in names and defaults -> plain text."""
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    return re.sub(r"\\f[BIRP]", "", s)


def keys_from_binary():
    """{section.key: default} from `codemaild check-config --keys`, or None."""
    if not os.access(BIN, os.X_OK):
        return None
    r = subprocess.run([BIN, "check-config", "--keys"], capture_output=True, text=True,
                       timeout=30)
    if r.returncode != 0 or not r.stdout.strip():
        return None
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            out[parts[0]] = parts[1]
    return out


def keys_from_source():
    """Fallback: {section.key: default} parsed from the key table in src/conf.c."""
    src = open(os.path.join(TOP, "src", "conf.c"), encoding="utf-8").read()
    table = src[src.index("keys[] = {"):]
    table = table[:table.index("\n};")]
    out = {}
    for m in re.finditer(r'(?:STR|ENUM|LONG|DUR|BOOL|SIZE)\(\s*"(\w+)",\s*"(\w+)",\s*\w+,\s*"([^"]*)"'
                         r'|\{\s*"(\w+)",\s*"(\w+)",\s*K_\w+,\s*O\(\w+\),\s*"([^"]*)"', table):
        g = m.groups()
        if g[0]:
            out[f"{g[0]}.{g[1]}"] = g[2]
        else:
            out[f"{g[3]}.{g[4]}"] = g[5]
    return out


def documented_keys(text):
    """{section.key: documented default} from codemaild.conf.5: a key is a `.B name` line
    right after `.TP` inside a `.SS "[section]"` of the KEYS section."""
    out = {}
    lines = text.splitlines()
    sec = None
    in_keys = False
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            in_keys = line.strip() == ".SH KEYS"
            sec = None
            continue
        if not in_keys:
            continue
        m = re.match(r'^\.SS "\[(\w+)\]"', line)
        if m:
            sec = m.group(1)
            continue
        if sec and line == ".TP" and i + 1 < len(lines) and lines[i + 1].startswith(".B "):
            name = unroff(lines[i + 1][3:].strip())
            dflt = None
            if i + 2 < len(lines):
                d = re.search(r"default (empty|\\fB(.*?)\\fR)\)", lines[i + 2])
                if d:
                    dflt = "" if d.group(1) == "empty" else unroff(d.group(2))
            out[f"{sec}.{name}"] = dflt
    return out


def main():
    if shutil.which("man") is None:
        skip("man pages render", "man(1) not installed")
    else:
        for page in (MAN8, MAN5):
            name = os.path.basename(page)
            r = render(page)
            eq(r.returncode, 0, f"{name}: man -l exits 0")
            eq(r.stderr, "", f"{name}: MANWIDTH=80 man --warnings -l prints no warnings")
            ok(len(r.stdout.splitlines()) > 50, f"{name}: renders to text",
               f"{len(r.stdout.splitlines())} lines")

    text5 = open(MAN5, encoding="utf-8").read()
    doc = documented_keys(text5)
    parser = keys_from_binary()
    if parser is None:
        skip("keys from check-config --keys", "binary missing or without --keys; parsed src/conf.c")
        parser = keys_from_source()
    ok(len(parser) > 50, "parser key table read", f"{len(parser)} keys")
    undocumented = sorted(set(parser) - set(doc))
    unknown = sorted(set(doc) - set(parser))
    ok(not undocumented, "every key the parser accepts is documented in codemaild.conf.5",
       ", ".join(undocumented))
    ok(not unknown, "every key documented in codemaild.conf.5 is accepted by the parser",
       ", ".join(unknown))
    wrong = sorted(f"{k} (man: {doc[k]!r}, parser: {parser[k]!r})"
                   for k in set(doc) & set(parser) if doc[k] != parser[k])
    ok(not wrong, "documented defaults match the parser's", "; ".join(wrong))
    diag(f"{len(doc)} keys documented, {len(parser)} accepted")

    # Subcommands: every one `codemaild help` lists has its entry in codemaild.8.
    text8 = open(MAN8, encoding="utf-8").read()
    cmds = []
    if os.access(BIN, os.X_OK):
        r = subprocess.run([BIN, "help"], capture_output=True, text=True, timeout=30)
        cmds = re.findall(r"^  ([a-z][a-z-]+)", r.stdout, re.M)
    if not cmds:
        src = open(os.path.join(TOP, "src", "main.c"), encoding="utf-8").read()
        cmds = re.findall(r'\{ "([a-z-]+)", cmd_', src) + ["version", "help"]
    ok(len(cmds) >= 14, "subcommand list read", ", ".join(cmds))
    entries = set(re.findall(r"^\.B ([a-z\\-]+)", text8, re.M))
    entries = {unroff(e) for e in entries}
    missing = [c for c in cmds if c not in entries]
    ok(not missing, "every subcommand is documented in codemaild.8", ", ".join(missing))
    for opt in ("\\-c", "\\-v"):
        ok(f".BI {opt}" in text8 or f".B {opt}" in text8, f"codemaild.8 documents option {unroff(opt)}")

    # Exit codes: every sysexits name the sources return is explained.
    used = set()
    for f in os.listdir(os.path.join(TOP, "src")):
        if f.endswith(".c"):
            used |= set(re.findall(r"\b(EX_[A-Z]+)\b",
                                   open(os.path.join(TOP, "src", f), encoding="utf-8").read()))
    used -= {"EX_MAX"}       # not a sysexits code (extract.h's EX_MAX_MODS)
    used = {u for u in used if not u.startswith("EX_MAX")}
    missing = sorted(u for u in used if f".RB ( {u} )" not in text8)
    ok(not missing, "every sysexits code used in src/ is documented", ", ".join(missing))
    for sig in ("SIGHUP", "SIGTERM"):
        ok(re.search(rf"^\.B[R]? {sig}", text8, re.M) is not None, f"codemaild.8 documents {sig}")


main()
