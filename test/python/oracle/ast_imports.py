"""Independent oracle for graph/python/extract-imports.ts: CPython's own `ast` module.

Usage: python3 ast_imports.py [--max-bytes N] ROOT...
Prints one JSON object: {"python": version, "files": [{"path", "imports": [[module, level, line]...]}
or {"path", "error": "SyntaxError: ..."}]}. Files that CPython itself cannot parse carry an
"error" and are left out of the comparison. Work is spread over a process pool because parsing
~10^4 files with `ast` is the slow half of the test.
"""
import ast
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor

BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def imports_of(path):
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        return {"path": path, "error": f"{type(e).__name__}: {e}"}
    out = []
    # Imports are statements, so walking statement lists finds them all (also nested ones)
    # at a fraction of the cost of ast.walk over every expression node.
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            out.extend([a.name, 0, a.lineno] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.append([node.module or "", node.level, node.lineno])
        for field in BODY_FIELDS:
            children = getattr(node, field, None)
            if children:
                stack.extend(children)
    out.sort()
    return {"path": path, "imports": out}


def python_files(roots, max_bytes):
    seen = set()
    for root in roots:
        for d, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                p = os.path.join(d, name)
                if not name.endswith(".py") or p in seen or not os.path.isfile(p):
                    continue
                seen.add(p)
                if os.path.getsize(p) <= max_bytes:
                    yield p


def main(argv):
    max_bytes = 1 << 62
    if argv[:1] == ["--max-bytes"]:
        max_bytes = int(argv[1])
        argv = argv[2:]
    files = list(python_files(argv, max_bytes))
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(imports_of, files, chunksize=64))
    json.dump({"python": sys.version.split()[0], "files": results}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
