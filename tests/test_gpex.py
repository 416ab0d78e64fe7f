"""The PCIe host of virt (runtime/devices/gpex.py, runtime/boards/virt.py).

ECAM layout: PCI Express Base Specification 3.0, 7.2.2 (bus 27:20, device
19:15, function 14:12, register 11:0).  Header: PCI Local Bus
Specification 3.0, 6.1 (a type-0 header, a function that does not exist
reads 0xFFFF as Vendor ID) and 6.2 (Command, BARs, Interrupt Line/Pin).
The host bridge's ids and writable bits are QEMU 7.2's gpex-root; the
pcie_ecam sysguest checks them under QEMU too.
"""

import struct

import pytest

from runtime.boards import virt_map
from runtime.devices.gpex import GpexEcam, UnassignedWindow, CONFIG_SIZE
from tests.guestlib import have_qemu, run_command

ECAM_SIZE = 16 << 20


def cfg(bus, dev, fn, reg):
    return (bus << 20) | (dev << 15) | (fn << 12) | reg


def header_words(ecam, bdf=(0, 0, 0)):
    return [ecam.read(cfg(*bdf, off), 4) for off in range(0, 0x40, 4)]


# -- configuration space ------------------------------------------------------------

def test_host_bridge_header():
    e = GpexEcam(ECAM_SIZE)
    w = header_words(e)
    assert w[0] == 0x0008 << 16 | 0x1B36         # Device ID : Vendor ID (Red Hat)
    assert w[1] == 0                             # Status : Command, all clear at reset
    assert w[2] >> 8 == 0x060000 and w[2] & 0xFF == 0   # class: host bridge; revision 0
    assert (w[3] >> 16) & 0x7F == 0              # Header Type 0 (6.2.1)
    assert not (w[3] >> 16) & 0x80               # single function
    assert w[4:10] == [0] * 6                    # no BARs
    assert w[11] == 0x1100 << 16 | 0x1AF4        # Subsystem ID : Subsystem Vendor ID
    assert w[12] == 0 and w[13] & 0xFF == 0      # no expansion ROM, no capabilities
    assert (w[15] >> 8) & 0xFF == 0              # Interrupt Pin 0: no INTx


def test_narrow_reads_are_little_endian_slices():
    e = GpexEcam(ECAM_SIZE)
    assert e.read(cfg(0, 0, 0, 0), 2) == 0x1B36
    assert e.read(cfg(0, 0, 0, 2), 2) == 0x0008
    assert e.read(cfg(0, 0, 0, 0x0B), 1) == 0x06     # base class
    assert e.read(cfg(0, 0, 0, 0x0A), 1) == 0x00     # sub-class


@pytest.mark.parametrize("bdf", [(0, 0, 1), (0, 1, 0), (0, 31, 7), (1, 0, 0), (15, 31, 7)])
def test_absent_functions_read_all_ones(bdf):
    # 6.1: Master-Abort on a configuration read of a function that is not
    # there: all-ones, so Vendor ID 0xFFFF
    e = GpexEcam(ECAM_SIZE)
    assert e.read(cfg(*bdf, 0), 4) == 0xFFFFFFFF
    assert e.read(cfg(*bdf, 0), 2) == 0xFFFF
    assert e.read(cfg(*bdf, 0x3C), 1) == 0xFF
    e.write(cfg(*bdf, 0x04), 4, 0x7)
    assert e.read(cfg(*bdf, 0x04), 4) == 0xFFFFFFFF


def test_extended_space_of_a_conventional_function_reads_all_ones():
    # a conventional PCI function has 256 bytes; 0x100-0xFFF is the PCIe
    # extended space (7.2.2), not there: all-ones, writes ignored
    e = GpexEcam(ECAM_SIZE)
    assert CONFIG_SIZE == 0x100
    e.write(cfg(0, 0, 0, 0x100), 4, 0x12345678)
    assert e.read(cfg(0, 0, 0, 0x100), 4) == 0xFFFFFFFF
    assert e.read(cfg(0, 0, 0, 0xFFC), 4) == 0xFFFFFFFF


def test_read_only_registers_ignore_writes():
    e = GpexEcam(ECAM_SIZE)
    before = header_words(e)
    for off in (0x00, 0x08, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x30, 0x34):
        e.write(cfg(0, 0, 0, off), 4, 0xFFFFFFFF)
    after = header_words(e)
    for i in (0, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13):
        assert after[i] == before[i], hex(i * 4)


def test_command_register_writable_bits():
    # 6.2.2 Command: I/O Space (0), Memory Space (1), Bus Master (2), SERR#
    # Enable (8), Interrupt Disable (10) -- QEMU's set; Status stays 0
    e = GpexEcam(ECAM_SIZE)
    e.write(cfg(0, 0, 0, 4), 4, 0xFFFFFFFF)
    assert e.read(cfg(0, 0, 0, 4), 4) == 0x0507
    e.write(cfg(0, 0, 0, 4), 2, 0)
    assert e.read(cfg(0, 0, 0, 4), 4) == 0


def test_cache_line_size_and_interrupt_line_are_scratch_bytes():
    # 6.2.4: Cache Line Size and Interrupt Line are read/write; Latency
    # Timer, Header Type, BIST, Interrupt Pin, Min_Gnt, Max_Lat read-only here
    e = GpexEcam(ECAM_SIZE)
    e.write(cfg(0, 0, 0, 0x0C), 4, 0xFFFFFFFF)
    e.write(cfg(0, 0, 0, 0x3C), 4, 0xFFFFFFFF)
    assert e.read(cfg(0, 0, 0, 0x0C), 4) == 0xFF
    assert e.read(cfg(0, 0, 0, 0x3C), 4) == 0xFF
    e.write(cfg(0, 0, 0, 0x3C), 1, 0x05)
    assert e.read(cfg(0, 0, 0, 0x3C), 4) == 0x05


def test_device_specific_bytes_hold_values_and_reset():
    # 0x40-0xFF: device specific (6.1); QEMU's gpex-root keeps what is written
    e = GpexEcam(ECAM_SIZE)
    assert e.read(cfg(0, 0, 0, 0x40), 4) == 0
    e.write(cfg(0, 0, 0, 0xFC), 4, 0xCAFEF00D)
    assert e.read(cfg(0, 0, 0, 0xFC), 4) == 0xCAFEF00D
    e.reset()
    assert e.read(cfg(0, 0, 0, 0xFC), 4) == 0


def test_decode_follows_the_ecam_layout():
    # bus 0xFA, device 0x1E, function 5, register 0x123: 0xFA << 20 | 0x1E << 15
    # | 5 << 12 | 0x123
    assert GpexEcam.decode(0x0FAF_5123) == (0xFA, 0x1E, 5, 0x123)
    assert cfg(0xFA, 0x1E, 5, 0x123) == 0x0FAF_5123


def test_windows_read_all_ones_and_drop_writes():
    w = UnassignedWindow(0x10000)
    w.write(0, 4, 0x1234)
    assert (w.read(0, 4), w.read(2, 2), w.read(3, 1)) == (0xFFFFFFFF, 0xFFFF, 0xFF)


# -- the board and its device tree ------------------------------------------------------

def _board(**props):
    import io
    from runtime.boards.base import MachineConfig
    from runtime.boards.virt import VirtBoard
    from tcg.emulator import Emulator
    emu = Emulator()
    cfg = MachineConfig(ram_size=128 << 20, serial=io.BytesIO())
    cfg.properties.update(props)
    return VirtBoard(emu, cfg), emu


def _pcie_props(board):
    import libfdt
    from runtime import fdt
    tree = libfdt.Fdt(bytearray(fdt.build(__import__("runtime.boards.virt", fromlist=["x"])
                                          .virt_fdt(board))))
    node = tree.path_offset("/pcie@10000000")
    out = {}
    prop = tree.first_property_offset(node)
    while prop >= 0:
        p = tree.get_property_by_offset(prop)
        out[p.name] = bytes(p)
        prop = tree.next_property_offset(prop, [libfdt.NOTFOUND])
    return out


def _cells(data):
    return list(struct.unpack(">%dI" % (len(data) // 4), data))


@pytest.mark.parametrize("highmem", [True, False])
def test_pcie_node_describes_the_windows(highmem):
    # QEMU 7.2 virt: I/O 0x3eff0000 (64 KiB) at PCI 0, 32-bit memory
    # 0x10000000-0x3efeffff 1:1, with highmem a 64-bit window 0x80_0000_0000
    # (512 GiB) 1:1 and ECAM at 0x40_1000_0000 (256 buses), else ECAM at
    # 0x3f000000 (16 buses).  ranges: 3 PCI cells (space code 01 I/O, 02
    # mem32, 03 mem64: IEEE 1275 PCI binding), 2 CPU cells, 2 size cells.
    board, _ = _board(highmem=highmem)
    props = _pcie_props(board)
    ranges = _cells(props["ranges"])
    want = [0x01000000, 0, 0, 0, 0x3EFF0000, 0, 0x10000,
            0x02000000, 0, 0x10000000, 0, 0x10000000, 0, 0x2EFF0000]
    if highmem:
        want += [0x03000000, 0x80, 0, 0x80, 0, 0x80, 0]
    assert ranges == want
    reg = _cells(props["reg"])
    assert reg == ([0x40, 0x10000000, 0, 0x10000000] if highmem else
                   [0, 0x3F000000, 0, 0x01000000])
    assert _cells(props["bus-range"]) == [0, 0xFF if highmem else 0x0F]
    assert props["compatible"] == b"pci-host-ecam-generic\0"
    assert props["device_type"] == b"pci\0"


def test_pcie_interrupt_map_swizzles_intx_onto_spis_3_to_6():
    # INTA..INTD of slot s go to SPI 3 + (s + pin - 1) mod 4 (the PCI-to-PCI
    # bridge swizzle QEMU's virt uses); unit address masked to the slot
    board, _ = _board()
    props = _pcie_props(board)
    assert _cells(props["interrupt-map-mask"]) == [0x1800, 0, 0, 7]
    imap = _cells(props["interrupt-map"])
    entries = [imap[i:i + 10] for i in range(0, len(imap), 10)]
    assert len(entries) == 16
    for devfn, _, _, pin, parent, _, _, kind, spi, flags in entries:
        slot = devfn >> 11
        assert parent == 0x8002 and kind == 0 and flags == 4      # GIC SPI, level high
        assert spi == 3 + (slot + pin - 1) % 4


def test_ecam_mapped_below_4g_only_when_there():
    # (the pcie_ecam guest below reads it through the bus)
    board, emu = _board(highmem=False)
    assert board.ecam is not None
    assert board.ecam.SIZE == virt_map.BY_NAME["pcie_ecam"].size == 16 << 20
    board, emu = _board()      # highmem=on: ECAM above 4 GiB, not on this bus
    assert board.ecam is None


# -- the pcie_ecam sysguest, under armtcg and QEMU (highmem=off, -nodefaults) -----------

PCIE_ECAM_EXPECTED = [
    "hb 00 00081b36", "hb 04 00000000", "hb 08 06000000", "hb 0c 00000000",
    *["hb %02x 00000000" % off for off in range(0x10, 0x2c, 4)],
    "hb 2c 11001af4", "hb 30 00000000", "hb 34 00000000", "hb 38 00000000",
    "hb 3c 00000000",
    "hb vendor16 1b36 abort 0",
    "hb class8 6 abort 0",
    "hb 0x40 0 abort 0",
    "hb 0x100 ffffffff abort 0",                 # 256-byte conventional space
    "00:00.1 ffffffff abort 0",                  # 6.1: absent functions
    "00:01.0 ffffffff abort 0",
    "00:1f.7 ffffffff abort 0",
    "01:00.0 ffffffff abort 0",
    "0f:00.0 ffffffff abort 0",
    "ids after write 00081b36, command/status after ~0 00000507",
    "bars after ~0 00000000 00000000 00000000 00000000 00000000 00000000 rom 00000000",
    "0c after ~0 000000ff, 3c after ~0 000000ff",
    "0c byte 00000010, 3c byte 00000005",
    "0x40 after write 12345678, 0x100 ffffffff, 00:01.0 ffffffff",
    "mmio window ffffffff abort 0",              # Master-Abort: all-ones, no abort
    "mmio window end ffffffff abort 0",
    "pio window ffffffff abort 0",
    "pio window byte ff abort 0",
    "mmio after write ffffffff abort 0",
]


def _pcie_elf():
    from tests.asm import have_toolchain
    from tests.guestlib import build_sysguest
    if not have_toolchain():
        pytest.skip("arm-none-eabi toolchain missing")
    return build_sysguest("pcie_ecam")


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_pcie_ecam_guest_armtcg(engine):
    import sys
    from tests.guestlib import GUEST_DIR, armtcg_engines
    if engine not in armtcg_engines():
        pytest.skip(engine + " not available")
    out, status, err = run_command(
        [sys.executable, "-m", "tcg.cli", "run", "-M", "virt,highmem=off", "-m", "128M",
         "-nographic", "--engine", engine, "-kernel", str(_pcie_elf())], 300,
        cwd=GUEST_DIR.parent.parent)
    assert out.decode().splitlines() == PCIE_ECAM_EXPECTED, err.decode()
    assert status == 0


@pytest.mark.qemu
def test_pcie_ecam_guest_qemu():
    if not have_qemu():
        pytest.skip("qemu-system-arm missing")
    out, status, _ = run_command(
        ["qemu-system-arm", "-M", "virt,highmem=off", "-cpu", "cortex-a15", "-m", "128M",
         "-nographic", "-nodefaults", "-serial", "stdio", "-kernel", str(_pcie_elf())], 60)
    assert out.decode().splitlines() == PCIE_ECAM_EXPECTED
    assert status == 0
