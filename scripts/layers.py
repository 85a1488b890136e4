#!/usr/bin/env python3
"""The house rules of src/, checked: imports only point down, and no file
is too long.

Each module of the crate (a file or folder right under src/) sits on one
floor of LAYERS, top first. A module may name (`crate::x`, `use crate::{x,
...}`) only modules on its own floor or below, and the modules of a floor
may not name each other in a circle. Code outside tests (the lines before
a file's first `#[cfg(test)]`, blank lines and comments not counted) stays
at MAX_CODE lines or fewer per file, so each file keeps to one job.

Usage: scripts/layers.py [SRC]   (exit 1 with every breach listed)
"""

import re
import sys
from pathlib import Path

# Top to bottom. A module imports only from its own floor or lower ones.
LAYERS = [
    ["main"],
    ["cli"],
    ["server"],  # transport: sockets, the event loop, threads, caps
    ["router"],  # the route table, dispatch, error -> status and page
    ["pages", "admin", "demo"],  # handlers
    ["state"],  # what requests share: pools, budgets, presence, views
    ["app"],  # the facade both the command line and the server call
    ["video", "auth", "mail", "fetch"],
    ["store"],
    ["settings", "password", "sealed", "render", "http", "hosts", "canon"],
    ["model", "recurrence", "ical", "token", "times", "clock", "net", "db", "files", "i18n", "error", "email", "urls", "bundle"],
]
MAX_CODE = 400

FLOOR = {m: i for i, floor in enumerate(LAYERS) for m in floor}
PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
# `use crate::{a, b::c}`: the names right inside the braces.
GROUP = re.compile(r"\buse\s+crate::\{([^;]*)\};", re.S)


def module_of(src: Path, file: Path) -> str:
    rel = file.relative_to(src)
    return rel.parts[0].removesuffix(".rs")


def code_before_tests(text: str) -> list[str]:
    """The lines of code before the first `#[cfg(test)]`."""
    lines, in_block = [], False
    for line in text.split("#[cfg(test)]", 1)[0].splitlines():
        s = line.strip()
        if in_block:
            in_block = "*/" not in s
            continue
        if s.startswith("/*"):
            in_block = "*/" not in s
            continue
        if s and not s.startswith("//"):
            lines.append(line)
    return lines


def top_level_names(group: str) -> set[str]:
    names, depth, word = set(), 0, ""
    for ch in group + ",":
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            head = word.strip().split("::")[0].strip()
            if head:
                names.add(head)
            word = ""
            continue
        if depth == 0 and ch not in "{}":
            word += ch
    return names


def imports(code: str) -> set[str]:
    found = set(PATH.findall(code))
    for g in GROUP.findall(code):
        found |= top_level_names(g)
    return found


def check(src: Path) -> list[str]:
    problems = []
    edges: dict[str, dict[str, str]] = {}
    for file in sorted(src.rglob("*.rs")):
        rel = file.relative_to(src.parent)
        module = module_of(src, file)
        text = file.read_text()
        code = code_before_tests(text)
        if module == "lib":
            continue
        if module not in FLOOR:
            problems.append(f"{rel}: module `{module}` has no floor in LAYERS")
            continue
        if len(code) > MAX_CODE:
            problems.append(f"{rel}: {len(code)} lines of code outside tests (at most {MAX_CODE})")
        for used in sorted(imports("\n".join(code)) - {module}):
            if used not in FLOOR:
                problems.append(f"{rel}: names `crate::{used}`, which has no floor in LAYERS")
            elif FLOOR[used] < FLOOR[module]:
                problems.append(f"{rel}: upward import `crate::{used}` from `{module}`")
            else:
                edges.setdefault(module, {}).setdefault(used, str(rel))
    # Within a floor: no circle.
    for start in edges:
        stack, seen = [(start, [start])], set()
        while stack:
            at, path = stack.pop()
            for nxt in edges.get(at, {}):
                if nxt == start:
                    loop = path + [start]
                    if start == min(loop):
                        problems.append("import cycle: " + " -> ".join(loop))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
    return problems


def main() -> int:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "src"
    problems = check(src)
    for p in problems:
        print(p)
    files = len(list(src.rglob("*.rs")))
    if problems:
        print(f"layers: {len(problems)} problem(s) in {files} files")
        return 1
    print(f"layers: {files} files, {len(FLOOR)} modules on {len(LAYERS)} floors; imports point down, "
          f"no cycle, no file over {MAX_CODE} lines of code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
