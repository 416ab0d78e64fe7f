"""ARM PrimeCell PL031 real-time clock (virt: 0x09010000, SPI 2).

Register map: PL031 Technical Reference Manual (ARM DDI 0224B) section 3.2,
table 3-1.  The counter is seconds since the Unix epoch (Linux's
rtc-pl031 reads it as time64): DR = offset + guest seconds, LR loads it,
the alarm interrupt (RTCINTR) rises when DR reaches MR.  As in QEMU 7.2's
hw/rtc/pl031.c the clock always runs -- CR reads 1 and writes are ignored
(TRM 3.3.4: RTCCR bit 0 starts the counter and cannot be cleared).

Time: `clock()` returns guest nanoseconds (Emulator.guest_time_ns).  The
counter starts at `epoch` seconds (default: the host's UTC time now; under
-icount the board passes a fixed one so runs repeat, like QEMU's -rtc
base=...,clock=vm).

There is no timer service yet: the alarm is evaluated whenever the guest
reads the device, and the board should call `tick()` once guest time
passes `deadline_ns()` (the next alarm, or None) -- e.g. from the WFI idle
handler -- so an interrupt-driven guest sees it too.
"""

import time

from runtime.devices.base import Device, Reg, R, W, RW

SIZE = 0x1000
NS = 1_000_000_000

DR, MR, LR, CR, IMSC, RIS, MIS, ICR = range(0, 0x20, 4)
PERIPH_ID0 = 0xFE0
# PeriphID0-3, PCellID0-3 (TRM 3.3.9-10): part 0x031, designer ARM (0x41),
# revision 1; PrimeCell id 0xB105F00D
ID_BYTES = (0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1)

REGS = (
    Reg(DR, "dr", R, 0),
    Reg(MR, "mr", RW, 0),
    Reg(LR, "lr", RW, 0),
    Reg(CR, "cr", RW, 1),
    Reg(IMSC, "imsc", RW, 0),
    Reg(RIS, "ris", R, 0),
    Reg(MIS, "mis", R, 0),
    Reg(ICR, "icr", W, 0),
)


class PL031(Device):
    NAME = "pl031"
    SIZE = SIZE
    REGS = REGS
    STATE = ("values", "tick_offset")

    def __init__(self, clock, epoch=None):
        self.clock = clock
        self.intr = self.irq()
        start = int(time.time()) if epoch is None else int(epoch)
        self.tick_offset = (start - clock() // NS) & 0xFFFFFFFF
        super().__init__()

    def reset_state(self):
        self._alarm_ns = None
        self._update()

    # ---- the counter and the alarm ----------------------------------------------
    def count(self):
        return (self.tick_offset + self.clock() // NS) & 0xFFFFFFFF

    def _set_alarm(self):
        """QEMU pl031_set_alarm: ticks = MR - count (mod 2^32); zero means
        now, otherwise the alarm is that many seconds ahead."""
        ticks = (self.values["mr"] - self.count()) & 0xFFFFFFFF
        if ticks == 0:
            self._alarm_ns = None
            self._fire()
        else:
            self._alarm_ns = self.clock() + ticks * NS

    def deadline_ns(self):
        return self._alarm_ns

    def tick(self):
        """Raise the alarm if its time has come (board: at the deadline)."""
        if self._alarm_ns is not None and self.clock() >= self._alarm_ns:
            self._alarm_ns = None
            self._fire()

    def _fire(self):
        self.values["ris"] = 1
        self._update()

    def _update(self):
        self.intr.set(self.values["ris"] & self.values["imsc"])

    # ---- registers ------------------------------------------------------------------
    def read_dr(self):
        self.tick()
        return self.count()

    def write_mr(self, value):
        self.values["mr"] = value
        self._set_alarm()

    def write_lr(self, value):
        # TRM 3.3.3: the counter is loaded with LR's value
        self.values["lr"] = value
        self.tick_offset = (self.tick_offset + value - self.count()) & 0xFFFFFFFF
        self._set_alarm()

    def read_cr(self):
        return 1                  # always running (QEMU)

    def write_cr(self, value):
        pass

    def write_imsc(self, value):
        self.values["imsc"] = value & 1
        self._update()

    def read_ris(self):
        self.tick()
        return self.values["ris"]

    def read_mis(self):
        self.tick()
        return self.values["ris"] & self.values["imsc"]

    def write_icr(self, value):
        self.values["ris"] &= ~value & 1
        self._update()

    def read_unmapped(self, offset, size):
        if PERIPH_ID0 <= offset <= 0xFFF:
            return ID_BYTES[(offset - PERIPH_ID0) >> 2] >> ((offset & 3) * 8) & 0xFF
        return 0
