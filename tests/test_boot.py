"""The Linux boot protocol and image formats (runtime/boot.py) on `virt`.

What a kernel must find is fixed by Linux's Documentation/arm/booting.rst
(r0 = 0, r1 = machine type or ~0 with a DTB, r2 = DTB physical address, SVC
mode with IRQ/FIQ masked, MMU and D-cache off); where images go is QEMU
7.2's hw/arm/boot.c, measured on qemu-system-arm (a zImage at RAM base +
0x10000, the initrd at RAM base + min(RAM/2, 128 MiB), the DTB after it at
the next 4 KiB boundary).  tests/linux/bootregs.S is a stand-in zImage that
prints what it was given; the same binary runs under QEMU for comparison.
"""

import gzip
import io
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from runtime import boot, fdt
from runtime.boards.virt import VirtBoard, MachineConfig, RAM_BASE
from tcg.emulator import Emulator
from tests.asm import have_toolchain
from tests.guestlib import have_qemu, run_command

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DTB_MAGIC = 0xD00DFEED
SVC_IRQ_FIQ_MASKED = 0x1D3           # M = SVC (0x13), A, I, F set

needs_toolchain = pytest.mark.skipif(not have_toolchain(), reason="arm-none-eabi-gcc missing")


def build_bootregs(tmp_path, ram_size):
    """tests/linux/bootregs.S as a raw binary; it checks the initrd slot
    QEMU uses for this RAM size."""
    slot = RAM_BASE + min(ram_size // 2, 128 << 20)
    elf, raw = tmp_path / "bootregs.elf", tmp_path / "zImage"
    subprocess.run(["arm-none-eabi-gcc", "-nostdlib", "-Wl,-Ttext=0x40010000",
                    "-Wl,--build-id=none", "-DINITRD_SLOT=%#x" % slot, "-o", str(elf),
                    str(HERE / "linux" / "bootregs.S")], check=True)
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(raw)], check=True)
    return raw


def armtcg(*args, timeout=120):
    return run_command([sys.executable, "-m", "tcg.cli", *map(str, args)], timeout, cwd=REPO)


def board_for(ram_size=256 << 20, **cfg):
    emu = Emulator()
    out = io.BytesIO()
    board = VirtBoard(emu, MachineConfig(ram_size=ram_size, serial=out, **cfg))
    return board, emu, out


def words(text):
    return [int(x, 16) for x in text.split()]


@needs_toolchain
@pytest.mark.parametrize("ram_mb", [128, 256, 1024])
def test_zimage_boot_registers_and_placement(tmp_path, ram_mb):
    ram = ram_mb << 20
    image = build_bootregs(tmp_path, ram)
    initrd = tmp_path / "initrd"
    initrd.write_bytes(b"INRD" + bytes(1000))
    out, status, err = armtcg("-M", "virt", "-m", "%dM" % ram_mb, "-nographic", "-kernel", image,
                              "-initrd", initrd, "-append", "console=ttyAMA0")
    assert status == 0, err
    r0, r1, r2, cpsr, sctlr, magic, initrd_word = words(out.decode())
    slot = RAM_BASE + min(ram // 2, 128 << 20)
    assert (r0, r1) == (0, 0xFFFFFFFF)                # booting.rst: r0 = 0, r1 = ~0 with a DTB
    assert r2 == (slot + 1004 + 0xFFF) & ~0xFFF       # DTB after the initrd, 4 KiB aligned
    assert cpsr & 0x1FF == SVC_IRQ_FIQ_MASKED
    assert sctlr & 0x5 == 0                           # MMU (M) and D-cache (C) off
    assert magic == struct.unpack("<I", struct.pack(">I", DTB_MAGIC))[0]
    assert initrd_word == struct.unpack("<I", b"INRD")[0]


@needs_toolchain
@pytest.mark.qemu
@pytest.mark.skipif(not have_qemu(), reason="qemu-system-arm missing")
def test_zimage_boot_matches_qemu(tmp_path):
    image = build_bootregs(tmp_path, 256 << 20)
    initrd = tmp_path / "initrd"
    initrd.write_bytes(b"INRD" + bytes(5000))
    common = ["-M", "virt", "-m", "256M", "-nographic", "-kernel", str(image),
              "-initrd", str(initrd), "-append", "x"]
    ours, status, err = armtcg(*common)
    theirs, qstatus, _ = run_command(["qemu-system-arm", "-cpu", "cortex-a15", *common], 60)
    assert status == 0 and qstatus == 0, err
    # every line but the CPSR's (QEMU leaves the Z flag of its boot stub's compare)
    assert words(ours.decode())[:3] + words(ours.decode())[4:] == \
        words(theirs.decode())[:3] + words(theirs.decode())[4:]


def test_dtb_describes_initrd_and_bootargs(tmp_path):
    kernel = tmp_path / "zImage"
    kernel.write_bytes(b"\0" * 0x24 + struct.pack("<III", 0x016F2818, 0, 0x100) + bytes(0xD4))
    initrd = tmp_path / "initrd"
    initrd.write_bytes(bytes(300))
    board, emu, _ = board_for(kernel=str(kernel), initrd=str(initrd), append="root=/dev/vda")
    board.load()
    dtb_addr = emu.reg_read("r2")
    blob = emu.mem_read(dtb_addr, 0x10000)
    start = struct.unpack(">I", fdt.get_prop(blob, "/chosen", "linux,initrd-start"))[0]
    end = struct.unpack(">I", fdt.get_prop(blob, "/chosen", "linux,initrd-end"))[0]
    assert (start, end) == (RAM_BASE + (128 << 20), RAM_BASE + (128 << 20) + 300)
    assert fdt.get_prop(blob, "/chosen", "bootargs") == b"root=/dev/vda\0"
    assert fdt.get_prop(blob, "/chosen", "stdout-path") == b"/pl011@9000000\0"
    assert len(fdt.get_prop(blob, "/chosen", "rng-seed")) == 32
    mem = struct.unpack(">4I", fdt.get_prop(blob, "/memory@40000000", "reg"))
    assert mem == (0, RAM_BASE, 0, 256 << 20)


def test_uimage_loads_at_its_address_and_gzip_payloads_unpack(tmp_path):
    payload = bytes(range(256)) * 16
    path = tmp_path / "uImage"
    path.write_bytes(boot.make_uimage(payload, RAM_BASE + 0x8000, RAM_BASE + 0x8040,
                                      comp=boot.IH_COMP_GZIP))
    board, emu, _ = board_for(kernel=str(path))
    board.load()
    assert emu.mem_read(RAM_BASE + 0x8000, len(payload)) == payload
    assert emu.reg_read("pc") == RAM_BASE + 0x8040
    assert emu.reg_read("r1") == 0xFFFFFFFF           # IH_OS_LINUX: the Linux registers


@pytest.mark.parametrize("corrupt, message", [
    (lambda b: b[:4] + b"\0\0\0\0" + b[8:], "bad header CRC"),
    (lambda b: b[:-1] + bytes([b[-1] ^ 1]), "bad data CRC"),
    (lambda b: b[:100], "truncated"),
])
def test_bad_uimage_is_a_clear_error(tmp_path, corrupt, message):
    good = boot.make_uimage(bytes(1000), RAM_BASE + 0x8000, RAM_BASE + 0x8000)
    path = tmp_path / "uImage"
    path.write_bytes(corrupt(good))
    r = armtcg("-M", "virt", "-kernel", path)
    assert r[1] == 1 and message in r[2].decode() and b"Traceback" not in r[2]


def test_truncated_zimage_is_a_clear_error(tmp_path):
    path = tmp_path / "zImage"
    path.write_bytes(b"\0" * 0x24 + struct.pack("<III", 0x016F2818, 0, 0x100000) + bytes(64))
    out, status, err = armtcg("-M", "virt", "-kernel", path)
    assert status == 1 and b"zImage" in err and b"truncated" in err and b"Traceback" not in err


def test_initrd_larger_than_ram_is_a_clear_error(tmp_path):
    kernel = tmp_path / "Image"
    kernel.write_bytes(bytes(4096))
    initrd = tmp_path / "initrd"
    initrd.write_bytes(bytes(40 << 20))
    out, status, err = armtcg("-M", "virt", "-m", "64M", "-kernel", kernel, "-initrd", initrd)
    assert status == 1 and b"initrd" in err and b"does not fit in RAM" in err, err


def test_missing_initrd_is_a_clear_error(tmp_path):
    kernel = tmp_path / "Image"
    kernel.write_bytes(bytes(4096))
    out, status, err = armtcg("-M", "virt", "-kernel", kernel, "-initrd", tmp_path / "nope")
    assert status == 1 and b"cannot read initrd" in err and b"Traceback" not in err


def test_endless_kernel_file_is_refused_without_reading_it_all():
    out, status, err = armtcg("-M", "virt", "-m", "64M", "-kernel", "/dev/zero")
    assert status == 1 and b"larger than" in err and b"Traceback" not in err


@pytest.mark.parametrize("blob, message", [
    (b"not a device tree at all, just some text.............", "not a valid device tree"),
    (b"\xd0\x0d\xfe\xed" + bytes(60), "device tree"),
    (b"\x01\x02", "too short"),
])
def test_malformed_dtb_is_a_clear_error(tmp_path, blob, message):
    kernel = tmp_path / "Image"
    kernel.write_bytes(bytes(4096))
    dtb = tmp_path / "bad.dtb"
    dtb.write_bytes(blob)
    out, status, err = armtcg("-M", "virt", "-kernel", kernel, "-dtb", dtb)
    assert status == 1 and message.encode() in err and b"Traceback" not in err, err


def test_user_dtb_gets_chosen_and_memory_patched(tmp_path):
    user = fdt.build(fdt.Node("", [("#address-cells", fdt.Cells(2)),
                                   ("#size-cells", fdt.Cells(2)),
                                   ("model", "user board")],
                              [fdt.Node("memory@40000000", [("reg", fdt.reg_cells(2, 2, (
                                  RAM_BASE, 1 << 20)))])]))
    dtb = tmp_path / "user.dtb"
    dtb.write_bytes(user)
    kernel = tmp_path / "Image"
    kernel.write_bytes(bytes(4096))
    board, emu, _ = board_for(kernel=str(kernel), dtb=str(dtb), append="quiet")
    board.load()
    blob = emu.mem_read(emu.reg_read("r2"), 0x4000)
    assert fdt.get_prop(blob, "/", "model") == b"user board\0"
    assert fdt.get_prop(blob, "/chosen", "bootargs") == b"quiet\0"
    # QEMU's arm_load_dtb sets /memory to the RAM the board has
    assert struct.unpack(">4I", fdt.get_prop(blob, "/memory@40000000", "reg")) == \
        (0, RAM_BASE, 0, 256 << 20)


@pytest.mark.parametrize("args, message", [
    (["-M", "nosuch"], "unknown machine 'nosuch'"),
    (["-M", "virt,frob=1"], "has no property 'frob'"),
    (["-M", "virt,secure=on"], "secure=on is not available"),
    (["-M", "virt,highmem=maybe"], "highmem=maybe: expected on or off"),
    (["-cpu", "cortex-a9"], "unknown CPU model"),
    (["-smp", "4"], "-smp 4"),
    (["-m", "4G"], "too large"),
    (["-m", "1e400"], "invalid RAM size"),
    (["-netdev", "user,id=n0"], "option -netdev"),
    (["-accel", "kvm"], "-accel kvm"),
    (["-display", "gtk"], "-display gtk"),
    (["--max-insns", "18446744073709551616"], "--max-insns"),
])
def test_bad_command_lines_are_one_clear_line(tmp_path, args, message):
    kernel = tmp_path / "Image"
    kernel.write_bytes(bytes(4096))
    out, status, err = armtcg(*args, "-kernel", kernel)
    text = err.decode()
    assert status == 1 and message in text and "Traceback" not in text, text
    assert len(text.strip().splitlines()) == 1, text


def test_qemu_probes_answer():
    for args, expect in ((["-machine", "help"], "virt"), (["-M", "?"], "virt"),
                         (["-cpu", "help"], "cortex-a15"),
                         (["-device", "help"], "virtio-blk-device"),
                         (["--version"], "QEMU emulator version 7.2")):
        out, status, err = armtcg(*args)
        assert status == 0 and expect in out.decode(), (args, out, err)


def _firmware_args(tmp_path):
    bios = tmp_path / "bios.bin"         # never run: dumpdtb exits first
    bios.write_bytes(bytes(4096))
    return ["-bios", str(bios)]


# the PCIe node depends on highmem and on firmware being loaded (QEMU 7.2
# machvirt_init: highmem_ecam &= !firmware_loaded || aarch64)
DTB_SETTINGS = {"default": ("virt", []), "highmem-off": ("virt,highmem=off", []),
                "firmware": ("virt", None)}


@pytest.mark.qemu
@pytest.mark.skipif(not have_qemu(), reason="qemu-system-arm missing")
@pytest.mark.parametrize("setting", sorted(DTB_SETTINGS))
def test_generated_dtb_matches_qemu_node_for_node(tmp_path, setting):
    """-M virt,dumpdtb: the same nodes and properties as QEMU 7.2's, in the
    same order (Linux probes devices in tree order), except the random seeds."""
    machine, extra = DTB_SETTINGS[setting]
    extra = _firmware_args(tmp_path) if extra is None else extra
    ours, theirs = tmp_path / "ours.dtb", tmp_path / "qemu.dtb"
    assert armtcg("-M", "%s,dumpdtb=%s" % (machine, ours), "-m", "256M", *extra)[1] == 0
    run_command(["qemu-system-arm", "-M", "%s,dumpdtb=%s" % (machine, theirs),
                 "-cpu", "cortex-a15", "-m", "256M", "-nographic", *extra], 60)
    a, b = flatten(ours.read_bytes()), flatten(theirs.read_bytes())
    seeds = ("rng-seed", "kaslr-seed")
    strip = lambda items: [(p, n, None if n in seeds else v) for p, n, v in items]
    assert strip(a) == strip(b)


def flatten(blob):
    """[(node path, property name, value)] in blob order."""
    import libfdt
    f = libfdt.Fdt(bytearray(blob))
    out, depth, node = [], 0, 0
    while node >= 0 and depth >= 0:
        path = f.get_path(node)
        out.append((path, None, None))
        prop = f.first_property_offset(node, [libfdt.NOTFOUND])
        while prop >= 0:
            p = f.get_property_by_offset(prop)
            out.append((path, p.name, bytes(p)))
            prop = f.next_property_offset(prop, [libfdt.NOTFOUND])
        node, depth = f.next_node(node, depth, [libfdt.NOTFOUND])
    return out


def test_gzip_helper_is_reproducible():
    assert gzip.decompress(boot.gzip_bytes(b"abc")) == b"abc"
    assert boot.gzip_bytes(b"abc") == boot.gzip_bytes(b"abc")
