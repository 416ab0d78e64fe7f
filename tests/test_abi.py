"""runtime/abi.py is the one definition of the constants C, Cython and
Python share: the generated copies match it and nobody defines them again."""

import ast
import os
import re

import pytest

from runtime import abi

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("runtime", "tcg", "frontend", "backend")


def _sources(exts):
    for pkg in PACKAGES:
        for dirpath, _, files in os.walk(os.path.join(ROOT, pkg)):
            for f in sorted(files):
                if f.endswith(exts):
                    yield os.path.join(dirpath, f)


def _read(path):
    with open(path) as f:
        return f.read()


def test_generated_header_matches_table():
    assert _read(os.path.join(ROOT, "runtime", "include", "abi.h")) == abi.c_header()


def test_generated_cython_declarations_match_table():
    assert _read(os.path.join(ROOT, "runtime", "abi.pxi")) == abi.cython_decls()


def test_header_text_carries_every_value():
    text = abi.c_header()
    for group in abi.TABLE:
        for name, value, _ in group.rows:
            if group.ctype == "unsigned":
                assert re.search(r"#define %s +0x%xu\b" % (name, value), text), name
            else:
                assert re.search(r"\b%s = (%d|0x%x)," % (name, value, value), text), name


def test_values_the_architecture_fixes():
    # ARM ARM DDI 0406C B1.3.1, Table B1-1: the mode encodings.
    assert (abi.MODE_USR, abi.MODE_FIQ, abi.MODE_IRQ, abi.MODE_SVC, abi.MODE_MON,
            abi.MODE_ABT, abi.MODE_HYP, abi.MODE_UND, abi.MODE_SYS) == \
        (0x10, 0x11, 0x12, 0x13, 0x16, 0x17, 0x1A, 0x1B, 0x1F)
    # B1.3.3: the CPSR bits (M[4:0], T 5, F 6, I 7, A 8, E 9, GE 19:16, Q 27, NZCV 31:28).
    assert abi.CPSR_M == 0x1F and abi.CPSR_T == 1 << 5 and abi.CPSR_E == 1 << 9
    assert abi.CPSR_GE == 0xF << 16 and abi.CPSR_Q == 1 << 27 and abi.CPSR_NZCV == 0xF << 28


def test_module_globals_are_the_table():
    for name in abi.NAMES:
        assert getattr(abi, name) == abi.VALUES[name]


def _python_definitions(path):
    """Names of the table assigned at module (or class) level in a .py file."""
    tree = ast.parse(_read(path), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            continue
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and n.id in abi.VALUES:
                    found.append((n.id, node.lineno))
    return found


def test_no_python_module_redefines_a_constant():
    bad = []
    for path in _sources((".py",)):
        if path.endswith(os.path.join("runtime", "abi.py")):
            continue
        bad += ["%s:%d %s" % (os.path.relpath(path, ROOT), line, name)
                for name, line in _python_definitions(path)]
    assert not bad, "define these in runtime/abi.py only:\n" + "\n".join(bad)


_NAMES_RE = "|".join(sorted(abi.NAMES, key=len, reverse=True))
# an assignment, a DEF, a #define or an enum member (NAME = value)
_DEF_RE = re.compile(r"^\s*(?:DEF\s+|#define\s+|cdef\s+\w+\s+)?(%s)\s*(?:=(?!=)|\s+\S)"
                     % _NAMES_RE, re.M)


@pytest.mark.parametrize("exts", [(".pyx", ".pxi", ".pxd"), (".h", ".c")])
def test_no_c_or_cython_file_redefines_a_constant(exts):
    bad = []
    for path in _sources(exts):
        rel = os.path.relpath(path, ROOT)
        if rel in (os.path.join("runtime", "include", "abi.h"), os.path.join("runtime", "abi.pxi")):
            continue
        if rel.endswith(".c"):          # Cython output
            continue
        for m in _DEF_RE.finditer(_read(path)):
            line = _read(path).count("\n", 0, m.start()) + 1
            bad.append("%s:%d %s" % (rel, line, m.group(1)))
    assert not bad, "define these in runtime/abi.py only:\n" + "\n".join(bad)


def test_the_checker_sees_a_redefinition(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("EXCP_HVC = 11\nA, MODE_SVC = 1, 0x13\n")
    assert [n for n, _ in _python_definitions(str(p))] == ["EXCP_HVC", "MODE_SVC"]
    assert [m.group(1) for m in _DEF_RE.finditer(
        "#define MO_SIGN 4u\nenum {\n    TBF_SINGLE = 256,\n};\n    x = MO_SIGN\n")] == \
        ["MO_SIGN", "TBF_SINGLE"]
