"""armtcg compare on a Linux boot: the interpreter and the JIT in lockstep
over the first 50 million instructions of Debian's armmp kernel on -M virt,
under the instruction-count clock.

The compare takes the board options of `armtcg run` in QEMU's spelling
(-kernel, -initrd, -append, -dtb, -m ...) and builds both machines from the
one MachineConfig; --max-insns ends it.  The small tests here check the
command line and the store-range bookkeeping on bare-metal guests; the slow
one is the Linux boot.
"""

import io
import subprocess
import sys

import pytest

from tcg import compare as cmp
from tests import linuxlib
from tests.guestlib import build_guest

REPO = linuxlib.HERE.parent
LINUX_INSNS = 50_000_000
APPEND = "console=ttyAMA0"


def armtcg(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "tcg.cli", *map(str, args)], cwd=REPO,
                          capture_output=True, timeout=timeout)


# ---- store ranges: the interpreter's store log read back page by page -------------

def test_store_ranges_merge_adjacent_and_overlapping_stores():
    # a word at 0x1000, the next word, and a halfword inside the first:
    # the bytes 0x1000..0x1007, one range
    assert cmp.store_ranges([(0x1000, 4), (0x1004, 4), (0x1002, 2)]) == [(0x1000, 8)]


def test_store_ranges_keep_gaps():
    assert cmp.store_ranges([(0x1010, 4), (0x1000, 1)]) == [(0x1000, 1), (0x1010, 4)]


def test_store_ranges_never_cross_a_page():
    # 4 KB is the smallest translation granule (ARM ARM B3.5.1 small pages,
    # B3.6 LPAE 4KB pages): a range read with one translation must stay in one
    # page, so an unaligned word across 0x2000 is split and adjacent stores on
    # both sides of the boundary are not merged
    assert cmp.store_ranges([(0x1ffe, 4)]) == [(0x1ffe, 2), (0x2000, 2)]
    assert cmp.store_ranges([(0x1ffc, 4), (0x2000, 4)]) == [(0x1ffc, 4), (0x2000, 4)]


def test_store_ranges_of_nothing():
    assert cmp.store_ranges([]) == []


# ---- the command line ------------------------------------------------------------------

def test_compare_takes_qemu_board_options_and_max_insns():
    elf = build_guest("arith64")
    r = armtcg("compare", "-M", "virt", "-m", "64M", "-kernel", elf, "--max-insns", "5000")
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr.decode()
    assert "agree on" in out and "(stopped after --max-insns)" in out
    # the count is checked at block ends: at least 5000, less than one more block
    insns = int(out.split(" instructions")[0].split()[-1])
    assert 5000 <= insns < 5000 + 64


def test_compare_runs_a_guest_to_its_end_with_board_options():
    r = armtcg("compare", "-M", "virt", "-m", "128M", "-kernel", build_guest("printf"))
    assert r.returncode == 0, r.stdout.decode()[-2000:] + r.stderr.decode()
    assert b"guest stopped: shutdown" in r.stdout


@pytest.mark.parametrize("args, words", [
    (["-serial", "stdio"], "-serial"),
    (["-icount", "shift=99"], "-icount"),
    (["--max-insns", "0"], "--max-insns"),
    (["-initrd", "/nonexistent/initrd"], "-initrd"),      # an ELF takes no initrd
])
def test_compare_refuses_bad_options_in_one_line(args, words):
    r = armtcg("compare", "-kernel", build_guest("arith64"), *args)
    err = r.stderr.decode()
    assert r.returncode == 1 and "Traceback" not in err, err
    assert err.startswith("armtcg: ") and err.count("\n") == 1 and words in err, err


def test_compare_refuses_the_image_twice():
    elf = build_guest("arith64")
    r = armtcg("compare", "-kernel", elf, elf)
    assert r.returncode == 1 and b"once" in r.stderr and b"Traceback" not in r.stderr


def test_compare_api_with_a_machine_config():
    from runtime.boards.base import MachineConfig
    out = io.StringIO()
    config = MachineConfig(ram_size=64 << 20, kernel=str(build_guest("arith64")))
    assert cmp.compare(config=config, max_insns=2000, out=out) == 0
    assert "stopped after --max-insns" in out.getvalue()


# ---- Linux -------------------------------------------------------------------------------

@pytest.mark.slow
def test_both_machines_boot_with_the_same_device_tree(kernel, initrd):
    # under -icount the DTB's rng-seed and kaslr-seed are fixed, so both
    # machines start from identical memory
    from runtime.boards.base import MachineConfig
    config = MachineConfig(ram_size=256 << 20, kernel=str(kernel[0]), initrd=str(initrd),
                           append=APPEND)
    ls = cmp.Lockstep(config=config)
    try:
        assert ls.ref.board.dtb == ls.jit.board.dtb
        assert ls.ram_diff() == []
    finally:
        ls.close()


@pytest.mark.slow
def test_linux_boot_agrees_over_50m_instructions(kernel, initrd):
    r = armtcg("compare", "-M", "virt", "-m", "256M", "-kernel", kernel[0], "-initrd", initrd,
               "-append", APPEND, "--max-insns", LINUX_INSNS, timeout=3600)
    out = r.stdout.decode(errors="replace")
    assert r.returncode == 0, out[:6000] + r.stderr.decode(errors="replace")[-2000:]
    assert "interp and jit agree on" in out and "(stopped after --max-insns)" in out
