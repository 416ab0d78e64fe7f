"""Bounded resources and stop conditions: bad input and runaway guests end
with a clear line or a StopReason, never a hang, a traceback or unbounded
host memory."""

import io
import os
import signal
import subprocess
import sys
import threading

import shutil

import pytest

from runtime.boards.virt import RAM_BASE, parse_ram_size
from runtime.boot import KERNEL_LOAD_OFFSET
from runtime.loader import LoaderError, load_image, read_image
from tcg.emulator import Emulator, EmulatorError, virt_emulator

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GCC = shutil.which("arm-none-eabi-gcc")
UDF = (0xE7F000F0).to_bytes(4, "little")     # ARM ARM A8.8.247: UDF #0 (permanently undefined)
NO_VECTORS = 0x0C000000     # virt's platform bus: nothing mapped there
# mov r0, #0x0c000000; mcr p15, 0, r0, c12, c0, 0 (VBAR = r0); udf #0
UDF_WITHOUT_VECTORS = b"".join(w.to_bytes(4, "little")
                               for w in (0xE3A00303, 0xEE0C0F10, 0xE7F000F0))


def armtcg(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "tcg.cli"] + list(args), cwd=REPO,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def one_line_error(r, *fragments):
    err = r.stderr.decode()
    assert r.returncode == 1 and "Traceback" not in err, err
    lines = err.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("armtcg: "), err
    for f in fragments:
        assert f in lines[0], err
    return lines[0]


@pytest.fixture
def udf_image(tmp_path):
    """A raw image that points VBAR where virt maps nothing, then UDFs.  The
    Undefined Instruction vector is at VBAR + 0x4 (SCTLR.V = 0: ARM ARM
    B1.8.1), so the guest takes a Prefetch Abort there and then at VBAR +
    0xc (the Prefetch Abort vector) forever: an exception storm that runs no
    block at all."""
    p = tmp_path / "udf.bin"
    p.write_bytes(UDF_WITHOUT_VECTORS)
    return str(p)


def storm_emulator(path, engine="interp"):
    emu = virt_emulator(128 << 20, uart_out=io.BytesIO(), engine=engine)
    emu.board.load(path)
    return emu


# ---- exception storms: every stop condition holds --------------------------------

@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_step_block_ends_in_a_prefetch_abort_storm(udf_image, engine):
    emu = storm_emulator(udf_image, engine)
    for _ in range(20):
        assert emu.step_block() is None
    # the first block (mov, mcr, udf: 3), then one prefetch abort per step,
    # each counted as an instruction
    assert emu.icount == 3 + 19
    assert emu.pc == NO_VECTORS + 0xC and emu.reg_read("cpsr") & 0x1F == 0x17   # ABT (B1.3.1)
    emu.close()


def test_run_count_holds_in_a_storm(udf_image):
    emu = storm_emulator(udf_image)
    reason = emu.run(count=500)
    assert reason.kind == "count" and emu.icount == 500


def test_stop_request_holds_in_a_storm(udf_image):
    emu = storm_emulator(udf_image)
    timer = threading.Timer(0.2, emu.request_stop)
    timer.start()
    try:
        reason = emu.run()
    finally:
        timer.cancel()
    assert reason.kind == "stop"


DATA_ABORT_STORM = """
    ldr r0, =vectors
    mcr p15, 0, r0, c12, c0, 0      @ VBAR = vectors
    ldr r0, =0x0c000000             @ nothing mapped there (virt's platform bus)
    ldr r1, [r0]                    @ data abort ...
.balign 32
vectors:                            @ ... whose handler faults again at once
    .rept 8
    ldr r1, [r0]
    .endr
.ltorg
"""


@pytest.mark.skipif(GCC is None, reason="arm-none-eabi-gcc not installed")
@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_run_count_holds_in_a_data_abort_storm(tmp_path, engine):
    # Every handler entry faults before completing an instruction: only
    # because an exception entered counts as an instruction does the
    # budget run out.
    from test_board import build_guest
    emu = storm_emulator(build_guest(tmp_path, DATA_ABORT_STORM), engine)
    reason = emu.run(count=1000)
    assert reason.kind == "count" and emu.icount == 1000
    vectors = emu.cp15.raw_read(emu.cpu, "VBAR")
    # the Data Abort vector is VBAR + 0x10, taken in ABT mode (ARM ARM B1.8.1, B1.3.1)
    assert emu.pc == vectors + 0x10 and emu.reg_read("cpsr") & 0x1F == 0x17
    for n in range(1, 4):
        assert emu.step_block() is None and emu.icount == 1000 + n
    emu.close()


def test_compare_max_blocks_ends_in_a_storm(udf_image):
    r = armtcg("compare", "--max-blocks", "10", udf_image)
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr.decode()
    assert "agree on 10 blocks" in out and "--max-blocks" in out


def test_compare_ctrl_c_in_a_storm(udf_image):
    p = subprocess.Popen([sys.executable, "-m", "tcg.cli", "compare", udf_image], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    started = p.stderr.readline()           # both machines are built: the storm is running
    assert b"running in lockstep" in started, started
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err.decode()
    assert b"Traceback" not in err and b"interrupted after" in out


@pytest.mark.parametrize("n", ["-3", "0"])
def test_compare_refuses_a_non_positive_max_blocks(udf_image, n):
    one_line_error(armtcg("compare", "--max-blocks", n, udf_image), "--max-blocks", n)


# ---- counts beyond the engine's 64/32-bit counters --------------------------------

def test_run_refuses_a_count_beyond_64_bits():
    emu = Emulator()
    with pytest.raises(EmulatorError, match="instruction count"):
        emu.run(count=1 << 64)
    with pytest.raises(EmulatorError, match="instruction count"):
        emu.run(count=-1)


def test_cli_max_insns_beyond_64_bits_is_one_line(udf_image):
    one_line_error(armtcg("run", "--max-insns", str(1 << 64), "-kernel", udf_image),
                   str(1 << 64))


def test_jit_threshold_too_large_names_the_range(udf_image):
    with pytest.raises(EmulatorError) as e:
        Emulator(engine="auto", jit_threshold=1 << 40)
    assert "4294967295" in str(e.value) and "positive count" not in str(e.value)
    line = one_line_error(armtcg("run", "--max-insns", "10", "--jit-threshold", str(1 << 40),
                                 "-kernel", udf_image), str(1 << 40))
    assert "positive" not in line


def test_profile_refuses_huge_counts(udf_image):
    one_line_error(armtcg("profile", "--max-insns", str(1 << 64), udf_image), "--max-insns")
    one_line_error(armtcg("profile", "--jit-threshold", str(1 << 40), udf_image),
                   "--jit-threshold")


# ---- -m ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["1e400", "inf", "nan", "-inf"])
def test_ram_size_that_is_no_number_is_refused(text):
    with pytest.raises(ValueError, match="invalid RAM size"):
        parse_ram_size(text)


def test_cli_ram_size_overflow_is_one_line(udf_image):
    one_line_error(armtcg("run", "-m", "1e400", "-kernel", udf_image), "1e400")


# ---- images larger than RAM ---------------------------------------------------------------

def test_endless_image_is_refused_at_the_ram_size():
    ram = [(RAM_BASE, 1 << 20)]
    with pytest.raises(LoaderError, match="larger than the 1048576 bytes of RAM"):
        load_image("/dev/zero", lambda addr, data: None, ram, RAM_BASE + KERNEL_LOAD_OFFSET)


def test_read_image_reads_at_most_the_limit(tmp_path):
    p = tmp_path / "big.bin"
    with open(p, "wb") as f:
        f.truncate(10 << 20)            # sparse: 10 MiB of zeros
    assert len(read_image(str(p), 10 << 20)) == 10 << 20
    with pytest.raises(LoaderError, match="larger than the 1048576 bytes"):
        read_image(str(p), 1 << 20)
    # an ELF may be larger than RAM (symbols), up to elf_limit
    p.write_bytes(b"\x7fELF" + bytes(3 << 20))
    assert len(read_image(str(p), 1 << 20, 4 << 20)) == 4 + (3 << 20)
    with pytest.raises(LoaderError, match="ELF"):
        read_image(str(p), 1 << 20, 2 << 20)


def test_cli_dev_zero_kernel_is_one_line():
    one_line_error(armtcg("run", "-kernel", "/dev/zero"), "/dev/zero", "RAM")


# ---- the TB cache is bounded by the bytes its blocks take -------------------------------

ZERO_RUN_INSNS = 100000     # andeq r0, r0, r0 (word 0) never repeats: one new block per 64


def zero_run_emulator(budget):
    emu = virt_emulator(128 << 20, uart_out=io.BytesIO(), tb_cache_bytes=budget)
    emu.reg_write("cpsr", 0x1D3)                 # SVC, A I F masked
    emu.reg_write("pc", RAM_BASE)                # RAM reads as zero words
    return emu


def test_tb_cache_stays_within_its_budget_on_never_repeating_code():
    from tcg.emulator import tb_cost
    budget = 1 << 20
    emu = zero_run_emulator(budget)
    seen = {"peak": 0, "largest": 0, "flushes": 0}

    def translated(pc, flags, info, seconds):
        seen["peak"] = max(seen["peak"], emu.tb_bytes)
        seen["largest"] = max(seen["largest"], sum(info.cost))

    emu.hooks.on_translate.append(translated)
    emu.hooks.on_tb_flush.append(lambda ntbs, nbytes: seen.__setitem__("flushes",
                                                                         seen["flushes"] + 1))
    reason = emu.run(count=ZERO_RUN_INSNS)
    assert reason.kind == "count" and emu.icount == ZERO_RUN_INSNS
    # each block is new: ZERO_RUN_INSNS / 64 translations, far more than fit the budget
    assert emu.stats["translated_blocks"] >= ZERO_RUN_INSNS // 64
    assert emu.stats["translated_blocks"] * seen["largest"] > 10 * budget
    # flushed along the way, never holding more than the budget plus the block that crossed it
    assert seen["flushes"] >= 10 and emu.stats["tb_flushes"] == seen["flushes"]
    assert seen["peak"] <= budget + seen["largest"]
    assert len(emu.tbs) * sum(tb_cost(1)) <= budget + seen["largest"]
    assert len(emu.translations) == len(emu.tbs)         # no per-block record outlives a flush
    # the accounting is what the live TBs cost
    assert emu.tb_bytes == sum(sum(i.cost) for i in emu.tbs.values())


def test_default_tb_cache_budget_and_bad_budget():
    assert Emulator().tb_cache_bytes == 256 << 20
    with pytest.raises(EmulatorError, match="TB cache"):
        Emulator(tb_cache_bytes=0)


def test_profile_reports_tb_cache_flushes(tmp_path):
    from tcg.profile import profile_image, totals_lines
    image = tmp_path / "zeros.bin"
    image.write_bytes(bytes(1 << 20))
    profile, emu = profile_image(str(image), max_insns=ZERO_RUN_INSNS, sample_us=0,
                                 tb_cache_bytes=1 << 20)
    assert profile.totals["tb_flushes"] >= 10 and profile.totals["tb_cache_bytes"] == 1 << 20
    assert ("TB cache", "%d flushes (budget 1 MiB)" % profile.totals["tb_flushes"]) in \
        totals_lines(profile.totals)
    # the blocks dropped by the flushes are still in the profile
    assert profile.totals["block_insns"] == ZERO_RUN_INSNS
