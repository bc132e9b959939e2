#!/usr/bin/python3
"""The include graph of cordon's sources, as TAP: no cycle between modules
(a module is a .c file and its .h, NAME_impl.h included), and no include
that climbs up the layers (docs/internals/architecture.md). The Makefile's
per-folder include paths already refuse a climbing include at build time;
this check says it in words and covers headers no .c compiles alone."""
import collections
import os
import re
import sys

# Bottom up; a folder may include its own headers and those of lower
# layers. Siblings of one row may not include each other unless listed.
LAYERS = [
    ["common"], ["common/aws"], ["feeds"], ["sensor"],
    ["enforcer/nft", "enforcer/journal", "enforcer/cloud"],
    ["enforcer/respond"], ["enforcer/agent"], ["enforcer"],
]
SIBLINGS_OK = {("enforcer/cloud", "enforcer/journal")}


def main():
    rank = {d: i for i, row in enumerate(LAYERS) for d in row}
    files = [os.path.join(d, f) for d in rank for f in sorted(os.listdir(d))
             if f.endswith((".c", ".h")) and os.path.isfile(os.path.join(d, f))]
    hdr = {}
    for p in files:
        if p.endswith(".h"):
            if os.path.basename(p) in hdr:
                print(f"not ok 1 - header name {os.path.basename(p)} in two folders")
                return 1
            hdr[os.path.basename(p)] = p

    def module(p):
        return re.sub(r"_impl$", "", p[:-2])

    graph = collections.defaultdict(set)
    climbs = []
    for p in files:
        src = open(p, encoding="utf-8").read()
        for inc in re.findall(r'^#include "([^"]+)"', src, re.M):
            if inc not in hdr:
                continue
            a, b = os.path.dirname(p), os.path.dirname(hdr[inc])
            if rank[b] > rank[a] or (rank[b] == rank[a] and a != b and
                                     (a, b) not in SIBLINGS_OK):
                climbs.append(f"{p} includes {hdr[inc]}")
            if module(hdr[inc]) != module(p):
                graph[module(p)].add(module(hdr[inc]))
    # Tarjan's strongly connected components: a cycle is one of size > 1.
    index, low, stack, on, cycles, n = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(100000)

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
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
                cycles.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    ok = 0
    print("ok 1 - %d modules, %d include edges" % (len(graph), sum(map(len, graph.values()))))
    if climbs:
        print("not ok 2 - includes that climb up the layers:")
        for c in climbs:
            print("#   " + c)
        ok = 1
    else:
        print("ok 2 - no include climbs up the layers")
    if cycles:
        print("not ok 3 - include cycles between modules:")
        for c in cycles:
            print("#   " + " <-> ".join(c))
        ok = 1
    else:
        print("ok 3 - no include cycle between modules")
    print("1..3")
    return ok


if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
    sys.exit(main())
