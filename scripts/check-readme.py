#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check that the code blocks of markdown files work as written.

usage: check-readme.py --source DIR --build DIR [--cc CC] FILE.md...

Every fenced code block is checked, by its language and by a comment on
the line before it, `<!-- check-readme: ... -->`:

  c                      compiled as a whole program with -Wall -Wextra
                         -Werror -pedantic against the build's iobuf.h and
                         libiobuf.so, then run; it must exit 0.
  sh + "run"             run, in file order and in one bash session with
                         `set -euo pipefail`, in a copy of the source tree,
                         with HOME set to an empty temporary directory and
                         no PKG_CONFIG_PATH or LD_LIBRARY_PATH.
  sh                     `bash -n`; every command it names must be a shell
                         builtin, on PATH or a file of the source tree, and
                         every path it names must exist in the source tree
                         (paths under build*/ are build outputs, skipped).
  any + "same-as FILE"   must equal FILE (relative to the source tree),
                         which a test builds.

Any other block fails. The text around the blocks must also hold: local
links point at files that exist, and there are no issue numbers or commit
hashes.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^(```+|~~~+)\s*([A-Za-z0-9_+-]*)\s*$")
DIRECTIVE = re.compile(r"^<!--\s*check-readme:\s*(.*?)\s*-->$")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
ISSUE = re.compile(r"\bissues?\s+#?\d+|(?<![\w&/])#\d+\b", re.IGNORECASE)
HASH = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b")
SHELL_OPS = {"|", "||", "&&", ";", "&", "(", ")", "!", "{", "}"}
KEYWORDS = {"if", "then", "else", "elif", "fi", "for", "while", "until",
            "do", "done", "case", "esac", "in", "function", "time"}


class Block:
    def __init__(self, path, line, lang, directive, text):
        self.path = path
        self.line = line
        self.lang = lang
        self.directive = directive
        self.text = text

    def where(self):
        return f"{self.path}:{self.line}"


def parse(path, name):
    """Return (blocks, prose lines with their numbers) of a markdown file,
    naming it name in messages."""
    blocks, prose = [], []
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    last = ""
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            prose.append((i + 1, lines[i]))
            if lines[i].strip():
                last = lines[i].strip()
            i += 1
            continue
        fence, lang = m.group(1), m.group(2)
        d = DIRECTIVE.match(last)
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence[0] * len(fence)):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise SystemExit(f"{name}:{start}: unterminated code block")
        blocks.append(Block(name, start, lang, d.group(1) if d else "",
                            "\n".join(body) + "\n"))
        i += 1
        last = ""
    return blocks, prose


def check_prose(path, name, prose, errors):
    base = os.path.dirname(path)
    for n, line in prose:
        for target in LINK.findall(line):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            if not os.path.exists(os.path.join(base, target.split("#")[0])):
                errors.append(f"{name}:{n}: link to a missing file: {target}")
        if DIRECTIVE.match(line.strip()):
            continue
        for pattern, what in ((ISSUE, "an issue number"), (HASH, "a commit hash")):
            m = pattern.search(line)
            if m:
                errors.append(f"{name}:{n}: {what}: {m.group(0)!r}")


def check_c(block, args, work, errors):
    if not re.search(r"\bint\s+main\s*\(", block.text):
        errors.append(f"{block.where()}: C block is not a whole program (no main)")
        return
    src = os.path.join(work, f"block{block.line}.c")
    exe = os.path.join(work, f"block{block.line}")
    with open(src, "w") as f:
        f.write(block.text)
    libdir = os.path.join(args.build, "lib")
    cmd = shlex.split(args.cc) + [
        "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic",
        "-I" + os.path.join(args.source, "include"),
        "-I" + os.path.join(args.build, "include"),
        src, "-o", exe, "-L" + libdir, "-liobuf", "-Wl,-rpath," + libdir]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        errors.append(f"{block.where()}: C block does not compile:\n"
                      f"  {' '.join(cmd)}\n{r.stdout}{r.stderr}")
        return
    try:
        r = subprocess.run([exe], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        errors.append(f"{block.where()}: C block did not finish in 60 s")
        return
    if r.returncode != 0:
        errors.append(f"{block.where()}: C block exited {r.returncode}:\n"
                      f"{r.stdout}{r.stderr}")
        return
    print(f"{block.where()}: C block compiles and runs")


def logical_lines(text):
    """Lines with backslash continuations joined."""
    out, cur = [], ""
    for line in text.split("\n"):
        if line.endswith("\\"):
            cur += line[:-1] + " "
        else:
            out.append(cur + line)
            cur = ""
    return out


def substitutions(line):
    """Split out $(...) bodies: returns (line with $S in their place, bodies)."""
    bodies = []
    while True:
        m = re.search(r"\$\(([^()]*)\)", line)
        if not m:
            return line, bodies
        bodies.append(m.group(1))
        line = line[:m.start()] + "$S" + line[m.end():]


def is_build_output(word):
    return word.split("/")[0].startswith("build")


def check_names(block, args, errors):
    """Every command and path a block names exists."""
    words = []
    for line in logical_lines(block.text):
        line, bodies = substitutions(line)
        for part in [line] + bodies:
            try:
                lex = shlex.shlex(part, posix=True, punctuation_chars=";&|()")
                lex.whitespace_split = True
                lex.commenters = "#"
                tokens = list(lex)
            except ValueError as e:
                errors.append(f"{block.where()}: cannot split {part!r}: {e}")
                continue
            first = True
            for tok in tokens:
                if tok in SHELL_OPS:
                    first = True
                    continue
                if first and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", tok):
                    continue
                words.append((tok, first))
                first = False
    for word, is_command in words:
        if "$" in word or word.startswith("-") or re.match(r"^[a-z]+://", word):
            continue
        if is_command:
            if word in KEYWORDS or is_build_output(word):
                continue
            builtin = subprocess.run(["bash", "-c", f"type -t {shlex.quote(word)}"],
                                     capture_output=True, text=True).stdout.strip()
            if builtin in ("builtin", "keyword") or shutil.which(word):
                continue
            path = os.path.join(args.source, word)
            if "/" in word and os.path.isfile(path) and os.access(path, os.X_OK):
                continue
            errors.append(f"{block.where()}: no such command: {word}")
        elif "/" in word and not re.search(r"[*?<>=]", word):
            if is_build_output(word):
                continue
            path = word if os.path.isabs(word) else os.path.join(args.source, word)
            if not os.path.exists(path):
                errors.append(f"{block.where()}: no such path: {word}")


def check_sh(block, args, errors):
    r = subprocess.run(["bash", "-n"], input=block.text, capture_output=True,
                       text=True)
    if r.returncode != 0:
        errors.append(f"{block.where()}: sh block has a syntax error:\n{r.stderr}")
        return
    before = len(errors)
    check_names(block, args, errors)
    if len(errors) == before:
        print(f"{block.where()}: sh block parses; its commands and paths exist")


def copy_tree(source, dest):
    """The source tree as the working tree has it: tracked and untracked
    files, without ignored ones (build directories)."""
    r = subprocess.run(["git", "-C", source, "ls-files", "-z", "-co",
                        "--exclude-standard"], capture_output=True)
    if r.returncode == 0:
        for name in r.stdout.decode().split("\0"):
            src = os.path.join(source, name)
            if not name or not os.path.lexists(src):
                continue
            os.makedirs(os.path.dirname(os.path.join(dest, name)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, name), follow_symlinks=False)
    else:
        shutil.copytree(source, dest, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("build*", ".git"))


def run_blocks(blocks, args, work, errors):
    tree = os.path.join(work, "tree")
    home = os.path.join(work, "home")
    os.makedirs(home)
    copy_tree(args.source, tree)
    script = ["set -euo pipefail"]
    for b in blocks:
        script.append(f"echo '== {b.where()}'")
        script.append("set -x")
        script.append(b.text)
        script.append("{ set +x; } 2>/dev/null")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PKG_CONFIG_PATH", "LD_LIBRARY_PATH")}
    env["HOME"] = home
    try:
        r = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tree, env=env,
                           capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        errors.append(f"sh blocks to run did not finish in {args.timeout} s")
        return
    if r.returncode != 0:
        errors.append("sh blocks to run failed (exit %d) in %s:\n%s%s" % (
            r.returncode, tree, r.stdout[-4000:], r.stderr[-4000:]))
        args.keep = True
        return
    for b in blocks:
        print(f"{b.where()}: sh block runs")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", required=True, help="the iobuf source tree")
    p.add_argument("--build", required=True, help="a build directory of it")
    p.add_argument("--cc", default=os.environ.get("CC", "cc"))
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("files", nargs="+")
    args = p.parse_args()
    args.source = os.path.abspath(args.source)
    args.build = os.path.abspath(args.build)
    args.keep = False

    errors, to_run, names = [], [], []
    work = tempfile.mkdtemp(prefix="iobuf-readme.")
    try:
        for path in args.files:
            path = os.path.abspath(path)
            if path.startswith(args.source + os.sep):
                path = os.path.relpath(path, args.source)
            names.append(path)
            blocks, prose = parse(os.path.join(args.source, path), path)
            check_prose(os.path.join(args.source, path), path, prose, errors)
            for b in blocks:
                d = b.directive.split()
                if d and d[0] == "same-as" and len(d) == 2:
                    want = open(os.path.join(args.source, d[1]), encoding="utf-8").read()
                    if b.text != want:
                        errors.append(f"{b.where()}: block differs from {d[1]}")
                    else:
                        print(f"{b.where()}: block is {d[1]}")
                elif d == ["run"] and b.lang in ("sh", "bash"):
                    r = subprocess.run(["bash", "-n"], input=b.text, text=True)
                    if r.returncode != 0:
                        errors.append(f"{b.where()}: sh block has a syntax error")
                    to_run.append(b)
                elif d:
                    errors.append(f"{b.where()}: unknown check-readme directive {b.directive!r}")
                elif b.lang == "c":
                    check_c(b, args, work, errors)
                elif b.lang in ("sh", "bash"):
                    check_sh(b, args, errors)
                else:
                    errors.append(f"{b.where()}: no check for a {b.lang or 'plain'} "
                                  "block: use c or sh, or say which file it is "
                                  "(<!-- check-readme: same-as FILE -->)")
        if to_run and not errors:
            run_blocks(to_run, args, work, errors)
    finally:
        if args.keep:
            print(f"check-readme: left {work} for a look")
        else:
            shutil.rmtree(work, ignore_errors=True)

    for e in errors:
        print(f"check-readme: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"check-readme: {', '.join(names)}: every block checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
