"""The PCIe host bridge of QEMU 7.2's virt (hw/pci-host/gpex.c) as a
generic ECAM host ("pci-host-ecam-generic"), with nothing plugged in: what
`qemu-system-arm -M virt -nodefaults` offers.

ECAM (PCI Express Base Specification 3.0, 7.2.2): the configuration space
of bus B, device D, function F sits at base + (B << 20 | D << 15 | F << 12),
4 KiB per function.  Only 00:00.0 exists, QEMU's "gpex-root" host bridge, a
conventional PCI function (256 bytes of configuration space).  Reads of any
other function, or past 0xFF, return all-ones (PCI Local Bus Specification
3.0, 6.1: a read of a function that does not exist ends in Master-Abort,
0xFFFF in the Vendor ID); writes there are ignored.

The bridge's header (type 0, PCI Local Bus Specification 3.0, 6.1 and 6.2)
is the table HEADER below: offset, width, name, value, writable bits.  The
values and writable bits are QEMU 7.2's (measured: tests/sysguest/pcie_ecam.c
under QEMU).  It has no BARs, no expansion ROM, no capabilities and no
interrupt pin; bytes 0x40-0xFF (device specific, 6.1) hold what is
written, as QEMU keeps them.

The MMIO and PIO windows decode to no device: reads are all-ones (a
Master-Abort, as QEMU), writes are dropped -- `UnassignedWindow`.
"""

from collections import namedtuple

from runtime.devices.base import Device

ECAM_BUS_SHIFT, ECAM_DEV_SHIFT, ECAM_FN_SHIFT = 20, 15, 12
CONFIG_SIZE = 0x100                 # a conventional function
DEVICE_SPECIFIC = 0x40              # start of the device-specific part


def all_ones(size):
    """A Master-Abort read of `size` bytes."""
    return (1 << (8 * size)) - 1

# QEMU's ids: PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_PCIE_HOST; the
# default subsystem it gives a type-0 function (PCI_SUBVENDOR_ID_REDHAT_QUMRANET,
# PCI_SUBDEVICE_ID_QEMU)
VENDOR_REDHAT, DEVICE_PCIE_HOST = 0x1B36, 0x0008
SUBSYS_VENDOR, SUBSYS_ID = 0x1AF4, 0x1100
CLASS_BRIDGE_HOST = 0x060000        # base class 06 (bridge), subclass 00 (host)
# Command (6.2.2): I/O space, memory space, bus master, SERR# enable,
# interrupt disable are writable (QEMU's wmask 0x0507)
COMMAND_WRITABLE = 0x0507

CfgReg = namedtuple("CfgReg", "offset width name value writable")

# fmt: off
HEADER = (
    CfgReg(0x00, 2, "vendor_id",       VENDOR_REDHAT, 0),
    CfgReg(0x02, 2, "device_id",       DEVICE_PCIE_HOST, 0),
    CfgReg(0x04, 2, "command",         0, COMMAND_WRITABLE),
    CfgReg(0x06, 2, "status",          0, 0),     # no capabilities, no errors
    CfgReg(0x08, 1, "revision_id",     0, 0),
    CfgReg(0x09, 3, "class_code",      CLASS_BRIDGE_HOST, 0),
    CfgReg(0x0C, 1, "cache_line_size", 0, 0xFF),
    CfgReg(0x0D, 1, "latency_timer",   0, 0),
    CfgReg(0x0E, 1, "header_type",     0, 0),     # type 0, single function
    CfgReg(0x0F, 1, "bist",            0, 0),
    # BAR0-5 (6.2.5.1): none implemented, hardwired to zero
    *[CfgReg(0x10 + 4 * i, 4, "bar%d" % i, 0, 0) for i in range(6)],
    CfgReg(0x28, 4, "cardbus_cis",     0, 0),
    CfgReg(0x2C, 2, "subsystem_vendor_id", SUBSYS_VENDOR, 0),
    CfgReg(0x2E, 2, "subsystem_id",    SUBSYS_ID, 0),
    CfgReg(0x30, 4, "expansion_rom",   0, 0),
    CfgReg(0x34, 1, "capabilities",    0, 0),
    CfgReg(0x3C, 1, "interrupt_line",  0, 0xFF),  # scratch for software (6.2.4)
    CfgReg(0x3D, 1, "interrupt_pin",   0, 0),     # no INTx
    CfgReg(0x3E, 1, "min_gnt",         0, 0),
    CfgReg(0x3F, 1, "max_lat",         0, 0),
)
# fmt: on


def header_image(header=HEADER):
    """(reset bytes, writable-bit bytes) of a 256-byte configuration space."""
    value, wmask = bytearray(CONFIG_SIZE), bytearray(CONFIG_SIZE)
    for reg in header:
        value[reg.offset:reg.offset + reg.width] = reg.value.to_bytes(reg.width, "little")
        wmask[reg.offset:reg.offset + reg.width] = reg.writable.to_bytes(reg.width, "little")
    wmask[DEVICE_SPECIFIC:] = b"\xff" * (CONFIG_SIZE - DEVICE_SPECIFIC)
    return value, wmask


class GpexEcam(Device):
    """The ECAM window: `buses` buses of configuration space."""

    NAME = "gpex-ecam"
    STATE = ("config",)

    def __init__(self, size):
        self.SIZE = size
        self._reset_config, self._wmask = header_image()
        super().__init__()

    def reset_state(self):
        self.config = bytearray(self._reset_config)

    @staticmethod
    def decode(offset):
        """(bus, device, function, register) of an ECAM offset (7.2.2)."""
        return (offset >> ECAM_BUS_SHIFT, (offset >> ECAM_DEV_SHIFT) & 0x1F,
                (offset >> ECAM_FN_SHIFT) & 7, offset & 0xFFF)

    def _host_bridge_reg(self, offset, size):
        """The register offset in 00:00.0's configuration space, or None."""
        bus, dev, fn, reg = self.decode(offset)
        if bus or dev or fn or reg + size > CONFIG_SIZE:
            return None
        return reg

    def read(self, offset, size):
        reg = self._host_bridge_reg(offset, size)
        if reg is None:
            return all_ones(size)
        return int.from_bytes(self.config[reg:reg + size], "little")

    def write(self, offset, size, value):
        reg = self._host_bridge_reg(offset, size)
        if reg is None:
            return
        for i in range(size):
            keep = ~self._wmask[reg + i] & 0xFF
            byte = (value >> (8 * i)) & 0xFF
            self.config[reg + i] = (self.config[reg + i] & keep) | (byte & self._wmask[reg + i])


class UnassignedWindow(Device):
    """A PCI MMIO or I/O window with no BAR assigned in it: reads end in a
    Master-Abort (all-ones), writes are dropped."""

    NAME = "pci-window"
    STATE = ()

    def __init__(self, size):
        self.SIZE = size
        super().__init__()

    def read(self, offset, size):
        return all_ones(size)

    def write(self, offset, size, value):
        pass
