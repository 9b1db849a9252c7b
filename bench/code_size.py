"""How big Arshif's modules and functions are (issue 15's measure), as JSON: lines per module
(those over ``--over`` lines listed), the longest functions and methods, and the totals.

    python bench/code_size.py                 # archive/ indexer/ web/
    python bench/code_size.py web --top 5     # one package, five longest functions

Lines are physical lines (as ``wc -l`` counts them); a function's length runs from its ``def`` to
its last line, decorators left out. Reads the files only; imports nothing of Arshif."""
from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path

ROOTS = ("archive", "indexer", "web")


def measure(roots, over: int = 400, top: int = 10, base: Path = Path(".")) -> dict:
    files = sorted(p for root in roots for p in (base / root).rglob("*.py"))
    lines, functions = {}, []
    for path in files:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(base).as_posix()
        lines[name] = len(text.splitlines())
        for node in ast.walk(ast.parse(text, filename=name)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((node.end_lineno - node.lineno + 1, f"{name}:{node.lineno}", node.name))
    functions.sort(key=lambda f: (-f[0], f[1]))
    return {"modules": len(lines), "lines": sum(lines.values()),
            "over": {name: n for name, n in sorted(lines.items(), key=lambda kv: (-kv[1], kv[0])) if n > over},
            "longest_functions": [{"lines": n, "at": at, "name": fn} for n, at, fn in functions[:top]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", default=list(ROOTS), help="folders to read (default: archive indexer web)")
    parser.add_argument("--over", type=int, default=400, help="list the modules longer than this (default 400)")
    parser.add_argument("--top", type=int, default=10, help="how many longest functions (default 10)")
    args = parser.parse_args()
    print(json.dumps(measure(args.roots, args.over, args.top), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
