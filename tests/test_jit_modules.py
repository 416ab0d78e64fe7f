"""The JIT's modules are unloaded when every TB is flushed, engine jit
compiles a missed block with the blocks it reaches in one module, and it
flushes before the modules exhaust the kernel's memory mappings.

Each linked module takes about three mappings (code, read-only data,
data); past vm.max_map_count (65530 by default) mmap fails and LLVM aborts
the process with "Unable to allocate section memory!" -- which is how a
Linux boot under --engine jit died after some 20000 blocks.
"""

import io

from backend import jit as jitmod
from tcg.emulator import Emulator, virt_emulator
from tests.asm import assemble
from tests.guestlib import build_guest, expected_output


def _maps():
    with open("/proc/self/maps") as f:
        return sum(1 for _ in f)


def run_guest(budget=None, name="crc32", iters=1):
    out = io.BytesIO()
    emu = virt_emulator(128 << 20, uart_out=out, engine="jit")
    if budget is not None:
        emu.jit_module_budget = budget
    emu.board.load(str(build_guest(name, iters)))
    reason = emu.board.run()
    return emu, reason, out.getvalue()


def test_a_flush_unloads_the_jit_modules():
    emu, reason, _ = run_guest()
    assert reason.kind == "shutdown"
    assert emu.live_jit_modules > 0
    before = _maps()
    emu.flush_tbs()
    assert emu.live_jit_modules == 0
    assert _maps() < before            # the mappings are given back
    emu.close()


def test_engine_jit_flushes_at_the_module_budget_and_runs_on():
    emu, reason, out = run_guest(budget=8)
    assert reason.kind == "shutdown"
    assert out == expected_output("crc32", 1)
    assert emu.stats["tb_flushes"] >= 1
    assert emu.live_jit_modules <= 8
    emu.close()


def test_module_budget_is_a_quarter_of_the_mapping_limit(tmp_path):
    limit = tmp_path / "max_map_count"
    limit.write_text("65530\n")
    assert jitmod.module_budget(str(limit)) == 65530 // 4
    limit.write_text("100\n")           # never below the floor
    assert jitmod.module_budget(str(limit)) == jitmod.MIN_MODULE_BUDGET
    missing = tmp_path / "none"
    assert jitmod.module_budget(str(missing)) == jitmod.DEFAULT_MAX_MAP_COUNT // 4


# -- engine jit's regions: a missed block is compiled with the untranslated
# blocks its constant branches reach (tcg.emulator._translate_ahead)

BASE = 0x40000000
SVC_MODE_CPSR = 0x1D3

BRANCH_OFF_RAM = """
    mov r0, #0
    cmp r0, #1
    beq . + 0x100000      @ not taken; its target is past the end of RAM
    mov r1, #42
    b .
"""


def bare(source, engine):
    emu = Emulator(engine=engine)
    emu.map_ram(BASE, 1 << 20)
    emu.mem_write(BASE, assemble(source))
    emu.reg_write("cpsr", SVC_MODE_CPSR)
    emu.reg_write("pc", BASE)
    return emu


def test_a_region_never_takes_an_abort_for_code_that_did_not_run():
    """Translating ahead fetches the untaken branch's target, which is not
    memory: that must stay a translation-time fact, not a Prefetch Abort
    (ARM ARM B1.9.4: the abort is taken when the instruction executes)."""
    ref, emu = bare(BRANCH_OFF_RAM, "interp"), bare(BRANCH_OFF_RAM, "jit")
    ref.run(count=20)
    emu.run(count=20)
    assert emu.reg_read("r1") == 42
    assert emu.reg_read("cpsr") & 0x1F == 0x13     # still SVC, no abort entered
    assert emu.cpu.arch_state() == ref.cpu.arch_state()
    emu.close()


def test_engine_jit_compiles_regions_of_blocks_in_one_module():
    emu, reason, out = run_guest()
    assert reason.kind == "shutdown"
    assert out == expected_output("crc32", 1)
    assert emu.stats["compile_batches"] < emu.stats["compiled_blocks"]
    # no block was translated twice into the same lookup key
    keys = [(i.pc, i.flags, i.phys) for i in emu.tbs.values()]
    assert len(keys) == len(set(keys))
    emu.close()
