"""ARM PrimeCell PL061 GPIO (virt: 0x09030000, SPI 7; line 3 is the power
key of the device tree's gpio-keys node).

Register map: PL061 Technical Reference Manual (ARM DDI 0190B) section
3.2, table 3-1.  GPIODATA spans 0x000-0x3FC: address bits [9:2] mask the
access (TRM 3.3.1) -- a read returns only the masked bits, a write changes
only masked bits that are outputs.  Interrupt detection follows QEMU
7.2's hw/gpio/pl061.c: an edge interrupt latches in RIS when an input
changes (both edges with IBE, else the edge IEV selects); a level
interrupt latches while the input is at the IEV level.  IC clears.

Inputs are driven by the board with `set_input(line, level)`; outputs
are readable as `outputs()` (undriven pins read as pulled up, as QEMU's
default pullups=0xff).  One output line, `intr` (GPIOINTR).
"""

from runtime.devices.base import Device, Reg, R, W, RW

SIZE = 0x1000
N_GPIOS = 8
NS = 1_000_000_000

GPIODIR, GPIOIS, GPIOIBE, GPIOIEV, GPIOIE, GPIORIS, GPIOMIS, GPIOIC, GPIOAFSEL = (
    0x400, 0x404, 0x408, 0x40C, 0x410, 0x414, 0x418, 0x41C, 0x420)
ID_BASE = 0xFD0
# 0xFD0-0xFDC reserved (0), PeriphID0-3 at 0xFE0 (part 0x061, ARM, rev 1),
# PCellID0-3 at 0xFF0 (TRM 3.3.11-12)
ID_BYTES = (0, 0, 0, 0, 0x61, 0x10, 0x04, 0x00, 0x0D, 0xF0, 0x05, 0xB1)

POWER_KEY_LINE = 3
KEY_HOLD_NS = 100_000_000      # QEMU gpio-key: released 100 ms after the press

REGS = (
    Reg(GPIODIR, "dir", RW, 0),
    Reg(GPIOIS, "is", RW, 0),
    Reg(GPIOIBE, "ibe", RW, 0),
    Reg(GPIOIEV, "iev", RW, 0),
    Reg(GPIOIE, "ie", RW, 0),
    Reg(GPIORIS, "ris", R, 0),
    Reg(GPIOMIS, "mis", R, 0),
    Reg(GPIOIC, "ic", W, 0),
    Reg(GPIOAFSEL, "afsel", RW, 0),
)
BYTE_REGS = ("dir", "is", "ibe", "iev", "ie", "afsel")


class PL061(Device):
    """`clock`: guest ns (for the power key's hold time); None = the key
    is released at the next tick()/read after the press."""

    NAME = "pl061"
    SIZE = SIZE
    REGS = REGS
    STATE = ("values", "data", "old_in", "release_ns")

    def __init__(self, clock=None, pullups=0xFF):
        self.clock = clock
        self.pullups = pullups
        self.intr = self.irq()
        self.on_output = None          # fn(line, level) when an output pin changes
        super().__init__()

    def reset_state(self):
        self.data = 0                  # output latch + input levels (QEMU's s->data)
        self.old_in = 0
        self.release_ns = None
        self._old_out = self.pullups
        self._update()

    # ---- the pins ----------------------------------------------------------------
    def set_input(self, line, level):
        """Drive input `line` (ignored while the pin is an output)."""
        mask = 1 << line
        if not self.values["dir"] & mask:
            self.data = (self.data | mask) if level else (self.data & ~mask)
            self._update()

    def outputs(self):
        d = self.values["dir"]
        return ((self.data & d) | (self.pullups & ~d)) & 0xFF

    def press_power_key(self):
        """system_powerdown on virt without ACPI: the gpio-key on line 3
        goes high and falls KEY_HOLD_NS later (QEMU hw/gpio/gpio_key.c)."""
        self.set_input(POWER_KEY_LINE, 1)
        now = self.clock() if self.clock is not None else 0
        self.release_ns = now + KEY_HOLD_NS if self.clock is not None else now

    def deadline_ns(self):
        return self.release_ns

    def tick(self):
        if self.release_ns is not None and (self.clock is None
                                            or self.clock() >= self.release_ns):
            self.release_ns = None
            self.set_input(POWER_KEY_LINE, 0)

    # ---- interrupt logic (QEMU pl061_update) --------------------------------------
    def _update(self):
        v = self.values
        out = self.outputs()
        changed_out, self._old_out = out ^ self._old_out, out
        if changed_out and self.on_output is not None:
            for line in range(N_GPIOS):
                if changed_out >> line & 1:
                    self.on_output(line, out >> line & 1)
        changed = (self.old_in ^ self.data) & ~v["dir"] & 0xFF
        if changed:
            self.old_in = self.data
            edge = changed & ~v["is"]
            both = edge & v["ibe"]
            chosen = edge & ~v["ibe"] & ~(self.data ^ v["iev"])
            v["ris"] |= both | chosen
        v["ris"] = (v["ris"] | (~(self.data ^ v["iev"]) & v["is"])) & 0xFF
        self.intr.set(v["ris"] & v["ie"])

    # ---- MMIO ------------------------------------------------------------------------
    def read(self, offset, size):
        if offset < 0x400:
            self.tick()
            value = self.data & (offset >> 2)      # TRM 3.3.1: PADDR[9:2] masks
            return value >> ((offset & 3) * 8) & 0xFF
        return super().read(offset, size)

    def write(self, offset, size, value):
        if offset < 0x400:
            mask = (offset >> 2) & self.values["dir"]
            self.data = (self.data & ~mask) | (value & mask)
            self._update()
            return
        reg = self._regs.get(offset & ~3)
        if reg is not None and reg.name in BYTE_REGS:
            self.values[reg.name] = value & 0xFF
            self._update()
            return
        super().write(offset, size, value)

    def read_mis(self):
        return self.values["ris"] & self.values["ie"]

    def write_ic(self, value):
        self.values["ris"] &= ~value
        self._update()

    def read_unmapped(self, offset, size):
        if ID_BASE <= offset <= 0xFFF:
            return ID_BYTES[(offset - ID_BASE) >> 2] >> ((offset & 3) * 8) & 0xFF
        return 0
