"""The peer of bench/graph-python: the CPython `ast` scan of every .py file under ROOT.

Reads each file, parses it with `ast.parse`, and lists (module, level) of every Import and
ImportFrom statement, walking statement bodies only (the cheapest correct walk). Single
process, like our side. Prints {"files", "imports", "seconds"} where seconds excludes
interpreter start-up.
"""
import ast
import json
import os
import sys
import time

BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def main(root):
    start = time.perf_counter()
    files = imports = 0
    for d, dirs, names in os.walk(root):
        for name in names:
            if not name.endswith(".py"):
                continue
            with open(os.path.join(d, name), "rb") as f:
                tree = ast.parse(f.read())
            files += 1
            stack = list(tree.body)
            while stack:
                node = stack.pop()
                if isinstance(node, ast.Import):
                    imports += len(node.names)
                elif isinstance(node, ast.ImportFrom):
                    imports += 1
                for field in BODY_FIELDS:
                    children = getattr(node, field, None)
                    if children:
                        stack.extend(children)
    print(json.dumps({"files": files, "imports": imports, "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main(sys.argv[1])
