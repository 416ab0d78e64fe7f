"""Differential test of VFPv4 (frontend/a32_vfp.py, runtime/include/vfp.h)
against unicorn, whose VFP is QEMU's softfloat (tests/diff/vfp.py: the
classes, the operand edge cases, random FPSCR modes).  D0-D31, FPSCR and
FPEXC are compared with the core state; every engine runs every class as
in tests/test_diff_unicorn.py (interp, jit-O0, jit-O2, auto).

Size: --diff-count / ARMTCG_DIFF_SCALE as for test_diff_unicorn.py, with
DEFAULT_INSNS_PER_CLASS below; seed: ARMTCG_DIFF_SEED.  Replay a case with
    python -m tests.diff.vfp CLASS INDEX SEED
"""

import os

import pytest

from tests.diff import harness, vfp
from tests.test_diff_unicorn import ENGINE_RUNS

DEFAULT_INSNS_PER_CLASS = 3000


@pytest.fixture(scope="module")
def diff_params(request):
    count = request.config.getoption("--diff-count")
    if count is None:
        count = int(DEFAULT_INSNS_PER_CLASS * float(os.environ.get("ARMTCG_DIFF_SCALE", "1")))
    return count, request.config.getoption("--diff-seed") or os.environ["ARMTCG_DIFF_SEED"]


@pytest.mark.parametrize("engine", list(ENGINE_RUNS))
@pytest.mark.parametrize("cls", vfp.CLASSES)
def test_diff_vfp(cls, engine, diff_params):
    if not harness.armtcg_available():
        pytest.skip("tcg.emulator not importable")
    count, seed = diff_params
    options, share = ENGINE_RUNS[engine]
    cases = vfp.make_cases(seed, cls, max(1, int(count * share)))
    stats = {}
    reports, bad = vfp.run_batch(cases, seed, stats=stats, **options)
    print("%s (seed %s): %d cases, %d instructions, %d diverged, %s native"
          % (cls, seed, len(cases), sum(c.ninsns for c in cases), bad, stats.get("native")))
    assert bad == 0, "%d of %d %s cases diverged (seed %s); first ones:\n\n%s" % (
        bad, len(cases), cls, seed, "\n\n".join(reports))
    if engine != "interp":
        assert stats["native"] == len(cases), (stats, len(cases))


def _wrong_vfp(L, d, a, b, c, aux, imm):
    """A deliberately wrong `vfp` lowering: the single-precision operation
    of a double one and vice versa (the ops are registered in _s/_d pairs)."""
    L.emit("call void @vfp_op_%d(ptr %%env, i32 %s)" % (aux ^ 1, L.const(imm)))


@pytest.mark.parametrize("engine", ["interp", "jit-O0", "auto"])
def test_wrong_vfp_lowering_is_caught(engine, monkeypatch):
    """Through the same batch runner: with the `vfp` op lowered wrong every
    JIT share diverges (it runs native code), the interpreter does not."""
    if not harness.armtcg_available():
        pytest.skip("tcg.emulator not importable")
    from backend import lower
    monkeypatch.setitem(lower.LOWER, "vfp", _wrong_vfp)
    options, _ = ENGINE_RUNS[engine]
    cases = vfp.make_cases("wrong-vfp", "vfp_arith", 300)
    reports, bad = vfp.run_batch(cases, "wrong-vfp", **options)
    print("%s: %d cases, %d diverged" % (engine, len(cases), bad))
    if engine == "interp":
        assert bad == 0, reports
    else:
        assert bad > len(cases) // 2, (bad, len(cases))
