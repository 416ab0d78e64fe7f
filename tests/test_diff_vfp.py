"""Differential test of VFPv4 (frontend/a32_vfp.py, runtime/include/vfp.h)
against unicorn, whose VFP is QEMU's softfloat (tests/diff/vfp.py: the
classes, the operand edge cases, random FPSCR modes).  D0-D31, FPSCR and
FPEXC are compared with the core state; every engine runs every class as
in tests/test_diff_unicorn.py (interp, jit-O0, jit-O2, auto), in ARM
state and (the t32_vfp_* classes) in Thumb state.

Size: --diff-count / ARMTCG_DIFF_SCALE as for test_diff_unicorn.py, with
DEFAULT_INSNS_PER_CLASS below; seed: ARMTCG_DIFF_SEED.  Replay a case with
    python -m tests.diff.vfp CLASS INDEX SEED
"""

import pytest

from tests.diff import harness, vfp
from tests.test_diff_unicorn import ENGINE_RUNS

DEFAULT_INSNS_PER_CLASS = 3000
# The Thumb-state classes run a fifth of that each, as the T32 classes of
# tests/test_diff_unicorn.py do: the VFP datapath is the same, only the
# T32 decoding, IT blocks and Thumb PC (literal VLDR) are new.
CLASS_SHARE = {cls: 0.2 for cls in vfp.THUMB_CLASSES}


@pytest.fixture(scope="module")
def diff_params(request):
    return harness.diff_size(request, DEFAULT_INSNS_PER_CLASS)


@pytest.mark.parametrize("engine", list(ENGINE_RUNS))
@pytest.mark.parametrize("cls", vfp.CLASSES + vfp.THUMB_CLASSES)
def test_diff_vfp(cls, engine, diff_params):
    if not harness.armtcg_available():
        pytest.skip("tcg.emulator not importable")
    count, seed = diff_params
    options, share = ENGINE_RUNS[engine]
    cases = vfp.make_cases(seed, cls, max(1, int(count * share * CLASS_SHARE.get(cls, 1))))
    stats = {}
    harness.ERRATA_STATS["vmrs_id_in_it"][:] = [0, 0]
    reports, bad = vfp.run_batch(cases, seed, stats=stats, **options)
    print("%s (seed %s): %d cases, %d instructions, %d diverged, %s native; unicorn erratum "
          "vmrs_id_in_it [cases, replaced]: %s"
          % (cls, seed, len(cases), sum(c.ninsns for c in cases), bad, stats.get("native"),
             harness.ERRATA_STATS["vmrs_id_in_it"]))
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


@pytest.mark.parametrize("line", ["vmrseq r5, mvfr0", "vmrseq r5, fpsid"])
def test_unicorn_erratum_vmrs_id_register_in_it_block(line):
    """unicorn keeps the ITSTATE of a VMRS of an ID register executed in an
    IT block (here IT EQ: ITSTATE 0b00001000) in CPSR after the block has
    ended; ITAdvance (ARM ARM A2.5.2) makes it 0 after the block's last
    instruction.  The reference (vfp.VfpUnicornRunner) clears it at the
    end of such cases; armtcg gets 0 itself, and the same r5."""
    case = vfp.VfpCase("self", 0, ["it eq", line], [0] * 15, 1 << 30, 1, thumb=True,
                       dregs=[0] * 32, fpscr=0)                      # Z set: EQ passes
    blob = harness.assemble([case])
    raw = vfp.VfpUnicornRunner(blob, errata=False).run(0, case)
    # unicorn itself: CPSR<11> = ITSTATE<3> still set (when fixed, drop the reference)
    assert raw.regs[15] == harness.case_end(0, case) and raw.cpsr & harness.CPSR_IT == 1 << 11
    before = harness.ERRATA_STATS["vmrs_id_in_it"][:]
    ref = vfp.VfpUnicornRunner(blob).run(0, case)
    assert ref.cpsr == raw.cpsr & ~harness.CPSR_IT and ref.regs[5] == raw.regs[5] != 0
    assert harness.ERRATA_STATS["vmrs_id_in_it"] == [before[0] + 1, before[1] + 1]
    if harness.armtcg_available():
        got = vfp.VfpArmtcgRunner(blob).run(0, case)
        assert ref.diff(got) == [], harness.report(0, case, 0, ref, got)


def _unaligned_pc_base(self, r):
    """A deliberately wrong literal base: PC without Align(PC, 4)."""
    if r == 15:
        t = self.b.temp()
        self.b.movi(t, self.pc_read)
        return t
    return r


def test_thumb_literal_base_is_caught(monkeypatch):
    """The Thumb classes see a literal VLDR base that is not Align(PC, 4)
    (A8.8.333; PC = this + 4 in Thumb state, so half the T32 literals sit
    at a halfword address after a 16-bit IT): t32_vfp_mem diverges where
    vfp_mem (PC = this + 8, always word aligned) cannot."""
    if not harness.armtcg_available():
        pytest.skip("tcg.emulator not importable")
    from frontend import translate
    monkeypatch.setattr(translate.A32Context, "reg_aligned_pc", _unaligned_pc_base)
    for cls in ("vfp_mem", "t32_vfp_mem"):
        cases = [c for c in vfp.make_cases("wrong-literal", cls, 1500)
                 if any("[pc" in l for l in c.insns)]
        reports, bad = vfp.run_batch(cases, "wrong-literal")
        print("%s: %d cases with a literal VLDR, %d diverged" % (cls, len(cases), bad))
        if cls == "vfp_mem":
            assert bad == 0, reports
        else:
            assert bad > len(cases) // 4, (bad, len(cases))
