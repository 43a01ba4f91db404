#!/usr/bin/env python3
"""Writes a full-size synthetic ICD-10-CM tabular XML (default ~9.7 MB, the size of CDC's
icd10cm_tabular_2026.xml) from the structure of the shared excerpt: the excerpt's chapters
are repeated with their categories renamed to fresh synthetic category codes (letter, digit,
digit-or-letter), keeping every element kind (includes, inclusion terms, Excludes1/2, code
first, use additional, code also, 7th-character notes and definitions) and the nesting.
Only for measuring the importer: the codes are not real.

usage: gen_tabular.py EXCERPT OUT [TARGET_BYTES]"""
import itertools
import re
import string
import sys


def categories():
    for a in string.ascii_uppercase:
        for b in string.digits:
            for c in string.digits + string.ascii_uppercase:
                yield a + b + c


def main():
    src, out = sys.argv[1], sys.argv[2]
    target = int(sys.argv[3]) if len(sys.argv) > 3 else 9_700_000
    text = open(src, encoding="utf-8").read()
    head = text[:text.index("<chapter>")]
    tail = text[text.rindex("</chapter>") + len("</chapter>"):]
    body = text[text.index("<chapter>"):text.rindex("</chapter>") + len("</chapter>")]
    cats = sorted(set(re.findall(r"<name>([A-Z][0-9][0-9A-Z])</name>", body)))
    gen = categories()
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        f.write(head)
        size = len(head.encode())
        for copy in itertools.count():
            ren = {}
            for c in cats:
                ren[c] = next(gen, None)
                if ren[c] is None:
                    break
            if None in ren.values():
                break
            # rename <name> codes, section ids and chapter numbers; notes keep their text
            part = re.sub(r"<name>([A-Z][0-9][0-9A-Z])(\.[0-9A-Z]+)?</name>",
                          lambda m: "<name>%s%s</name>" % (ren.get(m.group(1), m.group(1)), m.group(2) or ""),
                          body)
            part = re.sub(r'id="([A-Z][0-9][0-9A-Z])-([A-Z][0-9][0-9A-Z])"',
                          lambda m: 'id="%s-%s"' % (ren.get(m.group(1), m.group(1) + "x%d" % copy),
                                                    ren.get(m.group(2), m.group(2) + "x%d" % copy)), part)
            part = re.sub(r"<chapter>\s*<name>(\d+)</name>",
                          lambda m: "<chapter>\n    <name>%d</name>" % (copy * 100 + int(m.group(1))), part)
            f.write(part)
            size += len(part.encode())
            n += 1
            if size >= target:
                break
        f.write(tail)
    print("%s: %d copies of the excerpt's chapters, %d bytes" % (out, n, size + len(tail.encode())))


if __name__ == "__main__":
    main()
