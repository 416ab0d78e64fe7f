"""The virt board: PL011 registers, -m parsing, the image loader, PSCI and
semihosting as seen by small assembly guests.

Expected values come from the PL011 TRM (DDI 0183), the semihosting and
PSCI specifications, and runs of the same guests on qemu-system-arm 7.2
(`-M virt -semihosting`); where qemu-system-arm is installed the guests are
also run there and the outputs compared byte for byte.
"""

import io
import shutil
import struct
import subprocess
import time

import pytest

from runtime.devices import pl011
from runtime.boards.virt import RAM_BASE, parse_ram_size
from runtime.loader import LoaderError, load_elf, load_image
from runtime.devices.pl011 import PL011

GCC = shutil.which("arm-none-eabi-gcc")
QEMU = shutil.which("qemu-system-arm")
needs_gcc = pytest.mark.skipif(GCC is None, reason="arm-none-eabi-gcc not installed")
needs_qemu = pytest.mark.skipif(QEMU is None, reason="qemu-system-arm not installed")

LDSCRIPT = """ENTRY(_start)
SECTIONS {
  . = %(base)s;
  .text : { *(.text*) }
  .data : { *(.data*) }
  .bss : { *(.bss*) *(COMMON) }
  _end = .;
}
"""

PRELUDE = """.syntax unified
.arm
.global _start
.text
_start:
"""

# Guest macros: semihosting call, PSCI call through HVC, exit with a code.
MACROS = """
.macro semihost op, arg
    mov r0, #\\op
    ldr r1, =\\arg
    svc 0x123456
.endm
.macro exit_code code
    ldr r1, =exit_blk_\\@
    ldr r2, =\\code
    str r2, [r1, #4]
    mov r0, #0x20
    svc 0x123456
    .pushsection .data
exit_blk_\\@: .word 0x20026, 0
    .popsection
.endm
"""


def build_guest(tmp_path, body, name="guest", base="0x40000000", extra_ld="", raw=False):
    """Assemble and link an A32 guest; returns the ELF (or raw binary) path."""
    src = tmp_path / (name + ".S")
    src.write_text(PRELUDE + MACROS + body + "\n")
    ld = tmp_path / (name + ".ld")
    ld.write_text(LDSCRIPT % {"base": base})
    elf = tmp_path / (name + ".elf")
    subprocess.run([GCC, "-nostdlib", "-mcpu=cortex-a15", "-marm", "-T", str(ld),
                    "-o", str(elf), str(src)] + ([extra_ld] if extra_ld else []),
                   check=True, capture_output=True)
    if not raw:
        return str(elf)
    binary = tmp_path / (name + ".bin")
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(binary)], check=True)
    return str(binary)


def run_ours(path, count=200000, semihosting=True, ram="128M", no_reboot=False):
    """Run a guest in-process; returns (StopReason, uart bytes, semihosting stdout, stderr)."""
    from tcg.emulator import virt_emulator
    uart, out, err = io.BytesIO(), io.BytesIO(), io.BytesIO()
    emu = virt_emulator(parse_ram_size(ram), semihosting=semihosting, uart_out=uart,
                     semihost_out=out, semihost_err=err, no_reboot=no_reboot)
    emu.board.load(path)
    reason = emu.board.run(count)
    return reason, uart.getvalue(), out.getvalue(), err.getvalue(), emu


def run_qemu(path, ram="128M", with_stderr=False):
    r = subprocess.run([QEMU, "-M", "virt", "-m", ram, "-nographic", "-semihosting",
                        "-kernel", path], capture_output=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    return (r.returncode, r.stdout, r.stderr) if with_stderr else (r.returncode, r.stdout)


def emulator_available():
    try:
        import tcg.emulator  # noqa: F401
        return True
    except ImportError:
        return False


needs_emu = pytest.mark.skipif(not emulator_available() or GCC is None,
                               reason="emulator not built or no arm-none-eabi-gcc")


# ---- PL011 ----------------------------------------------------------------------

def test_pl011_reset_values():
    u = PL011(io.BytesIO())
    assert u.read(pl011.FR, 4) == 0x90           # TXFE | RXFE
    assert u.read(pl011.CR, 4) == 0x300          # TXE | RXE
    assert u.read(pl011.IFLS, 4) == 0x12         # 1/2 full both ways
    for reg in (pl011.IBRD, pl011.FBRD, pl011.LCR_H, pl011.IMSC, pl011.RIS,
                pl011.MIS, pl011.DMACR, pl011.RSR_ECR):
        assert u.read(reg, 4) == 0


def test_pl011_id_registers():
    u = PL011(None)
    ids = [u.read(0xFE0 + 4 * i, 4) for i in range(8)]
    assert ids == [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]
    assert u.read(0xFE0, 1) == 0x11


def test_pl011_transmit_and_tx_interrupt():
    out = io.BytesIO()
    levels = []
    u = PL011(out, irq=levels.append)
    for ch in b"hi\n":
        u.write(pl011.DR, 4, ch | 0xF00)          # only bits 7:0 are data
    assert out.getvalue() == b"hi\n"
    assert u.read(pl011.RIS, 4) & pl011.INT_TX
    assert u.read(pl011.MIS, 4) == 0              # masked
    assert levels == []
    u.write(pl011.IMSC, 4, pl011.INT_TX)
    assert u.read(pl011.MIS, 4) == pl011.INT_TX and levels == [1]
    u.write(pl011.ICR, 4, pl011.INT_TX)
    assert u.read(pl011.RIS, 4) & pl011.INT_TX == 0 and levels == [1, 0]


def test_pl011_byte_store_to_dr():
    out = io.BytesIO()
    u = PL011(out)
    u.write(pl011.DR, 1, ord("x"))
    assert out.getvalue() == b"x"


def test_pl011_receive():
    u = PL011(None)
    assert u.read(pl011.DR, 4) == 0
    u.receive(b"ab")
    fr = u.read(pl011.FR, 4)
    assert not fr & pl011.FR_RXFE
    assert fr & pl011.FR_RXFF                     # FIFOs off: a 1-deep holding register
    assert u.read(pl011.RSR_ECR, 4) & 0x8         # the second byte overran
    assert u.read(pl011.DR, 4) == ord("a")
    assert u.read(pl011.FR, 4) & pl011.FR_RXFE
    u.write(pl011.RSR_ECR, 4, 0)
    assert u.read(pl011.RSR_ECR, 4) == 0
    u.write(pl011.LCR_H, 4, pl011.LCR_H_FEN)
    u.receive(b"xyz")
    assert [u.read(pl011.DR, 4) for _ in range(3)] == list(b"xyz")


def test_pl011_plain_registers_and_state():
    u = PL011(None)
    u.write(pl011.IBRD, 4, 0x12345)
    u.write(pl011.FBRD, 4, 0xFF)
    assert u.read(pl011.IBRD, 4) == 0x2345        # 16 bits
    assert u.read(pl011.FBRD, 4) == 0x3F          # 6 bits
    state = u.get_state()
    v = PL011(None)
    v.set_state(state, PL011.STATE_VERSION)
    assert v.get_state() == state
    u.reset()
    assert u.read(pl011.IBRD, 4) == 0


# ---- -m --------------------------------------------------------------------------

@pytest.mark.parametrize("text,size", [
    ("128M", 128 << 20), ("1G", 1 << 30), ("256", 256 << 20), ("512k", 512 << 10),
    ("64m", 64 << 20), ("size=32M", 32 << 20), ("1.5G", 3 << 29), ("3G", 3 << 30),
])
def test_parse_ram_size(text, size):
    assert parse_ram_size(text) == size


@pytest.mark.parametrize("text", ["", "abc", "12Q", "0", "4G", "-5", "M"])
def test_parse_ram_size_rejects(text):
    with pytest.raises(ValueError):
        parse_ram_size(text)


# ---- loader ----------------------------------------------------------------------

RAM = [(RAM_BASE, 128 << 20)]


def _collect():
    mem = {}
    return mem, lambda addr, data: mem.__setitem__(addr, bytes(data))


@needs_gcc
def test_load_elf_segments_bss_and_symbols(tmp_path):
    path = build_guest(tmp_path, """
    b .
func_two:
    bx lr
.data
value: .word 0x11223344
.bss
zeros: .space 100
""")
    mem, write = _collect()
    image = load_elf(path, write, RAM)
    assert image.entry == RAM_BASE
    # the file bytes of the loaded segment start with `b .` (0xeafffffe)
    assert mem[RAM_BASE][:4] == struct.pack("<I", 0xEAFFFFFE)
    assert b"\x44\x33\x22\x11" in mem[RAM_BASE]
    zero_chunks = [d for a, d in mem.items() if d and not any(d)]
    assert sum(len(d) for d in zero_chunks) >= 100  # .bss zeroed
    assert image.symbols.lookup(RAM_BASE + 4) == ("func_two", 0)
    assert image.symbols.format(RAM_BASE + 2) == "_start+0x2"
    assert image.end >= RAM_BASE + 8 + 4 + 100


def test_load_missing_file():
    with pytest.raises(LoaderError, match="cannot read image '/no/such/guest.elf'"):
        load_image("/no/such/guest.elf", lambda a, d: None, RAM, RAM_BASE)


@needs_gcc
@pytest.mark.parametrize("cut", [20, 60, 200])
def test_load_truncated_elf(tmp_path, cut):
    path = build_guest(tmp_path, "b .")
    short = tmp_path / "short.elf"
    short.write_bytes(open(path, "rb").read()[:cut])
    with pytest.raises(LoaderError, match="truncated|not a valid ELF"):
        load_image(str(short), lambda a, d: None, RAM, RAM_BASE)


def test_load_garbage_with_elf_magic(tmp_path):
    junk = tmp_path / "junk.elf"
    junk.write_bytes(b"\x7fELF" + bytes(range(256)) * 4)
    with pytest.raises(LoaderError, match="junk.elf"):
        load_image(str(junk), lambda a, d: None, RAM, RAM_BASE)


@needs_gcc
def test_load_x86_elf(tmp_path):
    path = build_guest(tmp_path, "b .")
    data = bytearray(open(path, "rb").read())
    data[18:20] = struct.pack("<H", 3)  # e_machine = EM_386
    x86 = tmp_path / "x86.elf"
    x86.write_bytes(bytes(data))
    with pytest.raises(LoaderError, match="EM_386, not ARM"):
        load_image(str(x86), lambda a, d: None, RAM, RAM_BASE)


def test_load_64bit_elf(tmp_path):
    # a minimal ELF64 header (x86-64 executable, no segments)
    hdr = (b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
           + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x401000, 0, 0, 0, 64, 56, 0, 64, 0, 0))
    p = tmp_path / "x64.elf"
    p.write_bytes(hdr)
    with pytest.raises(LoaderError, match="64-bit"):
        load_image(str(p), lambda a, d: None, RAM, RAM_BASE)


@needs_gcc
def test_load_segment_outside_ram(tmp_path):
    path = build_guest(tmp_path, "b .", base="0x20000000")
    with pytest.raises(LoaderError, match="segment at 0x20000000.*outside RAM"):
        load_image(path, lambda a, d: None, RAM, RAM_BASE)


@needs_gcc
def test_load_entry_outside_ram(tmp_path):
    path = build_guest(tmp_path, "b .", extra_ld="-Wl,--entry=0x10000000")
    with pytest.raises(LoaderError, match="entry point 0x10000000 is outside"):
        load_image(path, lambda a, d: None, RAM, RAM_BASE)


def test_load_raw_too_big(tmp_path):
    p = tmp_path / "big.bin"
    p.write_bytes(bytes(2 << 20))
    with pytest.raises(LoaderError, match="does not fit in RAM"):
        load_image(str(p), lambda a, d: None, [(RAM_BASE, 1 << 20)], RAM_BASE + 0x10000)


# ---- guests: PSCI ------------------------------------------------------------------

# Each call's r0 is stored into `vals`; the block is written to stdout with
# SYS_WRITE on a ":tt" handle (QEMU 7.2 pre-opens no handles).
DUMP_VALS = """
    semihost 0x01, tt_open
    ldr r1, =write_blk
    str r0, [r1]
    mov r0, #0x05
    svc 0x123456
    semihost 0x18, 0x20026
.ltorg
.data
tt_open: .word tt_name, 4, 3
tt_name: .asciz ":tt"
.align 2
write_blk: .word 0, vals, %d
vals: .space %d
"""


def psci_guest(calls, insn="hvc #0"):
    lines = ["    ldr r12, =vals"]
    for i, (fn, arg) in enumerate(calls):
        lines += ["    ldr r0, =%#x" % fn, "    ldr r1, =%#x" % arg, "    mov r2, #0",
                  "    " + insn, "    str r0, [r12, #%d]" % (4 * i)]
    return "\n".join(lines) + DUMP_VALS % (4 * len(calls), 4 * len(calls))


PSCI_CALLS = [
    (0x84000000, 0),            # PSCI_VERSION
    (0x84000003, 0),            # CPU_ON(cpu 0): already on
    (0x84000003, 1),            # CPU_ON(cpu 1): no such cpu
    (0x8400000A, 0x84000003),   # PSCI_FEATURES(CPU_ON)
    (0x8400000A, 0x84000008),   # PSCI_FEATURES(SYSTEM_OFF)
    (0x8400000A, 0x84000013),   # PSCI_FEATURES(unknown)
    (0x84000004, 0),            # AFFINITY_INFO(cpu 0)
    (0x84000001, 0x00100000),   # CPU_SUSPEND with an affinity level
    (0x84000006, 0),            # MIGRATE_INFO_TYPE
    (0x84000005, 0),            # MIGRATE
    (0xC4000003, 0),            # CPU_ON, SMC64 id from AArch32
]
# measured on qemu-system-arm 7.2 -M virt
PSCI_EXPECTED = [0x10001, -4, -2, 0, 0, -1, 0, -2, 2, -1, -1]


def _words(data):
    return [w - (1 << 32) if w & 0x80000000 else w
            for w in struct.unpack("<%dI" % (len(data) // 4), data)]


@needs_emu
@pytest.mark.parametrize("insn", ["hvc #0", "smc #0"])
def test_psci_calls(tmp_path, insn):
    path = build_guest(tmp_path, psci_guest(PSCI_CALLS, insn))
    reason, _, out, _, _ = run_ours(path)
    assert reason.kind == "shutdown" and reason.exit_code == 0
    assert _words(out) == PSCI_EXPECTED


@needs_emu
def test_smccc_version_and_arch_features(tmp_path):
    """ARM DEN 0028 (SMCCC v1.1) 7.1: SMCCC_VERSION returns 0x10001 for v1.1;
    7.2: SMCCC_ARCH_FEATURES(fid) is 0 for implemented SMCCC calls and
    NOT_SUPPORTED (-1) for ARCH_WORKAROUND_1 (0x80008000), which this
    firmware lacks; PSCI 1.0's PSCI_FEATURES(SMCCC_VERSION) is 0 (DEN 0022
    5.1.14).  (QEMU 7.2 answers all three with NOT_SUPPORTED.)"""
    path = build_guest(tmp_path, psci_guest([(0x80000000, 0), (0x80000001, 0x80000000),
                                             (0x80000001, 0x80008000),
                                             (0x8400000A, 0x80000000)]))
    reason, _, out, _, _ = run_ours(path)
    assert _words(out) == [0x10001, 0, -1, 0]


@needs_emu
def test_psci_unknown_function_not_supported(tmp_path):
    path = build_guest(tmp_path, psci_guest([(0x12345678, 0), (0x84000013, 0)]))
    reason, _, out, _, _ = run_ours(path)
    assert _words(out) == [-1, -1]


@needs_qemu
@needs_gcc
def test_psci_expectations_match_qemu(tmp_path):
    path = build_guest(tmp_path, psci_guest(PSCI_CALLS))
    rc, out = run_qemu(path)
    assert rc == 0 and _words(out) == PSCI_EXPECTED


UART_HELLO = """
    ldr r4, =0x09000000
    ldr r5, =msg
    mov r7, #20
1:  ldrb r6, [r5], #1
    str r6, [r4]
    subs r7, r7, #1
    bne 1b
    ldr r0, =%s
    hvc #0
    b .
.ltorg
.data
msg: .asciz "hello from the uart\\n"
"""


@needs_emu
def test_uart_output_and_psci_system_off(tmp_path):
    path = build_guest(tmp_path, UART_HELLO % "0x84000008")
    reason, uart, _, _, _ = run_ours(path, semihosting=False)
    assert uart == b"hello from the uart\n"
    assert reason.kind == "shutdown" and reason.exit_code == 0


@needs_emu
def test_psci_system_reset_no_reboot_stops(tmp_path):
    path = build_guest(tmp_path, UART_HELLO % "0x84000009")
    reason, uart, _, _, _ = run_ours(path, semihosting=False, no_reboot=True)
    assert uart == b"hello from the uart\n"
    assert reason.kind == "shutdown" and reason.exit_code == 0


@needs_emu
def test_psci_system_reset_reboots(tmp_path):
    path = build_guest(tmp_path, UART_HELLO % "0x84000009")
    reason, uart, _, _, _ = run_ours(path, count=3000, semihosting=False)
    assert reason.kind == "count"
    assert uart.count(b"hello from the uart\n") >= 2   # ran again after the reset


@needs_emu
def test_elf_boot_state(tmp_path):
    # registers at the entry point, as QEMU 7.2 sets them for an ELF
    body = """
    ldr r12, =vals
    str r0, [r12]
    str r1, [r12, #4]
    str r2, [r12, #8]
    mrs r3, cpsr
    str r3, [r12, #12]
    str sp, [r12, #16]
""" + DUMP_VALS % (20, 20)
    path = build_guest(tmp_path, body)
    reason, _, out, _, _ = run_ours(path)
    assert _words(out) == [0, 0, 0, 0x400001D3, 0]


@needs_emu
def test_raw_kernel_boot_state(tmp_path):
    # a raw image goes to RAM + 0x10000 with the Linux boot registers
    body = """
    adr r12, vals
    str r0, [r12]
    str r1, [r12, #4]
    mrs r3, cpsr
    str r3, [r12, #8]
    str r12, [r12, #12]
    adr r1, tt_open
    adr r3, tt_name
    str r3, [r1]
    mov r0, #1
    svc 0x123456
    adr r1, write_blk
    str r0, [r1]
    str r12, [r1, #4]
    mov r0, #5
    svc 0x123456
    mov r0, #0x18
    ldr r1, =0x20026
    svc 0x123456
.ltorg
vals: .space 16
write_blk: .word 0, 0, 16
tt_open: .word 0, 4, 3
tt_name: .asciz ":tt"
"""
    path = build_guest(tmp_path, body, base="0", raw=True)
    reason, _, out, _, _ = run_ours(path)
    words = _words(out)
    assert words[:3] == [0, -1, 0x400001D3]
    assert words[3] - RAM_BASE - 0x10000 in range(0x100)   # vals lives in the image


# ---- guests: semihosting ---------------------------------------------------------------

SEMIHOST_GUEST = """
    semihost 0x03, ch_a            @ SYS_WRITEC
    semihost 0x04, str_hello       @ SYS_WRITE0
    semihost 0x01, tt_open         @ SYS_OPEN ":tt" for writing
    ldr r1, =write_blk
    str r0, [r1]
    mov r0, #0x05                  @ SYS_WRITE
    svc 0x123456
    bl put_r0_hex
    ldr r1, =write_blk             @ SYS_ISTTY(handle)
    mov r0, #0x09
    svc 0x123456
    bl put_r0_hex
    semihost 0x01, bad_open        @ SYS_OPEN of a missing file -> -1
    bl put_r0_hex
    semihost 0x13, 0               @ SYS_ERRNO -> ENOENT
    bl put_r0_hex
    semihost 0x16, heap_ptr        @ SYS_HEAPINFO
    ldr r4, =heap_blk
    ldr r0, [r4]
    bl put_r0_hex
    ldr r0, [r4, #4]
    bl put_r0_hex
    ldr r0, [r4, #8]
    bl put_r0_hex
    ldr r0, [r4, #12]
    bl put_r0_hex
    exit_code 0
@ print r0 as 8 hex digits and a newline with SYS_WRITEC
put_r0_hex:
    mov r5, r0
    mov r6, #28
    ldr r7, =digit
    ldr r8, =hexdigits
1:  lsr r0, r5, r6
    and r0, r0, #15
    ldrb r0, [r8, r0]
    strb r0, [r7]
    mov r1, r7
    mov r0, #3
    svc 0x123456
    subs r6, r6, #4
    bpl 1b
    mov r0, #'\\n'
    strb r0, [r7]
    mov r1, r7
    mov r0, #3
    svc 0x123456
    bx lr
.ltorg
.data
ch_a: .byte 'A'
str_hello: .asciz "hello\\n"
tt_name: .asciz ":tt"
missing: .asciz "/nonexistent/armtcg-file"
digit: .byte 0
hexdigits: .ascii "0123456789abcdef"
.align 2
tt_open: .word tt_name, 4, 3
bad_open: .word missing, 0, 24
write_blk: .word 0, str_hello, 3
heap_ptr: .word heap_blk
heap_blk: .word 0, 0, 0, 0
"""


def _heap_expected(path):
    image_end = max(seg["p_paddr"] + seg["p_memsz"] for seg in
                    __import__("elftools.elf.elffile", fromlist=["ELFFile"])
                    .ELFFile(open(path, "rb")).iter_segments() if seg["p_type"] == "PT_LOAD")
    top = RAM_BASE + (128 << 20)
    return ["%08x" % v for v in (image_end, top, top, image_end)]


@needs_emu
def test_semihosting_console_and_heapinfo(tmp_path):
    path = build_guest(tmp_path, SEMIHOST_GUEST)
    reason, _, out, err, _ = run_ours(path)
    assert reason.kind == "shutdown" and reason.exit_code == 0
    assert out == b"hel"                      # SYS_WRITE on ":tt" opened for writing
    lines = err.decode().split("\n")         # SYS_WRITEC/WRITE0: the console, stderr
    assert lines[0] == "Ahello"
    assert lines[1] == "00000000"             # SYS_WRITE returns bytes not written
    assert lines[2] == "00000000"             # ":tt" is a pipe here, not a tty
    assert lines[3] == "ffffffff"             # open failed
    assert lines[4] == "%08x" % 2             # ENOENT
    assert lines[5:9] == _heap_expected(path)


@needs_qemu
@needs_emu
def test_semihosting_matches_qemu(tmp_path):
    path = build_guest(tmp_path, SEMIHOST_GUEST)
    rc, qemu_out, qemu_err = run_qemu(path, with_stderr=True)
    _, _, out, err, _ = run_ours(path)
    assert rc == 0
    assert (out, err) == (qemu_out, qemu_err)


FILE_GUEST = """
    semihost 0x01, open_w          @ open the host file for writing
    ldr r4, =handle
    str r0, [r4]
    ldr r1, =write_blk
    str r0, [r1]
    mov r0, #0x05
    svc 0x123456                   @ write 10 bytes
    ldr r1, =handle
    mov r0, #0x0C                  @ SYS_FLEN
    svc 0x123456
    ldr r4, =results
    str r0, [r4]
    ldr r1, =handle
    mov r0, #0x09                  @ SYS_ISTTY of a file -> 0
    svc 0x123456
    str r0, [r4, #4]
    ldr r1, =seek_blk
    ldr r0, =handle
    ldr r0, [r0]
    str r0, [r1]
    mov r0, #0x0A                  @ SYS_SEEK to 4
    svc 0x123456
    str r0, [r4, #8]
    semihost 0x02, handle          @ SYS_CLOSE
    semihost 0x01, open_r
    ldr r1, =read_blk
    str r0, [r1]
    mov r0, #0x06                  @ SYS_READ 16 bytes of a 10-byte file
    svc 0x123456
    ldr r4, =results
    str r0, [r4, #12]              @ bytes not read: 6
    semihost 0x10, 0               @ SYS_CLOCK
    str r0, [r4, #16]
    semihost 0x11, 0               @ SYS_TIME
    str r0, [r4, #20]
    semihost 0x01, tt_open
    ldr r1, =dump_blk
    str r0, [r1]
    mov r0, #0x05
    svc 0x123456
    exit_code 0
.ltorg
.data
fname: .asciz "%(fname)s"
tt_name: .asciz ":tt"
text: .ascii "0123456789"
.align 2
open_w: .word fname, 4, %(flen)d
open_r: .word fname, 0, %(flen)d
tt_open: .word tt_name, 4, 3
handle: .word 0
write_blk: .word 0, text, 10
seek_blk: .word 0, 4
read_blk: .word 0, buffer, 16
dump_blk: .word 0, results, 40
results: .space 24
buffer: .space 16
"""


@needs_emu
def test_semihosting_files_clock_time(tmp_path):
    fname = str(tmp_path / "out.txt")
    path = build_guest(tmp_path, FILE_GUEST % {"fname": fname, "flen": len(fname)})
    before = int(time.time())
    t0 = time.monotonic()
    reason, _, out, _, _ = run_ours(path)
    elapsed_cs = (time.monotonic() - t0) * 100
    after = int(time.time())
    assert reason.kind == "shutdown" and reason.exit_code == 0
    assert open(fname, "rb").read() == b"0123456789"
    flen, istty, seek, not_read, clock, now = struct.unpack("<6I", out[:24])
    assert (flen, istty, seek, not_read) == (10, 0, 0, 6)
    # SYS_CLOCK: centiseconds since the execution started, so at most the
    # host time the whole run took (no bound on how fast the host is)
    assert clock <= elapsed_cs + 1
    assert before <= now <= after
    assert out[24:34] == b"0123456789"         # the buffer SYS_READ filled


@needs_emu
@pytest.mark.parametrize("body,code", [
    ("exit_code 42", 42),
    ("exit_code 0", 0),
    ("semihost 0x18, 0x20026", 0),             # SYS_EXIT ApplicationExit
    ("semihost 0x18, 0x20023", 1),             # SYS_EXIT RunTimeErrorUnknown
    ("""ldr r1, =blk
    mov r0, #0x20
    svc 0x123456
.data
blk: .word 0x20023, 7""", 1),                  # EXIT_EXTENDED, not ApplicationExit
])
def test_semihosting_exit_codes(tmp_path, body, code):
    path = build_guest(tmp_path, body)
    reason, _, _, _, _ = run_ours(path)
    assert reason.kind == "shutdown" and reason.exit_code == code


@needs_emu
@needs_qemu
@pytest.mark.qemu
@pytest.mark.parametrize("body,code", [
    ("exit_code 42", 42),
    ("exit_code 0", 0),
    ("semihost 0x18, 0x20026", 0),
    ("semihost 0x18, 0x20023", 1),
    ("""ldr r1, =blk
    mov r0, #0x20
    svc 0x123456
.data
blk: .word 0x20023, 7""", 1),
])
def test_semihosting_exit_codes_match_qemu(tmp_path, body, code):
    """QEMU 7.2 -semihosting exits with the same status for the same guest
    (was an `if QEMU:` inside the test above that dropped it silently)."""
    path = build_guest(tmp_path, body)
    assert run_qemu(path)[0] == code
