"""Debian's Linux kernel on `-M virt`, to a user-space /init and power-off.

The kernel is the newest non-LPAE linux-image-*-armmp of Debian's archive
(fetched by tests/linuxlib.py; the tests skip, saying why, where the
archive cannot be reached).  /init is tests/linux/init.S: A32, raw
syscalls (write, uname, reboot), so it needs nothing of the userland.

The kernel log up to "Run /init" must match QEMU 7.2's line for line, with
the timestamps removed and the lines of IGNORED set aside, each for the
reason given there.
"""

import re

import libfdt

import pytest

from tests import linuxlib
from tests.guestlib import have_qemu, run_command

pytestmark = pytest.mark.slow

BOOT_TIMEOUT = 1800     # engine jit's boot (below) is the long one
APPEND = "console=ttyAMA0"
DISK_TEXT = b"ARMTCG-DISK-SECTOR0: the first 64 bytes of a known image...\n"

# (pattern, why the line may differ between armtcg and QEMU)
IGNORED = [
    (r"^rtc-pl031 .*: setting system clock to ", "the host's wall-clock time"),
    (r"^audit: type=2000 audit\(", "carries a boot timestamp"),
    (r"^VFP support v0\.3: ", "VFP/NEON belong to the Thumb-2/VFP/NEON issue"),
    (r"^psci: SMC Calling Convention v1\.", "armtcg's firmware answers SMCCC_VERSION (v1.1), "
                                           "QEMU 7.2's does not (Linux then assumes v1.0)"),
    (r"^random: crng init done", "printed when the entropy pool fills, which depends on "
                                 "interrupt timing"),
    (r"^Trying to unpack rootfs image as initramfs|^Freeing initrd memory",
     "printed by the asynchronous initramfs worker: their place among the initcalls' "
     "lines depends on scheduling"),
]
_IGNORED = re.compile("|".join(p for p, _ in IGNORED))
_STAMP = re.compile(r"^\[\s*\d+\.\d+\] ")


def kernel_log(output):
    """The kernel's lines up to 'Run /init', without timestamps or ignored lines."""
    lines = []
    for raw in output.decode(errors="replace").replace("\r", "").splitlines():
        if not _STAMP.match(raw):
            continue
        line = _STAMP.sub("", raw)
        if not _IGNORED.search(line):
            lines.append(line)
        if line.startswith("Run /init"):
            break
    return lines


def armtcg_boot(engine, *args):
    import sys
    cmd = [sys.executable, "-m", "tcg.cli", "-M", "virt", "-cpu", "cortex-a15", "-m", "256M",
           "-nographic", "-no-reboot", "--engine", engine, *map(str, args)]
    return run_command(cmd, BOOT_TIMEOUT, cwd=linuxlib.HERE.parent)


def qemu_boot(*args, machine="virt"):
    return run_command(["qemu-system-arm", "-M", machine, "-cpu", "cortex-a15", "-m", "256M",
                        "-nographic", "-no-reboot", *map(str, args)], BOOT_TIMEOUT)


@pytest.fixture(scope="module")
def qemu_log(kernel, initrd):
    if not have_qemu():
        pytest.skip("qemu-system-arm missing")
    out, status, err = qemu_boot("-kernel", kernel[0], "-initrd", initrd, "-append", APPEND)
    assert status == 0, err
    return kernel_log(out)


# --engine jit compiles every block with LLVM before its first run: the
# boot's ~54k distinct blocks, in regions (tcg.emulator._translate_ahead),
# took 540 s to "Run /init" here (383 s CPU, two other builds running)
# against auto's ~15 s -- slow, but within CI's budget, so it runs there.
@pytest.mark.parametrize("engine", ["auto", "interp", "jit"])
def test_linux_boots_to_init_and_powers_off(kernel, initrd, engine):
    out, status, err = armtcg_boot(engine, "-kernel", kernel[0], "-initrd", initrd,
                                   "-append", APPEND)
    text = out.decode(errors="replace")
    assert status == 0, text[-3000:] + err.decode(errors="replace")[-2000:]
    assert "armtcg-init: hello from user space" in text
    assert "Linux\n%s\narmv7l\n" % kernel[3] in text.replace("\r", "")
    assert "armtcg-init: checks passed, powering off" in text
    assert "reboot: Power down" in text


@pytest.mark.qemu
def test_kernel_log_matches_qemu_line_for_line(kernel, initrd, qemu_log):
    out, status, err = armtcg_boot("auto", "-kernel", kernel[0], "-initrd", initrd,
                                   "-append", APPEND)
    assert status == 0, err
    ours = kernel_log(out)
    assert ours[-1].startswith("Run /init")
    assert ours == qemu_log


@pytest.mark.qemu
def test_kernel_log_with_pcie_enumerated_matches_qemu(kernel, initrd):
    """highmem=off puts ECAM below 4 GiB, where this non-LPAE kernel reaches
    it: it enumerates bus 0 and finds the host bridge 00:00.0 alone (QEMU
    with -nodefaults: no NIC behind it).  The logs match line for line."""
    import sys
    args = ["-kernel", kernel[0], "-initrd", initrd, "-append", APPEND]
    out, status, err = run_command(
        [sys.executable, "-m", "tcg.cli", "-M", "virt,highmem=off", "-cpu", "cortex-a15",
         "-m", "256M", "-nographic", "-no-reboot", *map(str, args)],
        BOOT_TIMEOUT, cwd=linuxlib.HERE.parent)
    assert status == 0, err
    ours = kernel_log(out)
    assert "pci 0000:00:00.0: [1b36:0008] type 00 class 0x060000" in ours
    out, status, err = qemu_boot(*args, "-nodefaults", "-serial", "stdio",
                                 machine="virt,highmem=off")
    assert status == 0, err
    assert ours == kernel_log(out)


@pytest.mark.qemu
def test_same_dtb_same_memory(kernel, initrd, tmp_path):
    """QEMU's own device tree (dumped, then given to both with -dtb): the
    kernel's memory totals are the same on both machines."""
    dumped, dtb = tmp_path / "dumped.dtb", tmp_path / "qemu.dtb"
    run_command(["qemu-system-arm", "-M", "virt,dumpdtb=%s" % dumped, "-cpu", "cortex-a15",
                 "-m", "256M", "-nographic"], 60)
    # packed: QEMU dumps its 1 MiB working copy, and a -dtb that large grows
    # to 2 MiB in memory ((size + 10000) * 2), more than Linux maps for it
    tree = libfdt.Fdt(bytearray(dumped.read_bytes()))
    tree.pack()
    dtb.write_bytes(bytes(tree.as_bytearray()))
    args = ["-kernel", kernel[0], "-initrd", initrd, "-append", APPEND, "-dtb", dtb]
    lines = []
    for out, status, err in (armtcg_boot("auto", *args), qemu_boot(*args)):
        assert status == 0, err
        memory = [line for line in out.decode(errors="replace").splitlines() if "Memory:" in line]
        lines.append(_STAMP.sub("", memory[0]))
    assert lines[0] == lines[1]


@pytest.mark.qemu
def test_virtio_modules_read_a_disk(kernel, tmp_path):
    """virtio_mmio.ko and virtio_blk.ko from the package, loaded by /init;
    /dev/vda reads back the image's first bytes."""
    vmlinuz, _, modules, _ = kernel
    drivers = modules / "kernel" / "drivers"
    initrd = tmp_path / "initrd.gz"
    initrd.write_bytes(linuxlib.make_initramfs({
        "init": linuxlib.build_init("init_virtio").read_bytes(),
        "dev": None, "dev/console": ("chr", 5, 1),
        "virtio_mmio.ko": (drivers / "virtio" / "virtio_mmio.ko").read_bytes(),
        "virtio_blk.ko": (drivers / "block" / "virtio_blk.ko").read_bytes()}))
    disk = tmp_path / "disk.img"
    disk.write_bytes(DISK_TEXT[:64].ljust(64, b".") + bytes((1 << 20) - 64))   # 2048 sectors
    out, status, err = armtcg_boot("auto", "-kernel", vmlinuz, "-initrd", initrd,
                                   "-append", APPEND,
                                   "-drive", "file=%s,format=raw,if=none,id=d0" % disk,
                                   "-device", "virtio-blk-device,drive=d0")
    text = out.replace(b"\r", b"")
    assert status == 0, text[-3000:]
    assert b"armtcg-init: vda begins <" + DISK_TEXT[:64].ljust(64, b".") + b">" in text
    assert b"[vda] 2048 512-byte logical blocks" in text
