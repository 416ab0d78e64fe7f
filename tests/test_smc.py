"""Self-modifying code under every execution engine.

- tests/guest/smc.c (+ smc_asm.S): a guest that writes A32 code into RAM
  with the cache maintenance the architecture asks for, rewrites hot code
  (a loop run thousands of times, code that patches its own page) and
  checks what runs against a C model.  Its output must equal the native
  build's (where the "got" values are the model) and QEMU's.
- Small programs through the Emulator API: a hot loop patched by the host
  (emu.mem_write) and by a guest store from the same page.

Engines: every one in Emulator.ENGINES ("interp", "jit", "auto"), plus
"auto" with jit_threshold=2 so that blocks queue for compilation almost at
once.  "auto" compiles in a background thread, so in a short guest run
much of the code is rewritten before it is compiled; the API tests wait
(emu.stats["compiled_blocks"]) until the loop they patch has been.
"""
import inspect
import io
import struct
import time

import pytest

import guestlib
from tcg.emulator import Emulator
from tests.asm import assemble, have_toolchain

ENGINES = guestlib.armtcg_engines()


def _takes_jit_threshold():
    return "jit_threshold" in inspect.signature(Emulator.__init__).parameters


# (engine, jit_threshold); None = the engine's default
CONFIGS = [(e, None) for e in ENGINES]
if "auto" in ENGINES and _takes_jit_threshold():
    CONFIGS.append(("auto", 2))
CONFIG_IDS = [e if t is None else f"{e}-threshold{t}" for e, t in CONFIGS]


def new_emulator(engine, jit_threshold=None):
    """A fresh Emulator (no translated or compiled code from another test)."""
    kw = {"engine": engine}
    if jit_threshold is not None:
        kw["jit_threshold"] = jit_threshold
    return Emulator(**kw)


def run_guest_in_process(elf, engine, jit_threshold=None):
    """(UART bytes, StopReason, Emulator) of one run of a virt-board ELF."""
    from runtime.boards.virt import build_virt

    out = io.BytesIO()
    emu = build_virt(128 << 20, uart_out=out, emu=new_emulator(engine, jit_threshold))
    emu.board.load(str(elf))
    reason = emu.board.run()
    return out.getvalue(), reason, emu


# ---- the smc guest ----------------------------------------------------------

def test_smc_native_model_passes():
    """The native build (whose "got" values are the model) reports PASS:
    checks the program's bookkeeping, not any emulator."""
    out = guestlib.native_output("smc")
    assert out.endswith(b"smc: PASS (0 wrong)\n"), out[-300:]
    assert out.count(b" ok\n") >= 12


@pytest.mark.slow
@pytest.mark.parametrize("engine,jit_threshold", CONFIGS, ids=CONFIG_IDS)
def test_smc_guest_on_armtcg(engine, jit_threshold):
    elf = guestlib.build_guest("smc")
    want = guestlib.expected_output("smc")
    got, reason, emu = run_guest_in_process(elf, engine, jit_threshold)
    getattr(emu, "close", lambda: None)()
    stats = getattr(emu, "stats", None)
    if stats:
        print(f"[{engine}] stats: {stats}")
    assert got == want, (f"[{engine}] stopped with {reason}\n"
                         + guestlib.output_diff(got, want))
    assert reason.kind == "shutdown", reason


@pytest.mark.slow
@pytest.mark.qemu
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm not installed")
def test_smc_guest_on_qemu():
    """QEMU agrees with the expected output (checks the guest itself)."""
    got, status = guestlib.run_qemu(guestlib.build_guest("smc"), 60)
    want = guestlib.expected_output("smc")
    assert got == want, guestlib.output_diff(got, want)
    assert status == 0


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_smc_guest_more_rounds_through_cli(engine):
    """A longer run (ITERS=8: 16 hot-loop patches, 16 self-patches) through
    the CLI, the way users run guests."""
    elf = guestlib.build_guest("smc", 8)
    want = guestlib.expected_output("smc", 8)
    got, status, err = guestlib.run_armtcg(elf, 600, engine=engine)
    assert got == want, guestlib.output_diff(got, want) + err.decode(errors="replace")[-2000:]
    assert status == 0


# ---- the Emulator API ---------------------------------------------------------

pytest_asm = pytest.mark.skipif(not have_toolchain(), reason="arm-none-eabi-as missing")

CODE = 0x40001000
CHUNK = 3000            # instructions per run() while warming up (whole loop passes)
WARM_TIMEOUT = 60.0     # seconds to wait for "auto" to compile the loop


def emulator_with(engine, jit_threshold, code):
    emu = new_emulator(engine, jit_threshold)
    emu.map_ram(0x40000000, 1 << 20)
    emu.mem_write(CODE, assemble(code))
    emu.reg_write("pc", CODE)
    return emu


def compiled_blocks(emu):
    return (getattr(emu, "stats", None) or {}).get("compiled_blocks", 0)


def warm_up(emu, engine, chunk, min_chunks=4):
    """Run `chunk` instructions at a time until the engine has compiled
    code (at once for "jit"; "auto" compiles in the background, so wait
    for it), at least min_chunks times.  Returns the chunks run."""
    deadline = time.monotonic() + WARM_TIMEOUT
    chunks = 0
    while True:
        emu.run(count=chunk)
        chunks += 1
        if chunks >= min_chunks and (engine == "interp" or compiled_blocks(emu) > 0):
            return chunks
        assert time.monotonic() < deadline, (
            f"[{engine}] nothing compiled after {chunks} runs of {chunk} instructions: "
            f"{getattr(emu, 'stats', None)}")


# an endless hot loop: 2 instructions per pass
ENDLESS_LOOP = """
loop:
    add r0, r0, #1          @ +0: patched by the host
    b loop
"""


@pytest_asm
@pytest.mark.parametrize("engine,jit_threshold", CONFIGS, ids=CONFIG_IDS)
def test_host_write_over_compiled_loop(engine, jit_threshold):
    """The host (emu.mem_write) rewrites a loop the engine has compiled."""
    emu = emulator_with(engine, jit_threshold, ENDLESS_LOOP)
    try:
        passes = warm_up(emu, engine, 2 * 1000) * 1000
        assert emu.reg_read("r0") == passes and emu.reg_read("pc") == CODE
        for k in (3, 7, 200, 1):
            emu.mem_write(CODE, assemble(f"add r0, r0, #{k}"))
            before = emu.reg_read("r0")
            emu.run(count=2 * 500)
            assert emu.reg_read("r0") - before == 500 * k, (engine, k, getattr(emu, "stats", None))
            assert emu.reg_read("pc") == CODE
    finally:
        getattr(emu, "close", lambda: None)()


# A loop that runs r1 passes, then (r5 times) the code after it -- same
# page -- stores r4 over the loop's add, does the maintenance of ARM ARM
# B2.2.9 and runs the loop r7 more passes; r4's immediate steps by r6.
SELF_PATCHING_LOOP = """
loop:
    add r0, r0, #1          @ +0: patched by the store below
    subs r1, r1, #1
    bne loop
    cmp r5, #0
    beq done
    sub r5, r5, #1
    adr r3, loop
    str r4, [r3]
    mcr p15, 0, r3, c7, c11, 1      @ DCCMVAU
    dsb
    mcr p15, 0, r3, c7, c5, 1       @ ICIMVAU
    mcr p15, 0, r3, c7, c5, 6       @ BPIALL
    dsb
    isb
    add r4, r4, r6
    mov r1, r7
    b loop
done:
    b done
"""


@pytest_asm
@pytest.mark.parametrize("engine,jit_threshold", CONFIGS, ids=CONFIG_IDS)
def test_guest_store_over_compiled_loop_in_same_page(engine, jit_threshold):
    """Guest code patches a loop the engine has compiled, from the page the
    loop is in, then runs it again; four times."""
    emu = emulator_with(engine, jit_threshold, SELF_PATCHING_LOOP)
    try:
        patches, n = 4, 1000
        emu.reg_write("r1", 0xFFFFFFFF)     # endless until we say
        emu.reg_write("r4", struct.unpack("<I", assemble("add r0, r0, #2"))[0])
        emu.reg_write("r5", patches)
        emu.reg_write("r6", 1)              # then add #3, #4, #5
        emu.reg_write("r7", n)
        passes = warm_up(emu, engine, 3 * 1000) * 1000
        assert emu.reg_read("r0") == passes and emu.reg_read("pc") == CODE
        emu.reg_write("r1", n)              # end the first pass after n more
        per_patch = 2 + 12 + 3 * n          # cmp/beq, the patch sequence, a pass
        emu.run(count=3 * n + patches * per_patch + 2 + 50)    # 50 spins at done
        done = CODE + len(assemble(SELF_PATCHING_LOOP.split("done:")[0]))
        assert emu.reg_read("r5") == 0, engine
        assert emu.reg_read("pc") == done, (engine, hex(emu.reg_read("pc")), hex(done))
        # n more passes adding 1, then n adding 2, 3, 4, 5
        assert emu.reg_read("r0") == passes + n * (1 + 2 + 3 + 4 + 5), (
            engine, getattr(emu, "stats", None))
    finally:
        getattr(emu, "close", lambda: None)()
