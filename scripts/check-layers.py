#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fail when the library's objects call up or around their layers.

Usage: check-layers.py [--list] [--layers HEADER] OBJECT_OR_ARCHIVE...

Reads each object's defined and undefined symbols with nm (an archive
counts as its members); an object that uses a symbol another object
defines depends on it. Fails on any cycle between objects and, given
--layers, on any dependency that does not point down the order of the
"Layers." paragraph of HEADER (lib/iobuf_internal.h), or an object that
paragraph does not name. --list prints every dependency, file -> file.
"""
import re
import subprocess
import sys


def nm(path, *flags):
    """{member name: [(type, symbol)]} for an object or an archive."""
    out = subprocess.run(["nm", *flags, path], capture_output=True,
                         text=True, check=True).stdout
    members, current = {}, path
    for line in out.splitlines():
        if line.endswith(":") and " " not in line:
            current = line[:-1]
            continue
        fields = line.split()
        if len(fields) >= 2:
            members.setdefault(current, []).append((fields[-2], fields[-1]))
    return members


def source_name(member):
    """channel.c.o -> channel.c"""
    base = member.rsplit("/", 1)[-1]
    return base[:-2] if base.endswith(".o") else base


def read_layers(header):
    """The file names of the header's Layers paragraph, top first."""
    text = open(header).read()
    start = text.index("Layers.")
    block = text[start:text.index("*/", start)]
    return re.findall(r"^ \*   (\w+\.c)\b", block, re.M)


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main(argv):
    show, header, paths = False, None, []
    it = iter(argv)
    for arg in it:
        if arg == "--list":
            show = True
        elif arg == "--layers":
            header = next(it)
        else:
            paths.append(arg)
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2

    owner, uses = {}, {}
    for path in paths:
        for member, syms in nm(path, "--defined-only").items():
            # Lower-case types are local (static) symbols: no dependency.
            for kind, sym in syms:
                if kind.isupper():
                    owner[sym] = source_name(member)
                    # .symver's default version is what a plain reference
                    # to the name binds to.
                    if "@@" in sym:
                        owner[sym.split("@@")[0]] = source_name(member)
            uses.setdefault(source_name(member), set())
        for member, syms in nm(path, "--undefined-only").items():
            uses.setdefault(source_name(member), set()).update(
                sym for _, sym in syms)

    graph = {n: set() for n in uses}
    why = {}
    for n, undefined in uses.items():
        for sym in undefined:
            dep = owner.get(sym)
            if dep is not None and dep != n:
                graph[n].add(dep)
                why.setdefault((n, dep), set()).add(sym)

    def reason(a, b):
        syms = sorted(why[(a, b)])
        return ", ".join(syms[:3]) + (f" +{len(syms) - 3}" if len(syms) > 3 else "")

    if show:
        for n in sorted(graph):
            for dep in sorted(graph[n]):
                print(f"{n} -> {dep}  ({reason(n, dep)})")

    bad = 0
    for comp in cycles(graph):
        members = set(comp)
        edges = [f"{a} -> {b} ({reason(a, b)})" for a in comp
                 for b in sorted(graph[a]) if b in members]
        print("cycle between " + ", ".join(comp) + ":\n  " + "\n  ".join(edges),
              file=sys.stderr)
        bad += 1
    if header is not None:
        order = read_layers(header)
        rank = {name: i for i, name in enumerate(order)}
        for n in sorted(graph):
            if n not in rank:
                print(f"{n} is not in the Layers paragraph of {header}",
                      file=sys.stderr)
                bad += 1
                continue
            for dep in sorted(graph[n]):
                if dep in rank and rank[dep] <= rank[n]:
                    print(f"{n} calls up into {dep} ({reason(n, dep)}); "
                          f"{header} puts {dep} above it", file=sys.stderr)
                    bad += 1
    if bad:
        print("lib/ files may call only the files below them (the Layers "
              "paragraph of lib/iobuf_internal.h): move the function that "
              "points up into the lower file, or fix the paragraph",
              file=sys.stderr)
        return 1
    print(f"layers: {len(graph)} objects, every dependency points down")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
