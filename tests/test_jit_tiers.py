"""Engine jit's two tiers (tcg/emulator.py, backend/lower.py): every block
is first compiled at LLVM level 0 with a tier-up check at its entry (and on
each pass of a self-loop); once it has run jit_threshold times it is queued
and recompiled at jit_opt, and the exec loop enters the new code.  The
guest's results must not depend on which tier ran."""

import io

import pytest

from runtime.abi import JIT_BASELINE, JIT_NATIVE
from tcg.emulator import virt_emulator
from tests.guestlib import build_guest, expected_output


def run_guest(name="crc32", iters=3, **options):
    out = io.BytesIO()
    emu = virt_emulator(128 << 20, uart_out=out, engine="jit", jit_sync=True, **options)
    emu.board.load(str(build_guest(name, iters)))
    reason = emu.board.run()
    return emu, reason, out.getvalue()


def tier_counts(emu):
    states = [emu.cpu.tb_jit_state(info.addr) for info in emu.tbs.values()]
    return states.count(JIT_BASELINE), states.count(JIT_NATIVE)


@pytest.mark.parametrize("name", ["crc32", "sieve", "quicksort"])
def test_hot_blocks_tier_up_and_results_stay_the_same(name):
    emu, reason, out = run_guest(name, jit_threshold=50)
    try:
        assert reason.kind == "shutdown"
        assert out == expected_output(name, 3)
        baseline, optimised = tier_counts(emu)
        assert optimised > 0, "no block reached the optimising tier"
        assert baseline > 0, "cold blocks should keep their level-0 code"
        # a block that tiered up was compiled twice
        assert emu.stats["compiled_blocks"] >= len(emu.tbs) + optimised
        assert emu.jit_quick.compiled_blocks >= len(emu.tbs)
        assert emu.jit.compiled_blocks == optimised
    finally:
        emu.close()


def test_a_threshold_never_reached_keeps_every_block_at_level_0():
    emu, reason, out = run_guest("crc32", iters=1, jit_threshold=10 ** 9)
    try:
        assert out == expected_output("crc32", 1)
        assert tier_counts(emu) == (len(emu.tbs), 0)
        assert emu.jit is None           # the optimising JIT was never needed
    finally:
        emu.close()


def test_without_baseline_every_block_is_compiled_at_jit_opt():
    emu, reason, out = run_guest("crc32", iters=1, jit_baseline=False)
    try:
        assert out == expected_output("crc32", 1)
        assert tier_counts(emu) == (0, len(emu.tbs))
        assert emu.jit_quick is None
    finally:
        emu.close()


def test_level_0_engine_has_one_tier():
    emu, reason, out = run_guest("crc32", iters=1, jit_opt=0)
    try:
        assert out == expected_output("crc32", 1)
        assert tier_counts(emu) == (0, len(emu.tbs))
    finally:
        emu.close()
