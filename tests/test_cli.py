"""The armtcg command line, run as a subprocess (`python -m tcg.cli`):
error messages, exit statuses, --max-insns, Ctrl-C and the -d log."""

import os
import shutil
import signal
import struct
import subprocess
import sys

import pytest

from test_board import build_guest, emulator_available

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GCC = shutil.which("arm-none-eabi-gcc")
needs_emu = pytest.mark.skipif(not emulator_available() or GCC is None,
                               reason="emulator not built or no arm-none-eabi-gcc")
needs_gcc = pytest.mark.skipif(GCC is None, reason="arm-none-eabi-gcc not installed")


def armtcg(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "tcg.cli"] + list(args), cwd=REPO,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def assert_clean_error(r, *fragments):
    """Exit status 1 and one 'armtcg: ...' line on stderr, no traceback."""
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert "Traceback" not in err
    lines = err.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("armtcg: "), err
    for f in fragments:
        assert f in lines[0], err


INFINITE_LOOP = """
    mov r0, #0
1:  add r0, r0, #1
    b 1b
"""


# ---- usage errors -----------------------------------------------------------------

def test_help_mentions_max_insns_status():
    r = armtcg("run", "--help")
    assert r.returncode == 0
    out = r.stdout.decode()
    assert "124" in out and "-kernel" in out and "-semihosting" in out


def test_missing_image():
    assert_clean_error(armtcg("run", "-M", "virt", "-kernel", "/no/such/file.elf"),
                       "/no/such/file.elf", "No such file")


def test_no_image():
    assert_clean_error(armtcg("run", "-M", "virt"), "-kernel")


def test_unknown_machine(tmp_path):
    assert_clean_error(armtcg("run", "-M", "vexpress-a9", "-kernel", "x"),
                       "unknown machine 'vexpress-a9'")


@pytest.mark.parametrize("size", ["lots", "4G", "0", "12X"])
def test_bad_memory_size(size):
    assert_clean_error(armtcg("run", "-m", size, "-kernel", "x"), "-m %s" % size)


def test_unknown_log_item(tmp_path):
    img = tmp_path / "img.bin"
    img.write_bytes(b"\xfe\xff\xff\xea")
    assert_clean_error(armtcg("run", "-kernel", str(img), "-d", "in_asm,bogus"), "bogus")


@needs_gcc
def test_truncated_elf(tmp_path):
    elf = build_guest(tmp_path, INFINITE_LOOP)
    short = tmp_path / "short.elf"
    short.write_bytes(open(elf, "rb").read()[:100])
    assert_clean_error(armtcg("run", "-kernel", str(short)), "short.elf", "truncated")


def test_garbage_elf(tmp_path):
    junk = tmp_path / "junk.elf"
    junk.write_bytes(b"\x7fELF" + b"\xff" * 300)
    assert_clean_error(armtcg("run", "-kernel", str(junk)), "junk.elf")


@needs_gcc
def test_x86_elf(tmp_path):
    elf = build_guest(tmp_path, INFINITE_LOOP)
    data = bytearray(open(elf, "rb").read())
    data[18:20] = struct.pack("<H", 62)  # EM_X86_64
    x86 = tmp_path / "x86.elf"
    x86.write_bytes(bytes(data))
    assert_clean_error(armtcg("run", "-kernel", str(x86)), "x86.elf", "not ARM")


@needs_gcc
def test_entry_outside_ram(tmp_path):
    elf = build_guest(tmp_path, INFINITE_LOOP, extra_ld="-Wl,--entry=0x08000000")
    assert_clean_error(armtcg("run", "-kernel", elf), "entry point 0x08000000")


@needs_gcc
def test_ram_too_small_for_image(tmp_path):
    elf = build_guest(tmp_path, INFINITE_LOOP + "\n.data\n.space 3 << 20\n")
    assert_clean_error(armtcg("run", "-m", "2", "-kernel", elf), "outside RAM")


def test_engine_not_available(tmp_path):
    """Every engine of --engine runs (a `b .` image stops at --max-insns with
    status 124); a name that is not an engine is a usage error (argparse:
    status 2, the choices listed), not a traceback."""
    img = tmp_path / "img.bin"
    img.write_bytes(b"\xfe\xff\xff\xea")
    for engine in ("interp", "jit", "auto"):
        r = armtcg("run", "-kernel", str(img), "--engine", engine, "--max-insns", "10")
        err = r.stderr.decode()
        assert r.returncode == 124, (engine, err)
        assert "stopped after 10 instructions" in err and "Traceback" not in err, err
    r = armtcg("run", "-kernel", str(img), "--engine", "llvm", "--max-insns", "10")
    err = r.stderr.decode()
    assert r.returncode == 2 and "Traceback" not in err, err
    assert "--engine: invalid choice: 'llvm'" in err and "'jit'" in err, err


# ---- running guests --------------------------------------------------------------

@needs_emu
def test_max_insns_stops_infinite_loop(tmp_path):
    elf = build_guest(tmp_path, INFINITE_LOOP)
    r = armtcg("run", "-M", "virt", "-m", "128M", "-kernel", elf, "--max-insns", "100000")
    err = r.stderr.decode()
    assert r.returncode == 124, err
    assert "100000 instructions" in err and "pc=0x4000000" in err and "Traceback" not in err


@needs_emu
@pytest.mark.parametrize("body", [
    "ldr pc, =0x0c100000\n.ltorg",        # jump into unmapped memory (platform bus)
    ".word 0xffffffff\n.word 0xe7f000f0",  # garbage words, then UDF
    "ldr r0, =0x0c000000\nldr r1, [r0]\n.ltorg",  # load from unmapped memory (platform bus)
])
def test_bad_guest_is_a_guest_exception_not_a_crash(tmp_path, body):
    # Vectors are at 0 (VBAR = 0), in virt's flash bank 0, which holds zeros
    # (andeq r0, r0, r0) without -bios: the guest takes its exception and
    # runs on through the empty flash until --max-insns; the host never
    # crashes or hangs.
    elf = build_guest(tmp_path, body)
    r = armtcg("run", "-M", "virt", "-kernel", elf, "--max-insns", "5000", "-d", "int",
               "-D", str(tmp_path / "int.log"))
    err = r.stderr.decode()
    assert r.returncode == 124 and "Traceback" not in err, err
    log = (tmp_path / "int.log").read_text()
    assert any(w in log.lower() for w in ("prefetch", "abort", "undefined")), log[:2000]


@needs_emu
@pytest.mark.parametrize("code", [0, 3, 42, 255])
def test_exit_status_from_sys_exit_extended(tmp_path, code):
    elf = build_guest(tmp_path, "exit_code %d" % code)
    r = armtcg("run", "-kernel", elf, "-semihosting", "-nographic")
    assert r.returncode == code, r.stderr.decode()


@needs_emu
def test_sys_exit_failure_reason_gives_1(tmp_path):
    elf = build_guest(tmp_path, "semihost 0x18, 0x20023")
    assert armtcg("run", "-kernel", elf, "-semihosting").returncode == 1


@needs_emu
def test_uart_and_psci_off(tmp_path):
    elf = build_guest(tmp_path, """
    ldr r4, =0x09000000
    mov r5, #'o'
    str r5, [r4]
    mov r5, #'k'
    str r5, [r4]
    mov r5, #'\\n'
    str r5, [r4]
    ldr r0, =0x84000008
    hvc #0
    b .
""")
    r = armtcg("run", "-M", "virt", "-kernel", elf, "-nographic")
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == b"ok\n"


@needs_emu
def test_serial_to_file(tmp_path):
    elf = build_guest(tmp_path, """
    ldr r4, =0x09000000
    mov r5, #'z'
    str r5, [r4]
    ldr r0, =0x84000008
    hvc #0
""")
    out = tmp_path / "serial.txt"
    r = armtcg("run", "-kernel", elf, "-serial", "file:%s" % out)
    assert r.returncode == 0 and r.stdout == b""
    assert out.read_bytes() == b"z"


@needs_emu
def test_ctrl_c_stops_and_reports(tmp_path):
    # the guest prints 'L' on the PL011 just before its loop: Ctrl-C is sent
    # once that byte arrived, so the guest is known to be in the loop
    elf = build_guest(tmp_path, """
    ldr r4, =0x09000000
    mov r5, #'L'
    str r5, [r4]
1:  add r0, r0, #1
    b 1b
""")
    p = subprocess.Popen([sys.executable, "-m", "tcg.cli", "run", "-kernel", elf], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    first = p.stdout.read(1)
    assert first == b"L", (first, p.stderr.read().decode() if first == b"" else "")
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    err = err.decode()
    assert p.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err and "mode=svc" in err and "insns=" in err
    # a stop request is served between blocks: at the start of the loop block (add, b)
    assert "pc=0x4000000c " in err, err


# ---- the -d log ----------------------------------------------------------------

@needs_emu
def test_log_in_asm_and_op_to_file(tmp_path):
    elf = build_guest(tmp_path, INFINITE_LOOP)
    log = tmp_path / "trace.log"
    r = armtcg("run", "-kernel", elf, "--max-insns", "50", "-d", "in_asm,op", "-D", str(log))
    assert r.returncode == 124
    text = log.read_text()
    assert "IN: _start" in text
    # the words and capstone's reading of the loop, independent of our decoder
    assert "0x40000000:  e3a00000  mov      r0, #0" in text
    assert "0x40000004:  e2800001  add      r0, r0, #1" in text
    assert "OP: 0x40000000" in text and "goto_tb" in text


@needs_emu
def test_log_exec_cpu_on_stderr(tmp_path):
    elf = build_guest(tmp_path, INFINITE_LOOP)
    r = armtcg("run", "-kernel", elf, "--max-insns", "20", "-d", "exec,cpu")
    err = r.stderr.decode()
    assert r.returncode == 124
    assert "Trace 0: [40000000/" in err and "_start" in err
    assert "R00=00000000" in err and "PSR=400001d3 -Z-- A svc32" in err
    assert err.count("Trace 0: [40000004/") >= 2   # the loop body, block by block


@needs_emu
def test_log_int(tmp_path):
    # an SVC without -semihosting is a real exception, taken through VBAR
    elf = build_guest(tmp_path, """
    ldr r0, =vectors
    mcr p15, 0, r0, c12, c0, 0
    svc #5
    b .
.balign 32
vectors:
    .rept 8
    b .
    .endr
""")
    r = armtcg("run", "-kernel", elf, "--max-insns", "20", "-d", "int")
    err = r.stderr.decode()
    assert r.returncode == 124, err
    assert "Taking exception 2 [SVC] at pc=0x40000008 arg=0x5" in err


@pytest.mark.skipif(shutil.which("armtcg") is None, reason="console script not installed")
def test_console_script():
    r = subprocess.run(["armtcg", "run", "--help"], capture_output=True)
    assert r.returncode == 0 and b"-kernel" in r.stdout
