#!/usr/bin/env python3
"""check-layers.py — the arrows of docs/ARCHITECTURE.md, checked.

    python3 scripts/check-layers.py [--build DIR] [--quiet]

Three kinds of arrow from one file to another are read:
  include  every `#include "..."`, resolved the way the compiler does
           (the including file's folder, then -I build/gen, engine, .);
  symbol   every function or variable one object file takes from another
           (`nm` over DIR/obj, default build/): what the linker joins,
           whatever the headers say;
  type     every struct, union, enum or typedef defined in another file's
           header and named in this one (a file that declares the type
           itself, opaquely, takes nothing).

Each arrow must point from a layer to itself or to a layer it may use
(LAYERS below, the table of docs/ARCHITECTURE.md), and the files of the
whole tree, joined by all three kinds, must have no circle. A .c file and
the .h of the same name in the same folder are one module.

Prints one line per violation (file:line: what, and the rule it breaks),
then "N passed, N failed": a test per source file (its arrows) and one for
the circles. Exits 1 when anything failed, 2 when it could not run.
"""
import os
import re
import subprocess
import sys

# The layers, lowest first, and what each may use besides itself. The
# public header engine/veto.h is the `api` layer: declarations and option
# structs only, usable from everywhere, including nothing of the engine.
LAYERS = [
    ("api", []),
    ("base", ["api"]),
    ("vm", ["api", "base"]),
    ("input", ["api", "base", "vm"]),
    ("stdlib", ["api", "base", "vm", "input"]),
    ("lang", ["api", "base", "vm", "stdlib"]),
    ("gate", ["api", "base", "vm", "input", "stdlib", "lang"]),
    ("report", ["api", "base", "vm", "input", "stdlib", "lang", "gate"]),
    ("author", ["api", "base", "vm", "input", "stdlib", "lang", "gate", "report"]),
    ("orchestrator", ["api", "base", "vm", "input", "stdlib", "lang", "gate", "report", "author"]),
    ("cli", ["api", "base", "vm", "input", "stdlib", "lang", "gate", "report", "author",
             "orchestrator"]),
]
MAY_USE = {name: set(uses) | {name} for name, uses in LAYERS}
SOURCE_DIRS = ["engine", "stdlib", "orchestrator", "cli", "grammar"]


def layer_of(path):
    """The layer of a repository-relative path, or None (tests, bench)."""
    parts = path.split("/")
    if path == "engine/veto.h":
        return "api"
    if parts[0] == "engine" and len(parts) == 3:
        return parts[1] if parts[1] in MAY_USE else None
    if parts[0] == "grammar":
        return "lang"  # the lemon grammar is the parser of lang/
    if parts[0] in ("stdlib", "orchestrator", "cli"):
        return parts[0]
    if path.startswith("build/gen/") or "/gen/" in path:
        base = os.path.basename(path)
        return "lang" if base.startswith("policy_") else "stdlib"
    return None


FRAGMENT_OWNER = {}  # x.inc -> the one file that includes it


def module_of(path):
    """A module: the path without its extension (x.c and x.h are one); a
    .inc fragment belongs to the module of the one file including it."""
    if path in FRAGMENT_OWNER:
        return module_of(FRAGMENT_OWNER[path])
    if "/gen/" in path or path.startswith("build/"):
        base = os.path.splitext(os.path.basename(path))[0]
        return ("grammar/" if base.startswith("policy_") else "stdlib/") + base
    return os.path.splitext(path)[0]


def strip_comments(text):
    """C text with comments and string/char literals blanked, newlines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c if j - i >= 2 else text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def list_sources(root):
    files = []
    for d in SOURCE_DIRS:
        for dirpath, _, names in os.walk(os.path.join(root, d)):
            for name in sorted(names):
                if name.endswith((".c", ".h", ".y", ".inc")):
                    files.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(files)


INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def resolve_include(root, build, path, name):
    for base in (os.path.dirname(path), os.path.join(build, "gen"), "engine", "."):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(root, cand)):
            return cand
    return None


# Type definitions in headers.
TYPEDEF_BODY = re.compile(r"\btypedef\s+(?:struct|union|enum)\s*(\w*)\s*\{", re.S)
TAG_BODY = re.compile(r"^(?:struct|union|enum)\s+(\w+)\s*\{", re.M)
FWD_TYPEDEF = re.compile(r"\btypedef\s+(?:struct|union|enum)\s+(\w+)\s+(\w+)\s*;")
FWD_TAG = re.compile(r"^\s*(?:struct|union|enum)\s+(\w+)\s*;", re.M)
FN_TYPEDEF = re.compile(r"\btypedef\s+[^;{}()]*?\(\s*\*\s*(\w+)\s*\)\s*\(")
PLAIN_TYPEDEF = re.compile(r"\btypedef\s+(?!struct|union|enum)[\w\s\*]+?\b(\w+)\s*;")


def close_brace(text, start):
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def header_types(text):
    """(defined, declared): names whose definition the header holds, and
    names it only forward-declares."""
    defined, declared = set(), set()
    for m in TYPEDEF_BODY.finditer(text):
        end = close_brace(text, m.end() - 1)
        tail = re.match(r"\s*(\w+)", text[end + 1:])
        if m.group(1):
            defined.add(m.group(1))
        if tail:
            defined.add(tail.group(1))
    for m in TAG_BODY.finditer(text):
        defined.add(m.group(1))
    for m in FN_TYPEDEF.finditer(text):
        defined.add(m.group(1))
    for m in PLAIN_TYPEDEF.finditer(text):
        defined.add(m.group(1))
    for m in FWD_TYPEDEF.finditer(text):
        declared.update((m.group(1), m.group(2)))
    for m in FWD_TAG.finditer(text):
        declared.add(m.group(1))
    return defined, declared - defined


def nm_edges(root, build):
    """(user object, definer object, symbol) from nm over build/obj."""
    obj_root = os.path.join(build, "obj")
    defs, uses = {}, []
    objs = []
    for dirpath, _, names in os.walk(obj_root):
        for name in names:
            if name.endswith(".o"):
                objs.append(os.path.join(dirpath, name))
    if not objs:
        return None
    for o in sorted(objs):
        rel = os.path.relpath(o, obj_root)[:-2]
        src = ("build/" + rel) if rel.startswith("gen/") else rel
        if not rel.startswith("gen/") and not any(
                os.path.isfile(os.path.join(root, rel + ext)) for ext in (".c", ".y")):
            continue  # a stale object whose source is gone
        out = subprocess.run(["nm", "-P", o], capture_output=True, text=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) < 2:
                continue
            sym, kind = f[0], f[1]
            if kind == "U":
                uses.append((src, sym))
            elif kind in "TDBRCVW" and kind.isupper():
                defs.setdefault(sym, src)
    return [(u, defs[s], s) for u, s in uses if s in defs and defs[s] != u]


def source_file_of(root, module_path, exts=(".c", ".y")):
    for ext in exts:
        if os.path.isfile(os.path.join(root, module_path + ext)):
            return module_path + ext
    return module_path + ".c"


def first_line(root, path, word):
    try:
        text = strip_comments(open(os.path.join(root, path), encoding="utf-8").read())
    except OSError:
        return 1
    m = re.search(r"\b%s\b" % re.escape(word), text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def main():
    args = sys.argv[1:]
    build = "build"
    quiet = "--quiet" in args
    if "--build" in args:
        build = args[args.index("--build") + 1]
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    os.chdir(root)
    if os.path.isabs(build):
        build = os.path.relpath(build, root)
    files = list_sources(root)
    problems = {}  # file -> [messages]
    edges = {}     # module -> {module: reason}

    def add_edge(src_path, dst_path, what, line):
        lf, lt = layer_of(src_path), layer_of(dst_path)
        mf, mt = module_of(src_path), module_of(dst_path)
        if mf == mt:
            return
        edges.setdefault(mf, {}).setdefault(mt, f"{src_path}:{line}: {what}")
        if lf and lt and lt not in MAY_USE[lf]:
            problems.setdefault(src_path, []).append(
                f"{src_path}:{line}: {what} ({dst_path}): {lf}/ may not depend on {lt}/ "
                f"({lf}/ may use: {', '.join(sorted(MAY_USE[lf] - {lf})) or 'nothing'})")

    texts = {}
    for p in files:
        texts[p] = open(p, encoding="utf-8", errors="replace").read()

    # 1. includes (first: which file each .inc fragment belongs to)
    for p in files:
        for m in INCLUDE.finditer(texts[p]):
            target = resolve_include(root, build, p, m.group(1))
            if target and target.endswith(".inc"):
                FRAGMENT_OWNER.setdefault(target, p)
    for p in files:
        for m in INCLUDE.finditer(texts[p]):
            line = texts[p].count("\n", 0, m.start()) + 1
            target = resolve_include(root, build, p, m.group(1))
            if target is None:
                continue  # a system or generated header not built yet
            if p == "engine/veto.h":
                problems.setdefault(p, []).append(
                    f"{p}:{line}: include \"{m.group(1)}\": the public header includes nothing of the engine")
                continue
            add_edge(p, target, f'include "{m.group(1)}"', line)

    # 2. types
    type_home = {}
    declared_in = {}
    for p in files:
        if not p.endswith(".h"):
            continue
        defined, declared = header_types(strip_comments(texts[p]))
        for t in defined:
            type_home.setdefault(t, p)
        for t in declared:
            declared_in.setdefault(t, set()).add(p)
    for p in files:
        body = strip_comments(texts[p])
        own_defined, own_declared = header_types(body)
        seen = set()
        for m in re.finditer(r"\b[A-Za-z_]\w*\b", body):
            t = m.group(0)
            if t in seen or t not in type_home:
                continue
            seen.add(t)
            home = type_home[t]
            if module_of(home) == module_of(p) or t in own_defined or t in own_declared:
                continue
            # A type used only through a forward declaration of a header the
            # file's own module declares it in is opaque here.
            if any(module_of(d) == module_of(p) for d in declared_in.get(t, ())):
                continue
            line = body.count("\n", 0, m.start()) + 1
            add_edge(p, home, f"type {t}", line)

    # 3. symbols
    sym = nm_edges(root, build)
    if sym is None:
        print(f"check-layers: no objects under {build}/obj (run make first)", file=sys.stderr)
        print("0 passed, 1 failed")
        return 2
    for user, definer, s in sym:
        up = source_file_of(root, user) if not user.startswith("build/") else user + ".c"
        dp = source_file_of(root, definer) if not definer.startswith("build/") else definer + ".c"
        if layer_of(up) is None:
            continue
        add_edge(up, dp, f"uses {s}", first_line(root, up, s))

    # 4. circles (Tarjan's strongly connected components over modules)
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(100000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
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
                comps.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    circle_msgs = []
    for comp in comps:
        members = set(comp)
        circle_msgs.append(f"circle of {len(comp)} modules: {' '.join(comp)}")
        for a in comp:
            for b, why in sorted(edges.get(a, {}).items()):
                if b in members:
                    circle_msgs.append(f"    {a} -> {b}: {why}")

    passed = failed = 0
    for p in files:
        if layer_of(p) is None:
            continue
        if problems.get(p):
            failed += 1
            for msg in problems[p]:
                print(msg)
        else:
            passed += 1
    if circle_msgs:
        failed += 1
        for msg in circle_msgs:
            print(msg)
    else:
        passed += 1
    if not quiet:
        nedges = sum(len(v) for v in edges.values())
        print(f"check-layers: {len(files)} files, {nedges} arrows between modules, "
              f"{sum(len(v) for v in problems.values())} pointing where they may not, "
              f"{len(comps)} circles")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
