"""The import graph between Chirp's top-level packages: every edge, and every cycle.

    .venv/bin/python tools/package_graph.py [--detail A B]

Counts every ``import chirp.X`` in package Y, at module level, inside functions and under
``TYPE_CHECKING`` alike (grimp, the graph import-linter checks). ``--detail A B`` lists the
imports behind the edge A -> B.
"""

from __future__ import annotations

import argparse
import sys

import grimp


def package_edges(graph: grimp.ImportGraph, root: str) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module in sorted(graph.modules):
        parts = module.split(".")
        if parts[0] != root or len(parts) < 2:
            continue
        source = parts[1]
        for imported in graph.find_modules_directly_imported_by(module):
            target = imported.split(".")
            if target[0] == root and len(target) > 1 and target[1] != source:
                edges.setdefault(source, set()).add(target[1])
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    nodes = sorted(set(edges) | {t for targets in edges.values() for t in targets})
    for node in nodes:
        if node not in index:
            visit(node)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--detail", nargs=2, metavar=("FROM", "TO"))
    args = parser.parse_args()
    sys.setrecursionlimit(10_000)
    graph = grimp.build_graph("chirp")
    edges = package_edges(graph, "chirp")
    if args.detail:
        source, target = args.detail
        for module in sorted(graph.modules):
            if module == f"chirp.{source}" or module.startswith(f"chirp.{source}."):
                for imported in sorted(graph.find_modules_directly_imported_by(module)):
                    if imported == f"chirp.{target}" or imported.startswith(f"chirp.{target}."):
                        print(f"{module} -> {imported}")
        return
    total = sum(len(t) for t in edges.values())
    print(f"{total} edges between {len(set(edges) | set().union(*edges.values()))} packages")
    for source in sorted(edges):
        print(f"  {source} -> {', '.join(sorted(edges[source]))}")
    mutual = sorted(
        {tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())}
    )
    found = cycles(edges)
    print(f"cycles: {len(found)}" + "".join(f"\n  {' <-> '.join(c)}" for c in found))
    print(
        f"pairs importing each other: {len(mutual)}"
        + "".join(f"\n  {a} <-> {b}" for a, b in mutual)
    )


if __name__ == "__main__":
    main()
