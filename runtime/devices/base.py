"""What every device model shares: IRQ lines, a register map, reset, state.

A device is a plain Python object that the board maps into the physical
address space (`cpu.map_mmio(base, size, device)` calls `device.read(offset,
size)` and `device.write(offset, size, value)`).  It raises interrupts
through `IRQLine` objects it owns; the board connects each line to its sink
(a GIC input, the CPU's IRQ pin), so a device never knows what it is wired
to -- QEMU's qemu_irq plays the same role.

The register map is data: a `REGS` table of `Reg(offset, name, access,
reset)` rows; `Device.read`/`write` dispatch to `read_<name>` /
`write_<name>` methods when the device defines them, and otherwise read or
store the plain value.  A device with irregular decoding (arrays of
registers, banked views) overrides `read`/`write` itself.

`STATE` names the attributes that make up the device's state (the
snapshot work describes them fully); `reset()` puts every register back to
its `REGS` reset value and calls `reset_state()` for the rest.
"""

from collections import namedtuple

R, W, RW = 1, 2, 3   # access bits of a Reg row

Reg = namedtuple("Reg", "offset name access reset")
Reg.__new__.__defaults__ = (RW, 0)


class IRQLine:
    """One interrupt output.  `connect(sink)` wires it: sink(level) is
    called whenever the level changes (and once on connect)."""

    __slots__ = ("name", "level", "_sink")

    def __init__(self, name=""):
        self.name = name
        self.level = 0
        self._sink = None

    def connect(self, sink):
        self._sink = sink
        sink(self.level)

    def set(self, level):
        level = 1 if level else 0
        if level != self.level:
            self.level = level
            if self._sink is not None:
                self._sink(level)

    def raise_(self):
        self.set(1)

    def lower(self):
        self.set(0)

    def pulse(self):
        """An edge: high then low (for edge-triggered inputs)."""
        self.set(1)
        self.set(0)


class Device:
    """Base of the MMIO device models (see the module docstring)."""

    NAME = "device"
    SIZE = 0x1000
    REGS = ()
    STATE = ()

    def __init__(self):
        self._regs = {r.offset: r for r in self.REGS}
        self.values = {}
        self.reset()

    def irq(self, name=""):
        """A new output line owned by this device."""
        return IRQLine("%s.%s" % (self.NAME, name) if name else self.NAME)

    def reset(self):
        self.values = {r.name: r.reset for r in self.REGS}
        self.reset_state()

    def reset_state(self):
        """Reset what is not a plain REGS value (FIFOs, timers...)."""

    # -- MMIO (called by the bus; offset is relative to the device's base)
    def read(self, offset, size):
        reg = self._regs.get(offset & ~3)
        if reg is None or not reg.access & R:
            return self.read_unmapped(offset, size)
        fn = getattr(self, "read_" + reg.name, None)
        value = fn() if fn is not None else self.values[reg.name]
        return (value >> ((offset & 3) * 8)) & _size_mask(size)

    def write(self, offset, size, value):
        reg = self._regs.get(offset & ~3)
        if reg is None or not reg.access & W:
            self.write_unmapped(offset, size, value)
            return
        fn = getattr(self, "write_" + reg.name, None)
        if fn is not None:
            fn(value)
        else:
            self.values[reg.name] = value

    def read_unmapped(self, offset, size):
        return 0             # RAZ, as QEMU's devices mostly answer

    def write_unmapped(self, offset, size, value):
        pass                 # WI


def _size_mask(size):
    return (1 << (8 * size)) - 1 if size < 4 else 0xFFFFFFFF
