"""The GICv2m MSI frame of QEMU's virt (0x08020000): message-signalled
interrupts turned into SPI edges of the GICv2.

Register map (ARM Server Base System Architecture, appendix "GICv2m";
Linux drivers/irqchip/irq-gic-v2m.c): MSI_TYPER at 0x008 gives the first
SPI (bits 25:16, as an INTID) and how many (bits 9:0); a write of an INTID
in that range to MSI_SETSPI_NS at 0x040 raises it; MSI_IIDR at 0xFCC
carries the product id in bits 31:20.  On virt the frame owns INTIDs 80..143
(SPIs 48..111), which is the range Linux prints at boot.
"""

from runtime.devices.base import Device, Reg, R, W

MSI_TYPER, MSI_SETSPI_NS, MSI_IIDR = 0x008, 0x040, 0xFCC
FIRST_INTID = 80        # virt: irqmap[VIRT_GIC_V2M] = 48, + 32
NUM_SPIS = 64
PRODUCT_ID_QEMU = 0x51  # 'Q'


class GICv2m(Device):
    NAME = "gicv2m"
    SIZE = 0x1000
    REGS = (
        Reg(MSI_TYPER, "typer", R, (FIRST_INTID << 16) | NUM_SPIS),
        Reg(MSI_SETSPI_NS, "setspi_ns", W, 0),
        Reg(MSI_IIDR, "iidr", R, PRODUCT_ID_QEMU << 20),
    )

    def __init__(self, gic):
        self.inputs = {i: gic.input(i) for i in range(FIRST_INTID, FIRST_INTID + NUM_SPIS)}
        super().__init__()

    def write_setspi_ns(self, value):
        sink = self.inputs.get(value & 0x3FF)
        if sink is not None:      # out of range: ignored, as the frame decodes nothing
            sink(1)
            sink(0)
