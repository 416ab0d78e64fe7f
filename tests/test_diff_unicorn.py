"""Differential test of the A32 frontend + engine against unicorn.

Per instruction class (tests/diff/gen.py), random valid sequences of 1-8
instructions with random registers, NZCVQ/GE flags and data window run in
unicorn (an independent QEMU-based emulator, Cortex-A15 model) and in
armtcg; r0-r15, NZCVQ/GE and the data window must agree (tests/diff/harness.py).

Every class runs under each engine: the interpreter (all instructions);
the JIT compiling every block, with cheap codegen (30% of them) and the
optimised codegen (5%); and auto with a threshold of 1 (20%), so blocks are
compiled in the background while later cases run.

Size: --diff-count=N instructions per class (default 5000, ~110k in all),
or ARMTCG_DIFF_SCALE=k for k times the default; seed: --diff-seed or
ARMTCG_DIFF_SEED.  Replay a reported case with
    python -m tests.diff.harness CLASS INDEX SEED
"""

import os

import pytest

from tests.diff import gen, harness

DEFAULT_INSNS_PER_CLASS = 5000


@pytest.fixture(scope="module")
def diff_params(request):
    count = request.config.getoption("--diff-count")
    if count is None:
        count = int(DEFAULT_INSNS_PER_CLASS * float(os.environ.get("ARMTCG_DIFF_SCALE", "1")))
    seed = request.config.getoption("--diff-seed") or os.environ.get(
        "ARMTCG_DIFF_SEED", harness.DEFAULT_SEED)
    return count, seed


# engine id: (Emulator options, share of the instruction count)
ENGINE_RUNS = {
    "interp": (dict(engine="interp"), 1.0),
    "jit-O0": (dict(engine="jit", jit_opt=0), 0.3),
    "jit-O2": (dict(engine="jit", jit_opt=2), 0.05),
    "auto": (dict(engine="auto", jit_threshold=1), 0.2),
}


@pytest.mark.parametrize("engine", list(ENGINE_RUNS))
@pytest.mark.parametrize("cls", gen.CLASSES)
def test_diff_unicorn(cls, engine, diff_params):
    count, seed = diff_params
    options, share = ENGINE_RUNS[engine]
    cases = gen.make_cases(seed, cls, max(1, int(count * share)))
    have_armtcg = harness.armtcg_available()
    runners = ("unicorn", "armtcg") if have_armtcg else ("unicorn",)
    for v in harness.ERRATA_STATS.values():
        v[:] = [0, 0]
    reports, bad = harness.run_batch(cases, seed, runners=runners, **options)
    ninsns = sum(c.ninsns for c in cases)
    errata = {k: v for k, v in harness.ERRATA_STATS.items() if v[0]}
    print("%s: %d cases, %d instructions, %d diverged; unicorn errata [ran, mattered]: %s"
          % (cls, len(cases), ninsns, bad, errata))
    assert bad == 0, "%d of %d %s cases diverged (seed %s); first ones:\n\n%s" % (
        bad, len(cases), cls, seed, "\n\n".join(reports))
    if not have_armtcg:
        pytest.skip("tcg.emulator not importable: generator checked on unicorn only")


def test_diff_detects_a_divergence():
    """The comparison can fail: armtcg runs `adds r0, r1, r3` where unicorn
    runs `adds r0, r1, r2`; r0 (and the flags) must be reported."""
    if not harness.armtcg_available():
        pytest.skip("tcg.emulator not importable")
    regs = [0, 0x7FFFFFFF, 1, 2] + [0] * 11
    ref_case = gen.Case("self", 0, ["adds r0, r1, r2"], regs, 0, 1)
    got_case = gen.Case("self", 0, ["adds r0, r1, r3"], regs, 0, 1)
    ref = harness.UnicornRunner(harness.assemble([ref_case])).run(0, ref_case)
    got = harness.ArmtcgRunner(harness.assemble([got_case])).run(0, got_case)
    assert ref.regs[0] == 0x80000000 and got.regs[0] == 0x80000001
    assert ref.diff(got) == ["r0"]
    assert "r0   unicorn=80000000 armtcg=80000001" in harness.report(0, ref_case, 0, ref, got)


def test_unicorn_erratum_smlad_q():
    """unicorn sets Q for SMLAD when product1 + product2 = 2^31 although the
    accumulator brings the sum back into range; the reference (ARM ARM
    A8.8.166: Q iff the full-precision result does not fit) replaces it."""
    regs = [0, 0x80008000, 0x80008000, 0xFFFFFFFF] + [0] * 11
    case = gen.Case("self", 0, ["smlad r0, r1, r2, r3"], regs, 0, 1)
    before = harness.ERRATA_STATS["smlad"][:]
    st = harness.UnicornRunner(harness.assemble([case])).run(0, case)
    assert st.regs[0] == 0x7FFFFFFF and not st.cpsr & 1 << 27
    assert harness.ERRATA_STATS["smlad"][1] == before[1] + 1
