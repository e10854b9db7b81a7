#!/usr/bin/env python3
"""optlist.py - the option lists of nsprobe's --help texts and of its man page,
for tests/integration/manpage.sh and completion.sh.

  optlist.py help            a --help text on stdin -> its options, one a line
  optlist.py commands        `nsprobe --help` on stdin -> the command names
  optlist.py man FILE        the mdoc source -> "SECTION OPTION" lines, SECTION being
                             a command name (its .Ss), or "common" (COMMON OPTIONS);
                             a command without options gives "SECTION" alone

A --help text names an option where it defines it: in a usage line, or at the
start of a column of an option line (a line whose first character is '-';
columns are separated by two or more spaces, so "-j, --jobs N   run..." and
"--kernels FILE;  --probe-dir DIR  ..." both count).  Options mentioned in the
prose of a description are not definitions and are not counted.
"""
import re
import sys

OPT = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)")


def help_options(text):
    opts = set()
    for line in text.splitlines():
        s = line.strip()
        if s.lower().startswith("usage:"):
            opts.update(OPT.findall(s))
            continue
        if not s.startswith("-"):
            continue
        for col in re.split(r"\s{2,}", s):
            if not col.startswith("-"):
                continue
            # the column's leading option words: "-j, --jobs N" -> -j --jobs
            for word in re.split(r"[\s,;]+", col):
                word = re.sub(r"\[?=.*$", "", word)  # --color[=WHEN], --x=N
                if OPT.fullmatch(word):
                    opts.add(word)
    return opts


def help_commands(text):
    cmds, inside = [], False
    for line in text.splitlines():
        if re.match(r"^\s*commands:\s*$", line, re.I):
            inside = True
            continue
        if inside:
            m = re.match(r"^\s+([a-z][a-z0-9-]*)(\s{2,}|$)", line)
            if not m:
                if cmds:
                    break
                continue
            cmds.append(m.group(1))
    return cmds


def man_options(path):
    sect, out = None, {}
    for line in open(path, encoding="utf-8"):
        words = line.split()
        if not words:
            continue
        if words[0] == ".Sh":
            sect = "common" if words[1:] == ["COMMON", "OPTIONS"] else None
        elif words[0] == ".Ss" and len(words) > 2 and words[1] == "nsprobe":
            name = [w for w in words[2:] if w not in ("Oo", "Op")][0]
            sect = name
        if sect is None:
            continue
        out.setdefault(sect, set())
        if words[0] == ".It":
            for i, w in enumerate(words[:-1]):
                if w == "Fl":
                    out[sect].add("-" + words[i + 1])
    return out


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "help":
        print("\n".join(sorted(help_options(sys.stdin.read()))))
    elif mode == "commands":
        print("\n".join(help_commands(sys.stdin.read())))
    elif mode == "man":
        for sect, opts in sorted(man_options(sys.argv[2]).items()):
            print(sect)
            for o in sorted(opts):
                print(sect, o)
    else:
        sys.exit("usage: optlist.py help|commands|man FILE")


if __name__ == "__main__":
    main()
