"""The memory map and interrupt map of QEMU 7.2's `virt` board, as data:
hw/arm/virt.c `base_memmap`, `extended_memmap` (HIGH_MEMMAP: the regions
above 4 GiB with highmem=on, at the addresses QEMU gives them with at most
3 GiB of RAM) and `a15irqmap`.

Interrupt numbers are SPI numbers (GIC INTID = 32 + SPI); PPIs are INTIDs
16..31 given as PPI numbers (INTID = 16 + PPI).
"""

from collections import namedtuple

Region = namedtuple("Region", "name base size")

MEMMAP = [
    Region("flash0",      0x00000000, 0x04000000),
    Region("flash1",      0x04000000, 0x04000000),
    Region("gic_dist",    0x08000000, 0x00010000),
    Region("gic_cpu",     0x08010000, 0x00010000),
    Region("gic_v2m",     0x08020000, 0x00001000),
    Region("gic_hyp",     0x08030000, 0x00010000),   # GICH (virtualization=on)
    Region("gic_vcpu",    0x08040000, 0x00010000),   # GICV (virtualization=on)
    Region("uart",        0x09000000, 0x00001000),
    Region("rtc",         0x09010000, 0x00001000),
    Region("fw_cfg",      0x09020000, 0x00000018),
    Region("gpio",        0x09030000, 0x00001000),
    Region("mmio",        0x0A000000, 0x00000200),   # first of NUM_VIRTIO_TRANSPORTS
    Region("pcie_mmio",   0x10000000, 0x2EFF0000),   # 32-bit PCI memory window
    Region("pcie_pio",    0x3EFF0000, 0x00010000),   # PCI I/O window
    Region("pcie_ecam",   0x3F000000, 0x01000000),   # ECAM below 4 GiB: 16 buses
    Region("ram",         0x40000000, 0xC0000000),   # at most 3 GiB below 4 GiB
]
HIGH_MEMMAP = [
    Region("pcie_ecam_high", 0x4010000000, 0x10000000),      # 256 buses
    Region("pcie_mmio_high", 0x8000000000, 0x8000000000),    # 64-bit PCI memory window
]
BY_NAME = {r.name: r for r in MEMMAP + HIGH_MEMMAP}
ECAM_BUS_SIZE = 1 << 20           # ECAM space of one bus (PCIe base spec 7.2.2)

NUM_VIRTIO_TRANSPORTS = 32
VIRTIO_STRIDE = 0x200

# SPIs (a15irqmap)
IRQMAP = {"uart": 1, "rtc": 2, "pcie": 3, "gpio": 7,
          "mmio": 16}   # pcie: INTA-INTD on 3..6; mmio: 16..47, one per transport
PCIE_INTX = 4                     # INTA..INTD

# PPIs of the generic timer (ARM ARM B8.1; QEMU's ARCH_TIMER_*_IRQ) and the PMU
PPI_TIMER_SECURE_PHYS = 13      # INTID 29
PPI_TIMER_PHYS = 14             # INTID 30 (non-secure physical)
PPI_TIMER_VIRT = 11             # INTID 27
PPI_TIMER_HYP = 10              # INTID 26
PPI_PMU = 7                     # INTID 23
PPI_GIC_MAINT = 9               # INTID 25
