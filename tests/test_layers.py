"""The layering of the packages (docs/ARCHITECTURE.md): runtime/ is the
machine and imports nothing of tcg/, frontend/ or backend/; and no two
modules import each other, directly or around a loop -- counting imports
inside functions, which would otherwise hide a cycle."""

import ast
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("runtime", "tcg", "frontend", "backend")
UPPER = ("tcg", "frontend", "backend")
_PYX_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\s+([\w, ()]+)|import\s+([\w., ]+))",
                         re.M)


def _modules():
    """{module name: path} of the packages' .py and .pyx files."""
    mods = {}
    for pkg in PACKAGES:
        for dirpath, _, files in os.walk(os.path.join(ROOT, pkg)):
            for f in files:
                if f.endswith((".py", ".pyx")):
                    rel = os.path.relpath(os.path.join(dirpath, f), ROOT)
                    name = rel.rsplit(".", 1)[0].replace(os.sep, ".")
                    if name.endswith(".__init__"):
                        name = name[: -len(".__init__")]
                    mods[name] = os.path.join(dirpath, f)
    return mods


def _raw_imports(path):
    """[(module, [names imported from it])] of every import in the file."""
    text = open(path).read()
    out = []
    if path.endswith(".pyx"):           # Cython: the Python-level imports only
        for m in _PYX_IMPORT.finditer(text):
            if m.group(1):
                names = [n.strip(" ()") for n in m.group(2).split(",")]
                out.append((m.group(1), [n for n in names if n]))
            else:
                out += [(n.strip().split(" ")[0], []) for n in m.group(3).split(",")]
        return out
    for node in ast.walk(ast.parse(text, path)):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module, [a.name for a in node.names]))
    return out


def import_graph():
    mods = _modules()
    graph = {}
    for name, path in mods.items():
        deps = set()
        for module, names in _raw_imports(path):
            if module.split(".")[0] not in PACKAGES:
                continue
            if module in mods:
                deps.add(module)
            for n in names:           # from pkg import module
                if "%s.%s" % (module, n) in mods:
                    deps.add("%s.%s" % (module, n))
        deps.discard(name)
        graph[name] = deps
    return graph


def cycles(graph):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
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
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_runtime_imports_nothing_above_it():
    bad = ["%s -> %s" % (m, d) for m, deps in sorted(import_graph().items())
           if m.split(".")[0] == "runtime" for d in sorted(deps) if d.split(".")[0] in UPPER]
    assert not bad, "runtime/ must not import tcg/, frontend/ or backend/:\n" + "\n".join(bad)


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles: %s" % found


def test_the_checkers_see_a_violation():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = import_graph()
    assert "runtime.abi" in graph["tcg.ir"]          # from runtime.abi import ...
    assert "tcg.interp" in graph["tcg.emulator"]     # from tcg import interp
    assert "backend.jit" in graph["tcg.emulator"]    # imported inside a method
