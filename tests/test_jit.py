"""The JIT backend: every IR op lowered, native blocks agree with the
interpreter (state after faults, exits, chaining, interrupts), the engines
see the same instruction-count clock, and armtcg compare finds a wrong
lowering."""

import io
import threading

import pytest

from backend import lower
from runtime import core
from tcg.emulator import virt_emulator
from tcg import ir
from tcg.emulator import Emulator
from tcg.ir_ops import OPS
from tests.asm import assemble, have_toolchain

pytestmark = pytest.mark.skipif(not have_toolchain(), reason="arm-none-eabi-as missing")

BASE = 0x40000000
ENGINES = ("interp", "jit", "auto")
SVC_MODE_CPSR = 0x1D3


def test_every_ir_op_has_a_lowering():
    assert lower.missing_lowerings() == []
    assert set(lower.LOWER) == {op.name for op in OPS}


def test_backend_constants_match_the_runtime():
    assert lower.MO_ALIGN == ir.MO_ALIGN and lower.MO_BE == ir.MO_BE
    assert lower.MO_USER == ir.MO_USER and lower.MO_SIGN == ir.MO_SIGN
    fields = core.env_fields()
    assert fields["v"] == 0 and fields["sizeof_tlbentry"] == lower.TLB_ENTRY_SIZE
    names = core.arch_state_names()
    assert names[lower.V_PC] == "r15" and names[lower.V_CF] == "CF"
    assert names[lower.V_EXCL_HI] == "excl_hi"


def machine(source, engine, **opts):
    emu = Emulator(engine=engine, **opts)
    emu.map_ram(BASE, 1 << 20)
    emu.mem_write(BASE, assemble(source))
    emu.reg_write("cpsr", SVC_MODE_CPSR)
    emu.reg_write("pc", BASE)
    return emu


LOOP = """
    mov r0, #0
    ldr r1, =1000
    ldr r2, =0x40080000
1:  add r0, r0, r1
    str r0, [r2], #4
    subs r1, r1, #1
    bne 1b
    b .
    .ltorg
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_loop_result_and_state_match_the_interpreter(engine):
    ref = machine(LOOP, "interp")
    ref.run(count=5000)
    emu = machine(LOOP, engine, jit_threshold=10)
    emu.run(count=5000)
    assert emu.cpu.arch_state() == ref.cpu.arch_state()
    assert emu.reg_read("r0") == sum(range(1, 1001))
    assert emu.mem_read(0x40080000, 4000) == ref.mem_read(0x40080000, 4000)
    assert emu.icount == ref.icount == 5000


def test_auto_compiles_hot_blocks_in_the_background():
    import time
    emu = machine(LOOP, "auto", jit_threshold=5)
    deadline = time.monotonic() + 60  # the compile thread works at its own pace
    while not emu.stats["compiled_blocks"] and time.monotonic() < deadline:
        emu.run(count=5000)
        emu.reg_write("pc", BASE)
        time.sleep(0.01)
    assert emu.stats["compiled_blocks"] >= 1
    assert any(emu.cpu.tb_is_native(i.addr) for i in emu.tbs.values())
    emu.close()


FAULT = """
    mov r0, #1
    mov r1, #2
    add r3, r0, r1
    ldr r4, =0x10000000      @ unmapped: data abort
    adds r5, r3, r3
    ldr r6, [r4]
    mov r7, #7
    b .
    .ltorg
"""


@pytest.mark.parametrize("engine", ("jit",))
def test_fault_inside_a_native_block_leaves_the_interpreters_state(engine):
    states = {}
    for eng in ("interp", engine):
        emu = machine(FAULT, eng)
        emu.reg_write("r7", 0x77)
        emu.run(count=6)     # the load faults: the abort handler is entered
        states[eng] = emu
    ref, got = states["interp"], states[engine]
    assert got.cpu.arch_state() == ref.cpu.arch_state()
    assert got.reg_read("r5") == 6 and got.reg_read("r7") == 0x77
    assert got.reg_read("lr_abt" if False else "r14") == ref.reg_read("r14")
    assert got.icount == ref.icount


@pytest.mark.parametrize("engine", ("jit", "auto"))
def test_stop_request_reaches_a_chained_native_loop(engine):
    """Another thread waits until the loop's block has native code and the
    instruction count (which native code keeps up to date in env; r0 it
    holds in a host register) has gone 2000 past that point -- 1000
    iterations -- then requests a stop: the run must end with "stop".  The
    run has a budget (2^32 instructions, far more than the loop needs to
    get there) so a lost request ends in "count", a failure, not a hang."""
    emu = machine("1: add r0, r0, #1\n b 1b", engine, jit_threshold=1)
    seen = {}

    def stop_once_native():
        never = threading.Event()
        while True:
            infos = [i for i in list(emu.tbs.values()) if i.pc == BASE]
            if infos and emu.cpu.tb_is_native(infos[0].addr):
                break
            never.wait(0.001)
        seen["icount"] = start = emu.icount
        while emu.icount - start < 2000:
            never.wait(0.001)
        emu.request_stop()

    watcher = threading.Thread(target=stop_once_native, daemon=True)
    watcher.start()
    stop = emu.run(count=1 << 32)
    watcher.join()
    assert stop.kind == "stop", stop
    assert stop.icount - seen["icount"] >= 2000
    # two instructions per iteration, r0 counted them all (no wraparound:
    # at most 2^32 instructions ran, 2^31 iterations)
    assert emu.reg_read("r0") == stop.icount // 2 >= 1000
    emu.close()


def test_interrupt_is_taken_within_one_native_block():
    src = """
        ldr r0, =0x40000100
        mcr p15, 0, r0, c12, c0, 0      @ VBAR
        cpsie i
    1:  add r1, r1, #1
        b 1b
        .ltorg
        .org 0x118
        mov r9, #0x99                   @ IRQ vector
        b .
    """
    emu = machine(src, "jit")
    emu.run(count=1000)
    assert emu.reg_read("r1") > 100
    emu.cpu.set_irq_line(1, True)
    emu.run(count=10)
    assert emu.reg_read("r9") == 0x99
    assert emu.reg_read("cpsr") & 0x1F == 0x12


CLOCK = """
    mov r4, #0
    ldr r5, =0x40080000
1:  mov r6, #100                @ 100 x 2 instructions between clock reads
2:  subs r6, r6, #1
    bne 2b
    mov r0, #0x30               @ SYS_ELAPSED into the two words at r5
    mov r1, r5
    svc 0x123456
    add r5, r5, #8
    add r4, r4, #1
    cmp r4, #5
    bne 1b
    b .
    .ltorg
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_icount_clock_is_the_same_under_every_engine(engine):
    # shift 10: an instruction is 1024 ns, more than SYS_ELAPSED's 1 us tick,
    # so an off-by-one instruction count changes the value read
    shift = 10
    emu = machine(CLOCK, engine, semihosting=True, icount_shift=shift, jit_threshold=2)
    from runtime.semihosting import Semihosting
    sh = Semihosting(stdout=io.BytesIO())
    sh.clock_ns = emu.guest_time_ns
    emu.semihost_handler = sh.handle
    emu.run(count=2000)
    got = [int.from_bytes(emu.mem_read(0x40080000 + 8 * k, 8), "little") for k in range(5)]
    # instructions up to and including each SVC: the 2 before the loop,
    # k whole iterations (mov r6; 100 x subs/bne; mov r0, mov r1, svc;
    # add r5, add r4, cmp, bne = 1 + 200 + 3 + 4 = 208), then the 1 + 200 + 3
    # of iteration k up to its SVC
    expect = []
    for k in range(5):
        n = 2 + k * 208 + 1 + 200 + 3
        expect.append((n << shift) // 1000)
    assert got == expect
    emu.close()


def test_compare_agrees_on_a_guest():
    from tests.guestlib import build_guest
    from tcg.compare import compare
    out = io.StringIO()
    assert compare(str(build_guest("arith64")), out=out) == 0
    assert "agree on" in out.getvalue()


def test_compare_reports_a_wrong_lowering(monkeypatch):
    """A deliberately wrong `add` (it subtracts) must be caught, naming the
    block and a register."""
    from tests.guestlib import build_guest
    from tcg.compare import compare

    def bad_add(L, d, a, b, c, aux, imm):
        # a subtract with a marker no other lowering emits: the constant
        # 0x5EED5EED (1592614637) xor-ed in and out again
        x = L.op("xor i32 %s, 1592614637" % L.rd(a))
        x = L.op("xor i32 %s, 1592614637" % x)
        L.wr(d, L.op("sub i32 %s, %s" % (x, L.rd(b))))

    monkeypatch.setitem(lower.LOWER, "add", bad_add)
    out = io.StringIO()
    assert compare(str(build_guest("crc32", 1)), out=out) == 1
    report = out.getvalue()
    assert report.startswith("DIVERGENCE after")
    assert "in the block at 0x" in report
    assert "guest code:" in report and "IR:" in report and "LLVM IR:" in report
    assert "xor i32" in report and "1592614637" in report   # the wrong lowering's LLVM IR
    assert any(line.strip().startswith(("r", "memory", "CF", "NF", "ZF", "VF"))
               for line in report.splitlines() if "interp" in line and "jit" in line)


def test_board_runs_guest_under_jit_with_same_output():
    from tests.guestlib import build_guest, expected_output
    elf = str(build_guest("crc32", 1))
    outs = {}
    for engine in ENGINES:
        out = io.BytesIO()
        emu = virt_emulator(128 << 20, uart_out=out, engine=engine, jit_threshold=50)
        emu.board.load(elf)
        assert emu.board.run().kind == "shutdown"
        outs[engine] = out.getvalue()
        emu.close()
    assert outs["jit"] == outs["interp"] == outs["auto"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["crc32", "quicksort", "sieve", "matmul", "printf", "arith64",
                                  "exceptions", "calls", "memcpy", "smc", "vfp"])
def test_compare_agrees_on_every_bundled_guest(name):
    from tests.guestlib import GUESTS, build_guest
    from tcg.compare import compare
    if name not in GUESTS:
        pytest.skip("guest %s not in this tree" % name)
    elf = build_guest(name, 1)
    out = io.StringIO()
    assert compare(str(elf), out=out) == 0, out.getvalue()[:4000]
