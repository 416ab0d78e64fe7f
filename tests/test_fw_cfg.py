"""fw_cfg (MMIO): selector, data register, file directory, DMA.

Expected values cite QEMU's docs/specs/fw_cfg.rst (the interface's only
specification) and what QEMU 7.2's virt holds by default.
"""

import re
import shutil
import struct

import pytest

import guestlib
from runtime.devices import fw_cfg
from runtime.devices.fw_cfg import FwCfg


class Memory:
    def __init__(self, size=0x1000):
        self.buf = bytearray(size)

    def read(self, addr, n):
        if addr + n > len(self.buf):
            raise ValueError("not RAM")
        return bytes(self.buf[addr:addr + n])

    def write(self, addr, data):
        if addr + len(data) > len(self.buf):
            raise ValueError("not RAM")
        self.buf[addr:addr + len(data)] = data


@pytest.fixture
def dev():
    mem = Memory()
    return FwCfg(mem.read, mem.write), mem


def select(d, key):
    d.write(fw_cfg.SELECTOR, 2, int.from_bytes(key.to_bytes(2, "big"), "little"))  # big-endian


def read_bytes(d, n):
    return bytes(d.read(fw_cfg.DATA, 1) for _ in range(n))


def test_signature_and_id(dev):
    d, _ = dev
    select(d, fw_cfg.FW_CFG_SIGNATURE)
    assert d.read(fw_cfg.DATA, 4).to_bytes(4, "little") == b"QEMU"   # string order
    select(d, fw_cfg.FW_CFG_ID)
    # fw_cfg.rst: bit 0 traditional interface, bit 1 DMA; little-endian
    assert read_bytes(d, 4) == b"\x03\x00\x00\x00"
    select(d, fw_cfg.FW_CFG_NB_CPUS)
    assert d.read(fw_cfg.DATA, 2) == 1


def test_reads_past_the_end_are_zero_and_select_rewinds(dev):
    d, _ = dev
    select(d, fw_cfg.FW_CFG_SIGNATURE)
    assert d.read(fw_cfg.DATA, 4) == int.from_bytes(b"QEMU", "little")
    assert d.read(fw_cfg.DATA, 4) == 0
    select(d, fw_cfg.FW_CFG_SIGNATURE)
    assert d.read(fw_cfg.DATA, 2) == int.from_bytes(b"QE", "little")
    select(d, 0x3FFF)                         # no such item
    assert d.read(fw_cfg.DATA, 4) == 0


def test_data_writes_and_odd_selector_sizes_ignored(dev):
    d, _ = dev
    select(d, fw_cfg.FW_CFG_ID)
    d.write(fw_cfg.DATA, 4, 0x12345678)       # fw_cfg.rst: data writes have no effect
    d.write(fw_cfg.SELECTOR, 4, 0)            # the selector is a 16-bit register
    assert read_bytes(d, 1) == b"\x03"


def test_file_directory(dev):
    d, _ = dev
    d.add_file("etc/zzz", b"last")
    d.add_file("aaa", b"1")
    select(d, fw_cfg.FW_CFG_FILE_DIR)
    count = struct.unpack(">I", read_bytes(d, 4))[0]
    entries = [struct.unpack(">IHH56s", read_bytes(d, 64)) for _ in range(count)]
    names = [e[3].rstrip(b"\0").decode() for e in entries]
    # fw_cfg.rst FWCfgFile: be32 size, be16 select, be16 reserved, name[56]
    assert names == sorted(names) == ["aaa", "bios-geometry", "bootorder",
                                      "etc/boot-fail-wait", "etc/zzz"]
    assert [e[1] for e in entries] == list(range(0x20, 0x25))   # files from 0x0020 up
    assert entries[3][0] == 4
    select(d, entries[4][1])
    assert read_bytes(d, 4) == b"last"
    select(d, entries[3][1])
    assert read_bytes(d, 4) == b"\xff\xff\xff\xff"   # reboot-timeout -1 (QEMU default)
    with pytest.raises(ValueError):
        d.add_file("x" * 56, b"")


def test_kernel_items(dev):
    d, _ = dev
    d.add_kernel(b"K" * 10, b"I" * 3, "console=ttyAMA0")
    select(d, fw_cfg.FW_CFG_KERNEL_SIZE)
    assert d.read(fw_cfg.DATA, 4) == 10
    select(d, fw_cfg.FW_CFG_CMDLINE_SIZE)
    assert d.read(fw_cfg.DATA, 4) == 16       # with the NUL
    select(d, fw_cfg.FW_CFG_CMDLINE_DATA)
    assert read_bytes(d, 16) == b"console=ttyAMA0\0"
    select(d, fw_cfg.FW_CFG_INITRD_DATA)
    assert read_bytes(d, 3) == b"III"


def dma(d, mem, control, length, address, at=0x100):
    mem.write(at, struct.pack(">IIQ", control, length, address))
    d.write(fw_cfg.DMA_HI, 4, 0)
    d.write(fw_cfg.DMA_LO, 4, int.from_bytes(at.to_bytes(4, "big"), "little"))
    return struct.unpack(">I", mem.read(at, 4))[0]


def test_dma_register_signature(dev):
    d, _ = dev
    # fw_cfg.rst: reading the DMA address register gives "QEMU CFG"
    got = b"".join(d.read(off, 4).to_bytes(4, "little") for off in (fw_cfg.DMA_HI, fw_cfg.DMA_LO))
    assert got == b"QEMU CFG"


def test_dma_select_read_skip(dev):
    d, mem = dev
    mem.buf[0x200:0x210] = b"\xee" * 16
    st = dma(d, mem, (0 << 16) | fw_cfg.DMA_SELECT | fw_cfg.DMA_READ, 6, 0x200)
    assert st == 0                             # control cleared on success
    assert mem.buf[0x200:0x207] == b"QEMU\0\0\xee"   # past the end: zeros
    select(d, fw_cfg.FW_CFG_FILE_DIR)
    assert dma(d, mem, fw_cfg.DMA_SKIP, 4, 0) == 0
    assert dma(d, mem, fw_cfg.DMA_READ, 4, 0x300) == 0
    assert mem.buf[0x300:0x304] == b"\0\0\0\0"  # bios-geometry: size 0


def test_dma_errors(dev):
    d, mem = dev
    assert dma(d, mem, fw_cfg.DMA_SELECT | fw_cfg.DMA_WRITE, 4, 0x200) == fw_cfg.DMA_ERROR
    assert dma(d, mem, fw_cfg.DMA_SELECT | fw_cfg.DMA_READ, 4, 0x10000) == fw_cfg.DMA_ERROR
    d.write(fw_cfg.DMA_LO, 4, int.from_bytes((0x20000).to_bytes(4, "big"), "little"))  # no RAM
    FwCfg().write(fw_cfg.DMA_LO, 4, 0x100)    # no memory at all: nothing happens
    # a huge length fails on the first zero chunk past RAM, without a huge buffer
    assert dma(d, mem, fw_cfg.DMA_SELECT | fw_cfg.DMA_READ, 0xFFFFFFFF, 0x200) == fw_cfg.DMA_ERROR
    assert mem.buf[0x200:0x204] == b"QEMU"


# ---- guest ---------------------------------------------------------------------------

FWCFG_EXPECTED = (
    b"signature: QEMU\n"                  # fw_cfg.rst: "QEMU" at key 0
    b"id: 3\n"                            # traditional + DMA
    b"dma signature: 51454d55 20434647\n"  # "QEMU CFG"
    b"nb_cpus: 1\n"
    b"files: 3\n"
    b"  20 0 bios-geometry\n"
    b"  21 0 bootorder\n"
    b"  22 4 etc/boot-fail-wait\n"
    b"dma read: 0 QEMU 0 0 ee\n"          # zeros past the item, nothing more written
    b"dma skip+read: 0 0\n"
    b"dma missing: 0 0\n"
    b"dma write: 1\n")                    # no writable item: error bit
FILE_LINE = re.compile(rb"^  [0-9a-f]+ (\d+) (\S+)\n", re.M)

needs_gcc = pytest.mark.skipif(shutil.which(guestlib.CROSS + "gcc") is None,
                               reason="no arm-none-eabi-gcc")


@needs_gcc
def test_guest_fw_cfg():
    from runtime import chardev
    from tcg.emulator import virt_emulator
    out = chardev.BufferBackend()
    emu = virt_emulator(128 << 20, uart_out=out)
    emu.board.load(str(guestlib.build_sysguest("dev_fwcfg")))
    reason = emu.board.run(20_000_000)
    assert reason.kind == "shutdown", (reason, bytes(out.output))
    assert bytes(out.output) == FWCFG_EXPECTED


@pytest.mark.qemu
@needs_gcc
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm is not installed")
def test_guest_fw_cfg_on_qemu():
    out, status = guestlib.run_qemu(guestlib.build_sysguest("dev_fwcfg"))
    assert status == 0
    # the same but for the directory, where QEMU also has ACPI/SMBIOS/TPM files
    strip = lambda text: FILE_LINE.sub(b"", re.sub(rb"files: \d+\n", b"", text))
    assert strip(out) == strip(FWCFG_EXPECTED)
    assert set(FILE_LINE.findall(FWCFG_EXPECTED)) <= set(FILE_LINE.findall(out))
