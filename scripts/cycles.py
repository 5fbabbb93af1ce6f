#!/usr/bin/env python3
"""Import cycles between the files of each crate's `src` (make lint runs it; it fails on any).

A file is a module; `a -> b` when `a` names an item of `b` through a `crate::`, `super::` or
`self::` path (in a `use` or inline). Edges between a module and its own parent or children are
left out: a parent declares and re-exports its children, which is not a layering question. A
cycle is a strongly connected group of two or more modules.

    python3 scripts/cycles.py            # every crate; exit 1 if a cycle is found
    python3 scripts/cycles.py server/src # one crate
"""
import os
import re
import sys

CRATES = ["types/src", "core/src", "app/src", "server/src", "mock-provider/src", "migration/src"]


def modules(src):
    """Module path (tuple) -> file, for every .rs file under src."""
    out = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(root, f), src)[:-3].split(os.sep)
            if rel[-1] == "mod" or rel == ["lib"] or rel == ["main"]:
                rel = rel[:-1]
            out[tuple(rel)] = os.path.join(root, f)
    return out


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def expand(tree):
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e']."""
    tree = tree.strip()
    i = tree.find("{")
    if i < 0:
        return [re.split(r"\s+as\s+", tree)[0].strip()]
    prefix, inner = tree[:i], tree[i + 1 : tree.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        if p.strip():
            for e in expand(p):
                out.append(prefix + e if e != "self" else prefix.rstrip(":"))
    return out


def references(text):
    text = strip_comments(text)
    paths = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        paths += expand(m.group(1))
    paths += re.findall(r"\b((?:crate|super|self)(?:::\w+)+)", text)
    return paths


def resolve(path, here, mods):
    segs = path.split("::")
    if segs[0] == "crate":
        base, segs = (), segs[1:]
    elif segs[0] == "self":
        base, segs = here, segs[1:]
    elif segs[0] == "super":
        base = here
        while segs and segs[0] == "super":
            base = base[:-1]
            segs = segs[1:]
    else:
        return None
    full = base + tuple(segs)
    for n in range(len(full), -1, -1):
        if full[:n] in mods:
            return full[:n]
    return None


def related(a, b):
    return a[: len(b)] == b or b[: len(a)] == a


def graph(src):
    mods = modules(src)
    edges = {m: set() for m in mods}
    for mod, path in mods.items():
        with open(path, encoding="utf-8") as f:
            for ref in references(f.read()):
                target = resolve(ref, mod, mods)
                if target is not None and target != mod and not related(mod, target):
                    edges[mod].add(target)
    return edges


def cycles(edges):
    """Tarjan's strongly connected components of two or more nodes."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def name(mod):
    return "::".join(mod) or "(crate root)"


def main():
    crates = sys.argv[1:] or [c for c in CRATES if os.path.isdir(c)]
    found = 0
    for src in crates:
        edges = graph(src)
        for group in cycles(edges):
            found += 1
            members = set(group)
            print(f"{src}: cycle of {len(group)} modules")
            for m in group:
                inside = sorted(name(t) for t in edges[m] if t in members)
                print(f"  {name(m)} -> {', '.join(inside)}")
    if found:
        print(f"{found} import cycle(s)")
        return 1
    print("no import cycles in " + ", ".join(crates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
