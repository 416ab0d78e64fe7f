"""The GICv2 of the virt board (runtime/devices/gicv2.py).

Unit tests drive the MMIO registers directly; system tests run the
bare-metal guests of tests/sysguest/gic_*.c on the CPU.  Expected values
come from the GIC Architecture Specification v2.0 (ARM IHI 0048B, "spec"
below), cited next to each assertion; identification values that the
spec leaves IMPLEMENTATION DEFINED are QEMU 7.2's (hw/intc/arm_gic.c),
and gic_irq also runs on qemu-system-arm 7.2 with byte-identical output.

Where the brief and the spec differ: with ONE CPU interface the spec
(GICD_ITARGETSRn, "Usage constraints") makes every GICD_ITARGETSR RAZ/WI
("in a uniprocessor implementation, all interrupts target the one
processor"); QEMU 7.2 does the same, so it is not wrong there.  The
"reads return the number of the processor performing the read" rule for
ITARGETSR0-7 applies to multiprocessor GICs; test_itargetsr_banked_smp
checks it with num_cpu=2.
"""

import io
import shutil

import pytest

import guestlib
from runtime.boards import virt_map
from runtime.devices.gicv2 import GICv2


class Lines:
    """Records the levels of the GIC's output lines."""

    def __init__(self, gic, cpu=0):
        self.irq = self.fiq = self.maint = self.virq = self.vfiq = 0
        gic.irq[cpu].connect(lambda v: setattr(self, "irq", v))
        gic.fiq[cpu].connect(lambda v: setattr(self, "fiq", v))
        gic.maintenance[cpu].connect(lambda v: setattr(self, "maint", v))
        gic.virq[cpu].connect(lambda v: setattr(self, "virq", v))
        gic.vfiq[cpu].connect(lambda v: setattr(self, "vfiq", v))


def make(num_cpu=1):
    gic = GICv2(num_cpu=num_cpu)
    return gic, Lines(gic)


def rd(dev, off, size=4):
    return dev.read(off, size)


def wr(dev, off, value, size=4):
    dev.write(off, size, value)


def enable_all(gic, pmr=0xF0, cpu_ctlr=1, dist_ctlr=3):
    wr(gic.dist, 0x000, dist_ctlr)
    wr(gic.cpu_if, 0x04, pmr)
    wr(gic.cpu_if, 0x00, cpu_ctlr)


# ---- Distributor --------------------------------------------------------------

def test_typer_iidr_and_id_registers():
    gic, _ = make()
    # GICD_TYPER (spec 4.3.2): ITLinesNumber = 288/32 - 1 = 8, CPUNumber = 0,
    # SecurityExtn = 0 (virt, secure=off)
    assert rd(gic.dist, 0x004) == 0x8
    assert rd(gic.dist, 0x008) == 0x0000043B   # GICD_IIDR: QEMU 7.2 (JEP106 ARM only)
    # PIDR4..7, PIDR0..3, CIDR0..3 at 0xFD0..0xFFC: the GIC-400 values QEMU reports;
    # PIDR2[7:4] = ArchRev 2 (spec 4.3, identification registers)
    ids = [rd(gic.dist, off) for off in range(0xFD0, 0x1000, 4)]
    assert ids == [0x04, 0, 0, 0, 0x90, 0xB4, 0x2B, 0, 0x0D, 0xF0, 0x05, 0xB1]
    assert ids[6] >> 4 == 2
    assert rd(gic.cpu_if, 0xFC) == 0x0002043B  # GICC_IIDR: QEMU 7.2 (GIC-400: 0x0202143B)
    assert rd(gic.cpu_if, 0xFC) >> 16 & 0xF == 2   # spec 4.4.14: ArchitectureVersion 2


def test_ctlr_reset_and_enable_bits():
    gic, _ = make()
    assert rd(gic.dist, 0) == 0                # spec 4.3.1: reset 0
    wr(gic.dist, 0, 0xFFFFFFFF)
    assert rd(gic.dist, 0) == 3                # EnableGrp0, EnableGrp1 only


def test_sgi_enables_and_config_fixed():
    gic, _ = make()
    # SGIs always enabled: GICD_ISENABLER0[15:0] RAO/WI (IMPLEMENTATION DEFINED,
    # spec 4.3.5; GIC-400 and QEMU do this)
    assert rd(gic.dist, 0x100) == 0xFFFF
    wr(gic.dist, 0x180, 0xFFFFFFFF)
    assert rd(gic.dist, 0x100) == 0x0000FFFF
    # GICD_ICFGR0: SGIs edge-triggered, read-only (spec 4.3.13)
    assert rd(gic.dist, 0xC00) == 0xAAAAAAAA
    wr(gic.dist, 0xC00, 0)
    assert rd(gic.dist, 0xC00) == 0xAAAAAAAA


def test_enable_set_clear_and_group_rw():
    gic, _ = make()
    wr(gic.dist, 0x104, 0x0000F00F)            # ISENABLER1: INTIDs 32..63 (spec 4.3.5)
    wr(gic.dist, 0x184, 0x00000003)            # ICENABLER1 clears (spec 4.3.6)
    assert rd(gic.dist, 0x104) == 0x0000F00C
    assert rd(gic.dist, 0x184) == 0x0000F00C   # both read the enable state
    wr(gic.dist, 0x080, 0x12345678)            # IGROUPR0 RW without Security Ext (spec 4.3.4)
    assert rd(gic.dist, 0x080) == 0x12345678
    # beyond ITLinesNumber: RAZ/WI
    wr(gic.dist, 0x100 + 4 * 9, 0xFFFFFFFF)
    assert rd(gic.dist, 0x100 + 4 * 9) == 0


def test_priority_byte_access():
    gic, _ = make()
    # GICD_IPRIORITYR is byte accessible (spec 4.3.11)
    wr(gic.dist, 0x400 + 40, 0x12, size=1)
    wr(gic.dist, 0x400 + 41, 0x34, size=1)
    wr(gic.dist, 0x400 + 43, 0x78, size=1)
    assert rd(gic.dist, 0x400 + 40) == 0x78003412
    assert rd(gic.dist, 0x400 + 41, size=1) == 0x34
    wr(gic.dist, 0x400 + 44, 0xA0B0C0D0)
    assert rd(gic.dist, 0x400 + 46, size=2) == 0xA0B0


def test_itargetsr_uniprocessor_raz_wi():
    gic, _ = make()
    # spec 4.3.12 usage constraints: uniprocessor -> RAZ/WI (QEMU 7.2 agrees)
    wr(gic.dist, 0x800 + 32, 0x01010101)
    assert rd(gic.dist, 0x800) == 0
    assert rd(gic.dist, 0x800 + 32) == 0
    assert rd(gic.dist, 0x800 + 33, size=1) == 0


def test_itargetsr_banked_smp():
    gic = GICv2(num_cpu=2)
    # spec 4.3.12: ITARGETSR0-7 read-only, each field the reading CPU's bit
    gic.current_cpu = lambda: 1
    assert rd(gic.dist, 0x800) == 0x02020202
    assert rd(gic.dist, 0x81C) == 0x02020202
    wr(gic.dist, 0x800, 0)
    assert rd(gic.dist, 0x800) == 0x02020202
    gic.current_cpu = lambda: 0
    assert rd(gic.dist, 0x800) == 0x01010101
    # SPI fields RW, bits of unimplemented CPU interfaces RAZ/WI
    wr(gic.dist, 0x800 + 32, 0xFF030201, size=4)
    assert rd(gic.dist, 0x800 + 32) == 0x03030201


def test_spi_routed_by_itargetsr_smp():
    gic = GICv2(num_cpu=2)
    l0, l1 = Lines(gic, 0), Lines(gic, 1)
    wr(gic.dist, 0, 1)
    for cpu in (0, 1):
        gic.current_cpu = lambda cpu=cpu: cpu
        enable_all(gic, dist_ctlr=1)
    gic.current_cpu = lambda: 0
    wr(gic.dist, 0x104, 1)                      # enable INTID 32
    wr(gic.dist, 0x820, 0x02, size=1)           # target CPU 1
    gic.input(32)(1)
    assert (l0.irq, l1.irq) == (0, 1)
    wr(gic.dist, 0x820, 0x01, size=1)
    assert (l0.irq, l1.irq) == (1, 0)


def test_sgir_target_filters_smp():
    gic = GICv2(num_cpu=2)
    gic.current_cpu = lambda: 1
    # spec 4.3.15: filter 0 = list, 1 = all but self, 2 = self
    wr(gic.dist, 0xF00, (1 << 24) | 3)
    gic.current_cpu = lambda: 0
    assert rd(gic.dist, 0xF20) >> 24 == 0x02    # SPENDSGIR0 byte 3: SGI 3 from CPU 1
    gic.current_cpu = lambda: 1
    assert rd(gic.dist, 0xF20) == 0             # not to itself
    wr(gic.dist, 0xF00, (2 << 24) | 1)
    assert rd(gic.dist, 0xF20) >> 8 & 0xFF == 0x02
    wr(gic.dist, 0xF00, (0 << 24) | (0x3 << 16) | 2)
    assert rd(gic.dist, 0xF20) >> 16 & 0xFF == 0x02
    gic.current_cpu = lambda: 0
    assert rd(gic.dist, 0xF20) >> 16 & 0xFF == 0x02
    # reserved filter 3: ignored
    wr(gic.dist, 0xF00, (3 << 24) | 5)
    assert rd(gic.dist, 0xF24) == 0


def test_sgi_pending_registers():
    gic, _ = make()
    wr(gic.dist, 0xF00, (2 << 24) | 5)           # SGI 5 to self
    assert rd(gic.dist, 0x200) == 1 << 5         # ISPENDR0 shows it (spec 4.3.7)
    assert rd(gic.dist, 0xF24) == 0x00000100     # SPENDSGIR1 byte 1: source CPU 0 (4.3.17)
    wr(gic.dist, 0x280, 0xFFFF)                  # ICPENDR0 SGI bits WI in GICv2 (4.3.8)
    assert rd(gic.dist, 0x200) == 1 << 5
    wr(gic.dist, 0xF14, 0x00000100)              # CPENDSGIR1 clears it (spec 4.3.16)
    assert rd(gic.dist, 0x200) == 0
    wr(gic.dist, 0xF20, 0x01000000)              # SPENDSGIR0 byte 3: SGI 3 from CPU 0
    assert rd(gic.dist, 0x200) == 1 << 3
    wr(gic.dist, 0xF20, 0xFE000000)              # other CPUs' bits: no such CPU
    assert rd(gic.dist, 0xF20) == 0x01000000


def test_icfgr_spi_edge_level():
    gic, _ = make()
    wr(gic.dist, 0xC08, 0x00000002)              # INTID 32 edge (spec 4.3.13: bit 2F+1)
    assert rd(gic.dist, 0xC08) == 0x00000002
    wr(gic.dist, 0xC08, 0x00000001)              # Int_config[0] reserved in GICv2
    assert rd(gic.dist, 0xC08) == 0


# ---- pending state, level and edge inputs (spec 1.4, 3.2) --------------------------

def test_level_input_pending_while_asserted():
    gic, out = make()
    enable_all(gic)
    wr(gic.dist, 0x104, 1 << 8)                  # INTID 40, level-sensitive at reset
    wr(gic.dist, 0x400 + 40, 0x80, size=1)
    line = gic.input(40)
    line(1)
    assert out.irq == 1 and rd(gic.dist, 0x204) == 1 << 8
    wr(gic.dist, 0x284, 1 << 8)                  # ICPENDR while asserted: still pending
    assert rd(gic.dist, 0x204) == 1 << 8
    assert rd(gic.cpu_if, 0x0C) == 40            # IAR: active (and pending: still high)
    assert out.irq == 0                          # active: not forwarded again
    assert rd(gic.dist, 0x304) == 1 << 8
    wr(gic.cpu_if, 0x10, 40)                     # EOIR: inactive, pending again
    assert out.irq == 1
    line(0)
    assert out.irq == 0 and rd(gic.dist, 0x204) == 0


def test_edge_input_latches_rising_edge():
    gic, out = make()
    enable_all(gic)
    wr(gic.dist, 0xC08, 0x2 << 2 * 9)            # INTID 41 edge-triggered
    wr(gic.dist, 0x104, 1 << 9)
    line = gic.input(41)
    line(1)
    line(0)
    assert out.irq == 1                          # latched by the rising edge
    assert rd(gic.cpu_if, 0x0C) == 41
    line(1)                                      # an edge while active: active + pending
    assert rd(gic.dist, 0x204) == 1 << 9 and rd(gic.dist, 0x304) == 1 << 9
    wr(gic.cpu_if, 0x10, 41)
    assert rd(gic.cpu_if, 0x0C) == 41            # taken again
    wr(gic.cpu_if, 0x10, 41)
    assert out.irq == 0                          # held high: no new edge


def test_ppi_inputs_banked():
    gic, out = make()
    enable_all(gic)
    wr(gic.dist, 0x100, 1 << 30)                 # INTID 30 (PPI 14)
    gic.ppi_input(0, 14)(1)
    assert out.irq == 1
    assert rd(gic.cpu_if, 0x18) == 30            # HPPIR


def test_inputs_validate_numbers():
    gic, _ = make()
    with pytest.raises(ValueError):
        gic.input(31)
    with pytest.raises(ValueError):
        gic.input(288)
    with pytest.raises(ValueError):
        gic.ppi_input(1, 0)
    with pytest.raises(ValueError):
        gic.ppi_input(0, 16)


def test_active_set_clear():
    gic, _ = make()
    wr(gic.dist, 0x304, 0x5)                      # ISACTIVER1 (spec 4.3.9)
    assert rd(gic.dist, 0x384) == 0x5
    wr(gic.dist, 0x384, 0x1)                      # ICACTIVER1 (spec 4.3.10)
    assert rd(gic.dist, 0x304) == 0x4


# ---- CPU interface ----------------------------------------------------------------

def test_cpu_interface_reset_values():
    gic, _ = make()
    assert rd(gic.cpu_if, 0x00) == 0             # GICC_CTLR reset 0 (spec 4.4.1)
    assert rd(gic.cpu_if, 0x04) == 0             # GICC_PMR reset 0 (spec 4.4.2)
    assert rd(gic.cpu_if, 0x14) == 0xFF          # GICC_RPR idle (spec 4.4.6)
    assert rd(gic.cpu_if, 0x18) == 1023          # GICC_HPPIR: none (spec 4.4.7)
    assert rd(gic.cpu_if, 0x0C) == 1023          # GICC_IAR: spurious (spec 4.4.4)
    # 8 priority bits (QEMU): minimum BPR 0, ABPR = BPR + 1 (spec GICC_ABPR)
    assert rd(gic.cpu_if, 0x08) == 0 and rd(gic.cpu_if, 0x1C) == 1
    wr(gic.cpu_if, 0x1C, 0)
    assert rd(gic.cpu_if, 0x1C) == 1
    wr(gic.cpu_if, 0x04, 0x1FF)
    assert rd(gic.cpu_if, 0x04) == 0xFF
    wr(gic.cpu_if, 0x00, 0xFFFFFFFF)              # bits 0-4, 9 (no bypass, no Security Ext)
    assert rd(gic.cpu_if, 0x00) == 0x21F


def test_sgi_ack_source_and_eoi():
    gic, out = make()
    enable_all(gic)
    wr(gic.dist, 0xF00, (2 << 24) | 3)
    assert out.irq == 1
    assert rd(gic.cpu_if, 0x18) == 3              # HPPIR, source CPU 0 in bits 12:10
    assert rd(gic.cpu_if, 0x0C) == 3              # IAR (spec 4.4.4)
    assert out.irq == 0 and rd(gic.cpu_if, 0x14) == 0x00   # RPR: priority 0
    assert rd(gic.cpu_if, 0x0C) == 1023           # nothing else
    wr(gic.cpu_if, 0x10, 3)
    assert rd(gic.cpu_if, 0x14) == 0xFF and rd(gic.dist, 0x300) == 0


def test_sgi_source_cpu_in_iar_smp():
    gic = GICv2(num_cpu=2)
    for cpu in (0, 1):
        gic.current_cpu = lambda cpu=cpu: cpu
        enable_all(gic)
    gic.current_cpu = lambda: 1
    wr(gic.dist, 0xF00, (0 << 24) | (1 << 16) | 6)   # CPU 1 -> CPU 0, SGI 6
    gic.current_cpu = lambda: 0
    assert rd(gic.cpu_if, 0x0C) == (1 << 10) | 6     # spec 4.4.4: CPUID bits 12:10


def test_priority_mask_and_preemption():
    gic, out = make()
    enable_all(gic, pmr=0x80)
    wr(gic.dist, 0x104, 0x3)                      # INTIDs 32, 33
    wr(gic.dist, 0x420, 0x4080, size=2)           # 32: 0x80, 33: 0x40
    gic.input(32)(1)
    assert out.irq == 0                           # 0x80 not above PMR 0x80 (spec 4.4.2)
    wr(gic.cpu_if, 0x04, 0x90)
    assert out.irq == 1
    assert rd(gic.cpu_if, 0x0C) == 32
    assert rd(gic.cpu_if, 0x14) == 0x80
    gic.input(33)(1)
    assert out.irq == 1                           # 0x40 preempts 0x80 (spec 3.3)
    assert rd(gic.cpu_if, 0x0C) == 33
    # GICC_APRn (spec 4.4.12): one bit per preemption level, level = group
    # priority >> 1 at BPR 0: 0x40 -> level 32 (APR1 bit 0), 0x80 -> 64 (APR2 bit 0)
    assert [rd(gic.cpu_if, off) for off in (0xD0, 0xD4, 0xD8, 0xDC)] == [0, 1, 1, 0]
    assert rd(gic.cpu_if, 0x14) == 0x40
    wr(gic.cpu_if, 0x10, 33)
    assert rd(gic.cpu_if, 0x14) == 0x80           # back to the outer running priority
    wr(gic.cpu_if, 0x10, 32)
    assert rd(gic.cpu_if, 0x14) == 0xFF


def test_binary_point_limits_preemption():
    gic, out = make()
    enable_all(gic)
    wr(gic.cpu_if, 0x08, 5)                       # group priority = bits [7:6] (spec 3.3)
    wr(gic.dist, 0x104, 0x3)
    wr(gic.dist, 0x420, 0x90A0, size=2)           # 32: 0xA0, 33: 0x90
    gic.input(32)(1)
    assert rd(gic.cpu_if, 0x0C) == 32
    assert rd(gic.cpu_if, 0x14) == 0x80           # RPR = group priority of 0xA0
    gic.input(33)(1)
    assert out.irq == 0                           # 0x90: same group priority 0x80
    assert rd(gic.cpu_if, 0x0C) == 1023
    wr(gic.cpu_if, 0x08, 4)                       # group priority = bits [7:5]
    # the running priority was fixed at acknowledge time (0x80): 0x80 < 0x80 fails
    assert out.irq == 0
    wr(gic.cpu_if, 0x10, 32)
    assert out.irq == 1


def test_eoimode1_split_drop_and_deactivate():
    gic, out = make()
    enable_all(gic, cpu_ctlr=1 | (1 << 9))        # EOImode = 1 (spec 4.4.1)
    wr(gic.dist, 0xF00, (2 << 24) | 8)
    assert rd(gic.cpu_if, 0x0C) == 8
    wr(gic.cpu_if, 0x10, 8)                       # EOIR: priority drop only (spec 4.4.5)
    assert rd(gic.cpu_if, 0x14) == 0xFF and rd(gic.dist, 0x300) == 1 << 8
    wr(gic.dist, 0xF00, (2 << 24) | 8)
    assert out.irq == 0                           # active: not forwarded
    wr(gic.cpu_if, 0x1000, 8)                     # GICC_DIR deactivates (spec 4.4.15)
    assert rd(gic.dist, 0x300) == 0 and out.irq == 1
    # with EOImode = 0 a DIR write has no effect
    wr(gic.cpu_if, 0x00, 1)
    assert rd(gic.cpu_if, 0x0C) == 8
    wr(gic.cpu_if, 0x1000, 8)
    assert rd(gic.dist, 0x300) == 1 << 8


def test_group0_fiq_group1_irq_and_ackctl():
    gic, out = make()
    wr(gic.dist, 0x080, ~(1 << 9) & 0xFFFFFFFF)   # SGI 9 Group 0, the rest Group 1
    enable_all(gic, cpu_ctlr=1 | 2 | 8)           # EnableGrp0/1, FIQEn, AckCtl = 0
    wr(gic.dist, 0xF00, (2 << 24) | 9)
    assert (out.fiq, out.irq) == (1, 0)           # Group 0 as FIQ (spec 4.4.1 FIQEn)
    assert rd(gic.cpu_if, 0x0C) == 9
    wr(gic.cpu_if, 0x10, 9)
    wr(gic.dist, 0xF00, (2 << 24) | 10)
    assert (out.fiq, out.irq) == (0, 1)           # Group 1 always IRQ
    assert rd(gic.cpu_if, 0x18) == 1022           # spec 4.4.7: Group 1, AckCtl = 0
    assert rd(gic.cpu_if, 0x0C) == 1022           # spec 4.4.4: not acknowledged
    assert rd(gic.cpu_if, 0x28) == 10             # AHPPIR (spec 4.4.11)
    assert rd(gic.cpu_if, 0x20) == 10             # AIAR acknowledges Group 1 (4.4.9)
    assert rd(gic.cpu_if, 0xE0) == 1              # NSAPR0: Group 1 level 0
    wr(gic.cpu_if, 0x24, 10)                      # AEOIR (spec 4.4.10)
    assert rd(gic.cpu_if, 0xE0) == 0 and rd(gic.dist, 0x300) == 0
    # FIQEn = 0: Group 0 signalled as IRQ
    wr(gic.cpu_if, 0x00, 1 | 2)
    wr(gic.dist, 0xF00, (2 << 24) | 9)
    assert (out.fiq, out.irq) == (0, 1)
    # AIAR does not acknowledge Group 0
    assert rd(gic.cpu_if, 0x20) == 1023


def test_group_enables():
    gic, out = make()
    wr(gic.dist, 0x080, 1 << 4)                   # SGI 4 in Group 1
    enable_all(gic, cpu_ctlr=2 | 4, dist_ctlr=1)  # Distributor forwards Group 0 only
    wr(gic.dist, 0xF00, (2 << 24) | 4)
    assert out.irq == 0
    wr(gic.dist, 0, 2)
    assert out.irq == 1
    wr(gic.cpu_if, 0, 4)                          # CPU interface Group 1 off
    assert out.irq == 0


def test_eoi_of_spurious_ignored():
    gic, _ = make()
    enable_all(gic)
    wr(gic.dist, 0xF00, (2 << 24) | 1)
    assert rd(gic.cpu_if, 0x0C) == 1
    wr(gic.cpu_if, 0x10, 1023)                    # spec 4.4.5: spurious ID ignored
    assert rd(gic.cpu_if, 0x14) == 0


def test_update_only_when_changed():
    gic, out = make()
    seen = []
    gic.irq[0].connect(seen.append)
    enable_all(gic)
    wr(gic.dist, 0x104, 1)
    gic.input(32)(1)
    gic.input(32)(1)
    assert seen == [0, 1]                         # IRQLine.set only reports changes


# ---- virtualization extensions: GICH / GICV views of one state ---------------------

LR_PENDING, LR_ACTIVE, LR_GRP1, LR_HW, LR_EOI = 1 << 28, 1 << 29, 1 << 30, 1 << 31, 1 << 19


def lr(vid, prio5, *flags, pid=0):
    return vid | prio5 << 23 | pid << 10 | sum(flags)


def test_gich_reset_and_vtr():
    gic, out = make()
    assert rd(gic.hyp_if, 0x04) == 0x90000003     # VTR: PRIbits 5, PREbits 5, 4 LRs
    assert rd(gic.hyp_if, 0x00) == 0
    assert rd(gic.hyp_if, 0x30) == 0xF            # ELRSR0: all LRs empty
    assert rd(gic.hyp_if, 0x34) == 0 and rd(gic.hyp_if, 0x24) == 0
    assert rd(gic.vcpu_if, 0x08) == 2 and rd(gic.vcpu_if, 0x1C) == 3   # min BPR/ABPR, 5 bits
    assert rd(gic.vcpu_if, 0x0C) == 1023


def test_gicv_control_registers_are_vmcr_fields():
    gic, _ = make()
    wr(gic.vcpu_if, 0x00, 0x3FF)                  # GICV_CTLR -> VMCR[4:0], VEM at 9
    wr(gic.vcpu_if, 0x04, 0xFF)                   # GICV_PMR[7:3] -> VMCR.VMPriMask
    wr(gic.vcpu_if, 0x08, 0)                      # below the minimum: 2
    wr(gic.vcpu_if, 0x1C, 5)
    assert rd(gic.hyp_if, 0x08) == (0x1F << 27) | (2 << 21) | (5 << 18) | 0x21F
    wr(gic.hyp_if, 0x08, (0x10 << 27) | (3 << 21) | (4 << 18) | 1)
    assert rd(gic.vcpu_if, 0x00) == 1
    assert rd(gic.vcpu_if, 0x04) == 0x80
    assert rd(gic.vcpu_if, 0x08) == 3 and rd(gic.vcpu_if, 0x1C) == 4


def test_virtual_ack_eoi_on_list_registers():
    gic, out = make()
    wr(gic.vcpu_if, 0x00, 1)
    wr(gic.vcpu_if, 0x04, 0xF8)
    wr(gic.hyp_if, 0x00, 1)                       # GICH_HCR.En
    wr(gic.hyp_if, 0x100, lr(27, 0x10, LR_PENDING))
    wr(gic.hyp_if, 0x104, lr(50, 0x08, LR_PENDING, LR_EOI))
    assert out.virq == 1
    assert rd(gic.hyp_if, 0x30) == 0xC            # ELRSR: LR2, LR3 empty
    assert rd(gic.vcpu_if, 0x18) == 50            # GICV_HPPIR: priority 0x40 first
    assert rd(gic.vcpu_if, 0x0C) == 50
    assert rd(gic.hyp_if, 0x104) >> 28 & 3 == 2   # LR1 now active
    assert rd(gic.hyp_if, 0xF0) == 1 << 8         # GICH_APR: group priority 0x40 >> 3
    assert rd(gic.vcpu_if, 0xD0) == 1 << 8        # GICV_APR0 is the same state
    assert rd(gic.vcpu_if, 0x14) == 0x40          # GICV_RPR
    assert out.virq == 0                          # 0x80 cannot preempt 0x40
    wr(gic.vcpu_if, 0x10, 50)                     # GICV_EOIR
    assert rd(gic.hyp_if, 0xF0) == 0
    assert rd(gic.hyp_if, 0x104) >> 28 & 3 == 0
    assert rd(gic.hyp_if, 0x20) == 0x2            # EISR: LR1 asks for EOI maintenance
    assert rd(gic.hyp_if, 0x30) == 0xC            # ... so not empty yet
    assert rd(gic.hyp_if, 0x10) & 1 == 1          # MISR.EOI
    assert out.maint == 1
    wr(gic.hyp_if, 0x104, 0)
    assert out.maint == 0 and rd(gic.hyp_if, 0x30) == 0xE
    assert out.virq == 1                          # LR0 now deliverable


def test_virtual_maintenance_conditions():
    gic, out = make()
    wr(gic.vcpu_if, 0x00, 1)
    wr(gic.vcpu_if, 0x04, 0xF8)
    wr(gic.hyp_if, 0x100, lr(28, 0x10, LR_PENDING))
    wr(gic.hyp_if, 0x00, 1 | 2)                   # UIE: at most one valid LR (MISR.U)
    assert rd(gic.hyp_if, 0x10) == 2 and out.maint == 1
    wr(gic.hyp_if, 0x00, 2)                       # En = 0: no maintenance interrupt
    assert out.maint == 0 and rd(gic.hyp_if, 0x10) == 2
    wr(gic.hyp_if, 0x00, 1 | 8)                   # NPIE: no pending LR (MISR.NP)
    assert rd(gic.hyp_if, 0x10) == 0
    iar = rd(gic.vcpu_if, 0x0C)
    assert rd(gic.hyp_if, 0x10) == 8
    wr(gic.vcpu_if, 0x10, iar)
    wr(gic.hyp_if, 0x00, 1 | 4)                   # LRENPIE: EOICount != 0 (MISR.LRENP)
    wr(gic.vcpu_if, 0x10, 99)                     # no LR holds 99: EOICount + 1
    assert rd(gic.hyp_if, 0x00) >> 27 == 1 and rd(gic.hyp_if, 0x10) == 4
    wr(gic.hyp_if, 0x00, 1 | 0x10 | 0x80)         # VGrp0EIE, VGrp1DIE
    assert rd(gic.hyp_if, 0x10) == 0x10 | 0x80


def test_virtual_eoimode_groups_sgi_and_hw():
    gic, out = make()
    wr(gic.vcpu_if, 0x00, 1 | (1 << 9))           # VEM
    wr(gic.vcpu_if, 0x04, 0xF8)
    wr(gic.hyp_if, 0x00, 1)
    wr(gic.hyp_if, 0x100, lr(33, 0x10, LR_PENDING))
    iar = rd(gic.vcpu_if, 0x0C)
    wr(gic.vcpu_if, 0x10, iar)
    assert rd(gic.hyp_if, 0x100) >> 28 & 3 == 2 and rd(gic.vcpu_if, 0x14) == 0xFF
    wr(gic.vcpu_if, 0x1000, iar)                  # GICV_DIR
    assert rd(gic.hyp_if, 0x100) >> 28 & 3 == 0
    wr(gic.vcpu_if, 0x00, 1 | 2)                  # VMAckCtl = 0
    wr(gic.hyp_if, 0x100, lr(34, 0x10, LR_PENDING, LR_GRP1))
    assert rd(gic.vcpu_if, 0x0C) == 1022
    assert rd(gic.vcpu_if, 0x20) == 34            # GICV_AIAR
    wr(gic.vcpu_if, 0x24, 34)
    assert rd(gic.hyp_if, 0x100) >> 28 & 3 == 0
    wr(gic.hyp_if, 0x100, lr(3, 0x10, LR_PENDING, pid=2))
    assert rd(gic.vcpu_if, 0x0C) == (2 << 10) | 3  # virtual SGI: CPUID in 12:10
    wr(gic.vcpu_if, 0x10, 3)
    # HW = 1: deactivating the virtual interrupt deactivates the physical one
    wr(gic.dist, 0x304, 1 << 13)                  # INTID 45 active
    wr(gic.hyp_if, 0x100, lr(45, 0x10, LR_PENDING, LR_HW, pid=45))
    assert rd(gic.vcpu_if, 0x0C) == 45
    wr(gic.vcpu_if, 0x10, 45)
    assert rd(gic.dist, 0x304) == 0
    assert rd(gic.hyp_if, 0x30) == 0xF


def test_virtual_interface_disabled_by_hcr_en():
    gic, out = make()
    wr(gic.vcpu_if, 0x00, 1)
    wr(gic.vcpu_if, 0x04, 0xF8)
    wr(gic.hyp_if, 0x100, lr(40, 0x10, LR_PENDING))
    # GICH_HCR.En = 0: nothing signalled, GICV_IAR/HPPIR read 1023
    assert out.virq == 0
    assert rd(gic.vcpu_if, 0x18) == 1023 and rd(gic.vcpu_if, 0x0C) == 1023
    assert rd(gic.hyp_if, 0x100) >> 28 & 3 == 1    # still pending
    wr(gic.hyp_if, 0x00, 1)
    assert out.virq == 1 and rd(gic.vcpu_if, 0x0C) == 40


def test_virtual_group0_as_vfiq():
    gic, out = make()
    wr(gic.vcpu_if, 0x00, 1 | 8)                  # VMGrp0En, VMFIQEn
    wr(gic.vcpu_if, 0x04, 0xF8)
    wr(gic.hyp_if, 0x00, 1)
    wr(gic.hyp_if, 0x100, lr(40, 0x10, LR_PENDING))
    assert (out.vfiq, out.virq) == (1, 0)


def test_state_description_names_attributes():
    gic, _ = make()
    for name in GICv2.STATE:
        assert hasattr(gic, name), name
    assert "lrs" in GICv2.STATE and "vmcr" in GICv2.STATE
    for derived in ("misr", "eisr", "elrsr"):
        assert derived not in GICv2.STATE            # computed, never stored


def test_reset_clears_state():
    gic, out = make()
    enable_all(gic)
    wr(gic.dist, 0xF00, (2 << 24) | 1)
    wr(gic.hyp_if, 0x100, lr(1, 0, LR_PENDING))
    gic.reset()
    assert out.irq == 0 and rd(gic.dist, 0) == 0 and rd(gic.hyp_if, 0x100) == 0
    assert rd(gic.dist, 0x200) == 0


def test_state_round_trip_through_post_load():
    """What the snapshot work does: copy the STATE attributes into a fresh
    GIC, then post_load() rebuilds the derived routing and the outputs."""
    import copy
    gic = GICv2(num_cpu=2)
    gic.current_cpu = lambda: 0
    enable_all(gic)
    wr(gic.dist, 0x104, 1)
    wr(gic.dist, 0x820, 0x01, size=1)
    gic.input(32)(1)
    wr(gic.hyp_if, 0x00, 1)
    wr(gic.vcpu_if, 0x00, 1)
    wr(gic.vcpu_if, 0x04, 0xF8)
    wr(gic.hyp_if, 0x100, lr(40, 0x10, LR_PENDING))
    new = GICv2(num_cpu=2)
    out = Lines(new)
    for name in GICv2.STATE:
        setattr(new, name, copy.deepcopy(getattr(gic, name)))
    new.post_load()
    assert out.irq == 1 and out.virq == 1
    assert rd(new.cpu_if, 0x0C) == 32


def test_board_helpers():
    gic = GICv2()
    names = [name for name, _ in gic.mmio_views(virtualization=False)]
    assert names == ["gic_dist", "gic_cpu"]
    views = dict(gic.mmio_views(virtualization=True))
    assert views["gic_hyp"] is gic.hyp_if and views["gic_vcpu"] is gic.vcpu_if
    for name, dev in views.items():   # each view fits its virt_map region
        assert dev.SIZE <= virt_map.BY_NAME[name].size
    calls = []
    gic.connect_cpu(0, lambda line, level: calls.append((line, level)))
    enable_all(gic, cpu_ctlr=1 | 8)
    wr(gic.dist, 0xF00, (2 << 24) | 1)
    assert calls[-1] == (2, 1)                     # Group 0 + FIQEn -> FIQ line (2)
    wr(gic.hyp_if, 0x00, 1 | 2)                     # maintenance (UIE) -> PPI 9 pending
    assert rd(gic.dist, 0x200) & (1 << 25)


@pytest.mark.parametrize("num_cpu", [1, 3])
def test_random_accesses_never_raise(num_cpu):
    """Any offset, size and value the guest may use is answered (RAZ/WI
    where nothing is defined), never a host exception."""
    import random
    gic = GICv2(num_cpu=num_cpu)
    rng = random.Random(num_cpu)
    views = [gic.dist, gic.cpu_if, gic.hyp_if, gic.vcpu_if]
    for _ in range(20000):
        dev = rng.choice(views)
        cpu = rng.randrange(num_cpu)
        gic.current_cpu = lambda cpu=cpu: cpu
        off, size = rng.randrange(dev.SIZE), rng.choice((1, 2, 4))
        if rng.random() < 0.5:
            assert 0 <= dev.read(off, size) < 1 << (8 * size)
        else:
            dev.write(off, size, rng.getrandbits(32))
        if rng.random() < 0.02:
            gic.input(rng.randrange(32, gic.num_irq))(rng.getrandbits(1))


def test_bad_construction_rejected():
    with pytest.raises(ValueError):
        GICv2(num_cpu=9)
    with pytest.raises(ValueError):
        GICv2(num_irq=100)


# ---- guests on the CPU -------------------------------------------------------------

TRIGGER_BASE = 0x0B000000


class Trigger:
    """Test-only device: a word write at 4*k drives SPI k's input, at
    0x100 + 4*p PPI p of CPU 0 (see tests/sysguest/gic_spi.c)."""

    SIZE = 0x1000

    def __init__(self, gic):
        self.gic = gic

    def read(self, offset, size):
        return 0

    def write(self, offset, size, value):
        if offset >= 0x100:
            self.gic.ppi_input(0, (offset - 0x100) // 4)(value)
        else:
            self.gic.input(32 + offset // 4)(value)


def run_guest(name, engine=None, defines=()):
    """The guest on the virt board with virtualization=on (GICH/GICV mapped),
    plus the test's interrupt trigger device."""
    from tcg.emulator import virt_emulator
    buf = io.BytesIO()
    emu = virt_emulator(128 << 20, uart_out=buf, engine=engine,
                        board={"properties": {"virtualization": True}})
    emu.map_mmio(TRIGGER_BASE, Trigger.SIZE, device=Trigger(emu.board.gic))
    emu.board.load(guestlib.build_sysguest(name, defines))
    stop = emu.board.run(count=20_000_000)
    emu.close()
    return buf.getvalue().decode(), stop


# gic_irq's output; every line's rule:
GIC_IRQ_EXPECTED = [
    "typer=00000008 gicd_iidr=0000043b gicc_iidr=0002043b",   # 4.3.2; IIDRs: QEMU 7.2
    "pidr: 04 00 00 00 90 b4 2b 00 0d f0 05 b1",              # GIC-400 IDs (QEMU)
    "icfgr0=aaaaaaaa isenabler0=0000ffff",                    # 4.3.13 SGIs edge; SGIs on
    "itargetsr0=00000000 itargetsr7=00000000 itargetsr8=00000000 b33=00",  # 4.3.12 RAZ/WI
    "ctlr=0 pmr=0 bpr=0 abpr=1 rpr=ff hppir=3ff",             # 4.4.1/2/3/8 resets, 4.4.6
    "pmr<-ff: ff bpr<-0: 0",                                  # 8 priority bits (QEMU)
    "ipriorityr10=78003412",                                  # 4.3.11 byte access
    "icfgr2=00000002",                                        # 4.3.13 SPI edge
    "icfgr2<-1: 00000000",                                    # Int_config[0] reserved
    "gicd_ctlr<-~0: 3 gicc_ctlr<-~0: 21f",                    # 4.3.1, 4.4.1 (no bypass)
    "abpr<-0: 1",                                             # minimum ABPR = BPR min + 1
    "sgi3 self: iar=3 taken=1",                               # 4.3.15 filter 2; 4.4.4
    "sgi4 list: iar=4",                                       # filter 0, list = CPU 0
    "sgi5 others: iar=0 pending=0",                           # filter 1: no other CPU
    "sgi11 after isb: iar=b",                                 # taken by the ISB
    "masked: hppir=5 ispendr0=20 spendsgir1=00000100",        # 4.4.7, 4.3.7, 4.3.17
    "after cpsie: iar=5",                                     # taken right after CPSIE
    "wfi masked: woke hppir=c",                               # ARM ARM B1.8.13 WFI wake-up
    "events: +3 -3 +4 -4 +11 -11 +5 -5 +12 -12",
    # 3.3 preemption at BPR 5: 2 (0x40) preempts 1 (0xA0); 7 (0x90, same group
    # priority 0x80) and 6 (0xC0) wait for 1's EOI, then go in priority order
    "nesting: +1 +2 -2 -1 +7 -7 +6 -6",
    "rpr in 1=80 in 2=40 in 7=80 in 6=c0 now=ff",             # 4.4.6: group priorities
    # 4.4.12 GICC_APRn: a bit per active preemption level (group priority >> 1):
    # 0x40 -> level 32 (APR1 bit 0), 0x80 -> level 64 (APR2 bit 0)
    "apr0-3 in 2: 0 1 1 0",
    "eoimode1: iar=8 rpr=ff isactiver0=100",                  # 4.4.5 EOImode 1: drop only
    "while active: iar=0 ispendr0=100",                       # active: not forwarded
    "after dir: iar=8 isactiver0=0",                          # 4.4.15 GICC_DIR
    "events: +8 -8 +8 -8",
    "igroupr0=fffffdff",                                      # 4.3.4 RW
    "grp0 sgi9: fiq_iar=9 fiqs=1 irq_iar=0",                  # 4.4.1 FIQEn: Group 0 = FIQ
    "grp1 sgi10: irq_iar=a fiqs=1",                           # Group 1 = IRQ (AckCtl 1)
    "ackctl0: hppir=3fe iar=3fe",                             # 4.4.4/4.4.7: 1022
    "cpendsgir: ispendr0=0",                                  # 4.3.16
    "fiqen0 sgi9: irq_iar=9 fiqs=1",                          # FIQEn 0: Group 0 = IRQ
    "events: +10 -10 +9 -9",
    "done irqs=13 fiqs=1",                                    # 13 IRQs listed above
]

GIC_SPI_EXPECTED = [
    "level high: pending=1",              # 1.4: level-sensitive pending while asserted
    "icpendr while high: pending=1",      # 4.3.8: ICPENDR cannot clear an asserted level
    "level low: pending=0",
    "level: 40 40 40",                    # re-pends after EOI while asserted
    "after: pending=0 active=0",
    "level pulse: pending=0",             # a level input latches nothing
    "ispendr: 40",                        # 4.3.7: ISPENDR latches it, taken once
    "edge pulse: pending=1",              # rising edge latches the pending state
    "edge: 41",
    "edge held: 41",                      # held high: one edge, taken once
    "acked 41: active=1 pending=1 hppir=1023",   # active + pending, not forwarded
    "edge again: 41",
    "isenabler1=00000100",                # 4.3.6 ICENABLER
    "disabled:",                          # not enabled: not forwarded
    "dist off:",                          # 4.3.1 GICD_CTLR = 0
    "dist on: 41",                        # pending state kept while disabled
    "pmr 80:",                            # 4.4.2: 0x80 not above the mask 0x80
    "pmr 88: 41",
    "icfgr1=00000000",                    # PPIs level at reset (QEMU)
    "ppi: 30 30",                         # PPI 14 level, dropped in the second handler
    "done",
]

GIC_VIRT_EXPECTED = [
    "vtr=90000003",                                  # GICH_VTR: 5 PRI/PRE bits, 4 LRs
    "reset: hcr=00000000 vmcr=004c0000 misr=0 eisr=0 elrsr=f apr=0 "
    "lr=00000000 00000000 00000000 00000000 maint=0",
    "gicv: ctlr=0 pmr=0 bpr=2 abpr=3 rpr=ff iar=3ff",   # VMCR fields; min BPR 2, ABPR 3
    "vmcr=f84c0001",                                 # GICV writes land in GICH_VMCR
    "gicv: ctlr=1 pmr=80 bpr=3 abpr=4",              # GICH_VMCR writes seen via GICV
    "loaded: hcr=00000001 vmcr=f84c0001 misr=0 eisr=0 elrsr=c apr=0 "
    "lr=1800001b 14080032 00000000 00000000 maint=0",
    "hppir=50",                                      # LR1 priority 0x40 beats 0x80
    "iar=50 rpr=40 apr0=100",                        # GICV_APR0 = GICH_APR, bit 0x40>>3
    "acked 50: hcr=00000001 vmcr=f84c0001 misr=0 eisr=0 elrsr=c apr=100 "
    "lr=1800001b 24080032 00000000 00000000 maint=0",   # LR1 pending -> active
    "iar (27 below running)=1023",
    # EOIR: LR1 invalid with EOI = 1 -> EISR bit, not empty, MISR.EOI, maintenance
    "eoi 50: hcr=00000001 vmcr=f84c0001 misr=1 eisr=2 elrsr=c apr=0 "
    "lr=1800001b 04080032 00000000 00000000 maint=1",
    "lr1 freed: hcr=00000001 vmcr=f84c0001 misr=0 eisr=0 elrsr=e apr=0 "
    "lr=1800001b 00000000 00000000 00000000 maint=0",
    "iar=27",
    "eoi 27: hcr=00000001 vmcr=f84c0001 misr=0 eisr=0 elrsr=f apr=0 "
    "lr=0800001b 00000000 00000000 00000000 maint=0",
    "uie: hcr=00000003 vmcr=f84c0001 misr=2 eisr=0 elrsr=e apr=0 "
    "lr=1800001c 00000000 00000000 00000000 maint=1",          # MISR.U
    "npie pending: hcr=00000009 vmcr=f84c0001 misr=0 eisr=0 elrsr=e apr=0 "
    "lr=1800001c 00000000 00000000 00000000 maint=0",
    "npie active: hcr=00000009 vmcr=f84c0001 misr=8 eisr=0 elrsr=e apr=10000 "
    "lr=2800001c 00000000 00000000 00000000 maint=1",          # MISR.NP
    "eoicount: hcr=08000005 vmcr=f84c0001 misr=4 eisr=0 elrsr=f apr=0 "
    "lr=0800001c 00000000 00000000 00000000 maint=1",          # EOICount 1, MISR.LRENP
    "vgrp: hcr=00000091 vmcr=f84c0001 misr=90 eisr=0 elrsr=f apr=0 "
    "lr=0800001c 00000000 00000000 00000000 maint=1",          # VGrp0E, VGrp1D
    "vem eoir: rpr=ff lr0=28000021",                 # VEM: drop only, LR stays active
    "vem dir: lr0=08000021",                         # GICV_DIR deactivates
    "grp1: hppir=1022 iar=1022 ahppir=34 aiar=34",   # VMAckCtl 0; aliases see Group 1
    "grp1 aeoir: lr0=48000022",
    "vsgi: iar=803 lr0=08000803",                    # CPUID 2 in bits 12:10
    "hw: piar=45 active=1",
    "hw: viar=45 lr0=8800b42d active=0 elrsr=f",     # HW = 1: physical 45 deactivated
    "done",
]


def _check(name, expected, engine=None, defines=()):
    out, stop = run_guest(name, engine, defines)
    want = "\n".join(expected) + "\n"
    assert out == want, guestlib.output_diff(out.encode(), want.encode())
    assert stop.kind == "shutdown" and stop.exit_code == 0, stop


needs_gcc = pytest.mark.skipif(not shutil.which("arm-none-eabi-gcc"),
                               reason="arm-none-eabi-gcc not installed")


@needs_gcc
def test_guest_gic_irq():
    _check("gic_irq", GIC_IRQ_EXPECTED)


@needs_gcc
def test_guest_gic_spi():
    _check("gic_spi", GIC_SPI_EXPECTED)


@needs_gcc
def test_guest_gic_virt():
    _check("gic_virt", GIC_VIRT_EXPECTED)


@needs_gcc
def test_guest_gic_irq_aliased_registers():
    """GICC_AHPPIR/AIAR/AEOIR act on Group 1 (spec 4.4.9-4.4.11; in a GIC
    without Security Extensions they are the Group 1 view, as GICv3's
    legacy GICC_AIAR says for Security disabled).  QEMU 7.2 does not
    implement them (they read 0), so this variant is not run there."""
    i = GIC_IRQ_EXPECTED.index("cpendsgir: ispendr0=0") + 1
    expected = GIC_IRQ_EXPECTED[:i] + [
        "aliases: ahppir=a aiar=a nsapr2=1 after aeoir: nsapr2=0 isactiver0=0",   # 4.4.13
    ] + GIC_IRQ_EXPECTED[i:]
    _check("gic_irq", expected, defines=("ALIASES",))


@pytest.mark.slow
@needs_gcc
@pytest.mark.parametrize("engine", [e for e in ("jit", "auto") if e in guestlib.armtcg_engines()])
def test_guest_gic_irq_native_engines(engine):
    """Native code checks exit_request at block entry like the interpreter."""
    _check("gic_irq", GIC_IRQ_EXPECTED, engine)


@pytest.mark.qemu
@pytest.mark.slow
@needs_gcc
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm not installed")
def test_guest_gic_irq_on_qemu():
    out, status = guestlib.run_qemu(guestlib.build_sysguest("gic_irq"), timeout=60)
    want = "\n".join(GIC_IRQ_EXPECTED) + "\n"
    assert out.decode() == want, guestlib.output_diff(out, want.encode())
    assert status == 0


# ---- the C path: guest accesses and the timer's PPI never enter Python ----------

def test_views_are_served_in_c():
    """The board maps the four views as CMMIO devices (runtime/gic_fns.pxi):
    the memory slow path calls their C functions, not read()/write()."""
    from runtime import core
    gic = GICv2()
    for _, view in gic.mmio_views(virtualization=True):
        assert isinstance(view, core.CMMIO)


def _storm(nirq, tmp_path, icount_shift=4, busy=False):
    """bench/guests/irq_storm.S: nirq virtual-timer interrupts (INTID 27)
    through GICC_IAR / CNTV_TVAL / GICC_EOIR, then PSCI SYSTEM_OFF."""
    import subprocess
    from pathlib import Path
    from tcg.emulator import virt_emulator
    src = Path(__file__).resolve().parent.parent / "bench" / "guests" / "irq_storm.S"
    elf = tmp_path / "storm.elf"
    cmd = ["arm-none-eabi-gcc", "-nostdlib", "-Wl,-Ttext=0x40100000", "-DNIRQ=%d" % nirq,
           "-o", str(elf), str(src)]
    if busy:
        cmd.insert(1, "-DBUSY")
    subprocess.run(cmd, check=True)
    emu = virt_emulator(128 << 20, uart_out=io.BytesIO(), icount_shift=icount_shift)
    emu.board.load(str(elf))
    return emu


@needs_gcc
@pytest.mark.parametrize("busy", [False, True])
def test_timer_interrupts_through_the_gic_stay_in_c(tmp_path, monkeypatch, busy):
    """Each of the guest's interrupts is the virtual timer's level (ARM ARM
    B8.1.5) on PPI 11, acknowledged by GICC_IAR (spec 4.4.4), re-armed
    through CNTV_TVAL and completed by GICC_EOIR (spec 4.4.5): all of it
    served in C.  Python's view read/write must not run, and the clock is
    not served in Python per interrupt: the deadline is reached in the exec
    loop (busy) or waited for in C by the WFI (gt_idle)."""
    from runtime.clock import Clock
    nirq = 300
    emu = _storm(nirq, tmp_path, busy=busy)
    gic = emu.board.gic

    def python_access(*args):
        raise AssertionError("a guest GIC access went through Python")
    monkeypatch.setattr(type(gic.cpu_if), "read", python_access)
    monkeypatch.setattr(type(gic.cpu_if), "write", python_access)
    monkeypatch.setattr(type(gic.dist), "write", python_access)
    services = []
    service = Clock.service
    monkeypatch.setattr(Clock, "service", lambda self: (services.append(1), service(self))[1])
    stop = emu.board.run(count=5_000_000)
    assert stop.kind == "shutdown", stop
    stats = gic.stats()
    assert stats["GIC interrupts acknowledged"] == nirq
    # per interrupt: one GICC_IAR read, one GICC_EOIR write (+ the set-up)
    assert stats["GIC MMIO reads"] == nirq and stats["GIC MMIO writes"] == nirq + 4
    assert len(services) < 5
    emu.close()


@needs_gcc
def test_timer_interrupts_under_icount_are_deterministic(tmp_path):
    """Under -icount the timer's deadline is an instruction count served in
    the exec loop: two runs end at the same instruction count."""
    counts = []
    for _ in range(2):
        emu = _storm(100, tmp_path, busy=True)
        assert emu.board.run(count=5_000_000).kind == "shutdown"
        counts.append(emu.cpu.icount)
        emu.close()
    assert counts[0] == counts[1]


@needs_gcc
@pytest.mark.parametrize("busy", [False, True])
def test_timer_interrupts_under_host_time(tmp_path, busy):
    """Host time: spinning, the C alarm thread raises EXIT_REQ_TIMER at each
    deadline and the exec loop serves it; in WFI the loop sleeps in C until
    the deadline.  All interrupts arrive (ARM ARM B1.8.13: WFI wakes on
    the pending IRQ)."""
    emu = _storm(50, tmp_path, icount_shift=None, busy=busy)
    assert emu.board.run(count=50_000_000).kind == "shutdown"
    assert emu.board.gic.stats()["GIC interrupts acknowledged"] == 50
    emu.close()
