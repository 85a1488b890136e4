#!/usr/bin/env python3
"""Check Cargo.lock against a local copy of the RustSec advisory database.

Offline by design: the database is a folder (default ../shared/advisory-db,
or the first argument). Prints every advisory that applies to a locked
crate version; exits 1 if any vulnerability applies that SECURITY.md does
not answer (by its RUSTSEC id), 0 otherwise. Informational advisories
(unmaintained, unsound) are printed but do not fail the check.
"""
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def version(text):
    """'1.2.3-beta' -> (1, 2, 3); missing parts count as 0."""
    core = text.strip().split("-")[0].split("+")[0]
    parts = [int(p) for p in core.split(".") if p.isdigit()]
    return tuple((parts + [0, 0, 0])[:3])


def comparator_ok(v, comparator):
    m = re.match(r"^\s*(>=|<=|>|<|=|\^|~)?\s*([0-9][0-9A-Za-z.\-+]*)\s*$", comparator)
    if not m:
        raise ValueError(f"cannot read version requirement {comparator!r}")
    op, want = m.group(1) or "^", m.group(2)
    w = version(want)
    given = len(want.split("-")[0].split("."))
    if op == ">=":
        return v >= w
    if op == ">":
        return v > w
    if op == "<=":
        return v <= w
    if op == "<":
        return v < w
    if op == "=":
        return v[:given] == w[:given]
    if op == "~":
        upper = (w[0] + 1, 0, 0) if given == 1 else (w[0], w[1] + 1, 0)
        return w <= v < upper
    # Caret: compatible with the leftmost non-zero part.
    if w[0] > 0 or given == 1:
        upper = (w[0] + 1, 0, 0)
    elif w[1] > 0 or given == 2:
        upper = (0, w[1] + 1, 0)
    else:
        upper = (0, 0, w[2] + 1)
    return w <= v < upper


def matches(v, requirement):
    return all(comparator_ok(v, c) for c in requirement.split(","))


def advisories(db):
    for path in sorted((db / "crates").glob("*/*.md")):
        text = path.read_text(encoding="utf-8")
        m = re.search(r"```toml\n(.*?)\n```", text, re.S)
        if m:
            yield path, tomllib.loads(m.group(1))


def locked(lockfile):
    data = tomllib.loads(lockfile.read_text(encoding="utf-8"))
    for pkg in data.get("package", []):
        if pkg.get("source", "").startswith("registry+"):
            yield pkg["name"], pkg["version"]


def main():
    db = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "advisory-db"
    if not (db / "crates").is_dir():
        print(f"audit-deps: FAILED: no advisory database at {db}", file=sys.stderr)
        return 1
    answered = set(re.findall(r"RUSTSEC-\d{4}-\d{4}", (ROOT / "SECURITY.md").read_text(encoding="utf-8")))
    crates = {}
    for name, ver in locked(ROOT / "Cargo.lock"):
        crates.setdefault(name, []).append(ver)
    failures, notes, checked = [], [], 0
    for path, adv in advisories(db):
        info = adv.get("advisory", {})
        name = info.get("package")
        if name not in crates or info.get("withdrawn"):
            continue
        versions = adv.get("versions", {})
        safe = versions.get("patched", []) + versions.get("unaffected", [])
        for ver in crates[name]:
            checked += 1
            if any(matches(version(ver), req) for req in safe):
                continue
            line = f"{info.get('id')} {name} {ver}: {info.get('title', '').strip()}"
            if info.get("informational"):
                notes.append(f"note ({info['informational']}): {line}")
            elif info.get("id") in answered:
                notes.append(f"answered in SECURITY.md: {line}")
            else:
                failures.append(line)
    for n in notes:
        print(n)
    for f in failures:
        print(f"VULNERABLE: {f}")
    total = sum(len(v) for v in crates.values())
    print(f"audit-deps: {total} locked crates checked against {db.name}; "
          f"{len(failures)} unanswered vulnerabilities, {len(notes)} notes")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
