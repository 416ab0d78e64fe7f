"""ARM PrimeCell PL011 UART (the `virt` board's console at 0x09000000, SPI 1).

Register map and reset values: PL011 Technical Reference Manual (ARM DDI
0183G), section 3.2 table 3-1 and 3.3.  Behaviour follows QEMU 7.2's
hw/char/pl011.c where it departs from the TRM, because that is the device
guests (Linux's amba-pl011) were run against:

  * Transmission is instantaneous: a byte written to DR goes straight to
    the backend, the TX FIFO is always empty (FR.TXFE, never TXFF/BUSY).
    TXRIS is set by every DR write -- the FIFO has just drained to below
    any IFLS level (TRM 3.4.2 "the transmit interrupt ... is asserted when
    the FIFO drops through the trigger level") -- and stays set until ICR
    clears it, which is what Linux's pl011_int expects: it writes
    fifosize/2 bytes per TX interrupt and counts on another one.
  * Receive: a 16-entry FIFO with LCR_H.FEN, else a 1-deep holding
    register (TRM 2.4.3).  RXRIS rises when the FIFO goes from empty to
    one entry and falls when it empties again: QEMU ignores the IFLS RX
    level (its read_trigger is always 1) because Linux only drains the
    FIFO on an interrupt; with a trigger of one byte the receive-timeout
    interrupt (RTRIS) never has a reason to fire, so like QEMU it is never
    raised (it can be masked and cleared).
  * Input from a backend (runtime/chardev.py) is taken only while the FIFO
    has room (QEMU's can_receive), so no byte is lost; bytes pushed with
    receive() model the RX wire instead and overrun (RSR.OE, RIS.OE).

One output line, `intr` (UARTINTR, the OR of the masked interrupts, TRM
2.8), which the board connects to the GIC.
"""

from collections import deque

from runtime.devices.base import Device, Reg, R, W, RW

SIZE = 0x1000

# ---- register offsets (TRM table 3-1) -----------------------------------
DR = 0x000
RSR_ECR = 0x004     # read: receive status; write: error clear
FR = 0x018
ILPR = 0x020
IBRD = 0x024
FBRD = 0x028
LCR_H = 0x02C
CR = 0x030
IFLS = 0x034
IMSC = 0x038
RIS = 0x03C
MIS = 0x040
ICR = 0x044
DMACR = 0x048
PERIPH_ID0 = 0xFE0  # PeriphID0..3 at 0xFE0..0xFEC, PCellID0..3 at 0xFF0..0xFFC

# PeriphID0-3 then PCellID0-3 (TRM 3.3.14-15): part 0x011, designer ARM
# (0x41), revision r1p5 (3), PrimeCell component id 0xB105F00D.
ID_BYTES = (0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1)

# ---- FR bits (TRM 3.3.3) ----------------------------------------------------
FR_BUSY = 1 << 3
FR_RXFE = 1 << 4
FR_TXFF = 1 << 5
FR_RXFF = 1 << 6
FR_TXFE = 1 << 7

# ---- DR / RSR error bits (TRM 3.3.1-2) ------------------------------------
DR_OE = 1 << 11
RSR_OE = 1 << 3

# ---- LCR_H / CR bits ---------------------------------------------------------
LCR_H_FEN = 1 << 4      # FIFOs enabled (else 1-deep holding registers)
CR_UARTEN = 1 << 0
CR_LBE = 1 << 7         # loopback: TX feeds RX, the RX wire is ignored
CR_TXE = 1 << 8
CR_RXE = 1 << 9

# ---- interrupt bits (IMSC, RIS, MIS, ICR; TRM 3.3.10-14) -------------------
INT_RX = 1 << 4
INT_TX = 1 << 5
INT_RT = 1 << 6
INT_OE = 1 << 10
INT_ALL = 0x7FF

FIFO_DEPTH = 16

REGS = (
    Reg(DR, "dr", RW, 0),
    Reg(RSR_ECR, "rsr", RW, 0),
    Reg(FR, "fr", R, FR_TXFE | FR_RXFE),
    Reg(ILPR, "ilpr", RW, 0),
    Reg(IBRD, "ibrd", RW, 0),
    Reg(FBRD, "fbrd", RW, 0),
    Reg(LCR_H, "lcr_h", RW, 0),
    Reg(CR, "cr", RW, CR_TXE | CR_RXE),
    Reg(IFLS, "ifls", RW, 0x12),       # 1/2 full both ways
    Reg(IMSC, "imsc", RW, 0),
    Reg(RIS, "ris", R, 0),
    Reg(MIS, "mis", R, 0),
    Reg(ICR, "icr", W, 0),
    Reg(DMACR, "dmacr", RW, 0),
)

# writable bits of the plain registers (TRM 3.3: the field widths).  QEMU
# 7.2 swaps the IBRD/FBRD masks (IBRD 6 bits, FBRD 16): we follow the TRM.
WRITE_MASK = {"ilpr": 0xFF, "ibrd": 0xFFFF, "fbrd": 0x3F, "cr": 0xFF87,
              "ifls": 0x3F, "imsc": INT_ALL, "dmacr": 0x7}


class PL011(Device):
    """One PL011.  `out`: a chardev backend (runtime/chardev.py: output and
    input), a binary stream (output only) or None (output discarded).
    `irq`: optional callable(level) called when `intr` changes level
    (tests; boards connect `intr` instead)."""

    NAME = "pl011"
    SIZE = SIZE
    REGS = REGS
    STATE = ("values", "rx_fifo")
    STATE_NAME = "pl011"
    STATE_VERSION = 2

    def __init__(self, out=None, irq=None):
        self.rx_fifo = deque()
        self.intr = self.irq()
        self.backend = None
        self.out = None
        super().__init__()
        self.attach(out)
        if irq is not None:
            self.intr.connect(_on_change(irq, self.intr.level))

    def attach(self, backend):
        """Connect a backend (or a plain output stream, or None)."""
        if backend is not None and hasattr(backend, "take_input"):
            self.backend = backend
            self.out = backend
        else:
            self.backend = None
            self.out = backend

    def reset_state(self):
        self.rx_fifo.clear()
        self._update()

    # ---- snapshots ---------------------------------------------------------
    def get_state(self):
        return {"values": dict(self.values), "rx_fifo": list(self.rx_fifo)}

    def set_state(self, state, version=STATE_VERSION):
        if version != self.STATE_VERSION:
            raise ValueError("pl011 state version %d, expected %d" % (version, self.STATE_VERSION))
        self.values = dict(state["values"])
        self.rx_fifo = deque(state["rx_fifo"])
        self._update()

    # ---- derived state -------------------------------------------------------
    def _fifo_depth(self):
        return FIFO_DEPTH if self.values["lcr_h"] & LCR_H_FEN else 1

    def can_receive(self):
        return len(self.rx_fifo) < self._fifo_depth()

    def _update(self):
        v = self.values
        self.intr.set(v["ris"] & v["imsc"])

    # ---- receive side --------------------------------------------------------
    def _put_fifo(self, entry):
        self.rx_fifo.append(entry)
        if len(self.rx_fifo) == 1:     # QEMU's read_trigger of 1 (module doc)
            self.values["ris"] |= INT_RX

    def receive(self, data):
        """Bytes arriving on the RX wire now: those that find the FIFO full
        are lost and flag an overrun (TRM 3.3.2: OE is set when the FIFO is
        full and a character arrives; the FIFO contents stay valid)."""
        for byte in data:
            if self.can_receive():
                self._put_fifo(byte)
            else:
                self.values["rsr"] |= RSR_OE
                self.values["ris"] |= INT_OE
        self._update()

    def poll_input(self):
        """Move waiting backend bytes into the FIFO while it has room
        (emulator thread).  Returns how many were taken."""
        b = self.backend
        if b is None or not b.has_input() or self.values["cr"] & CR_LBE:
            return 0
        data = b.take_input(self._fifo_depth() - len(self.rx_fifo))
        for byte in data:
            self._put_fifo(byte)
        self._update()
        return len(data)

    # ---- register handlers -----------------------------------------------------
    def read_dr(self):
        if not self.rx_fifo:
            self.poll_input()
        if not self.rx_fifo:
            return 0
        entry = self.rx_fifo.popleft()
        self.values["rsr"] = (entry >> 8) & 0xF
        if not self.rx_fifo:
            self.values["ris"] &= ~INT_RX
        self._update()
        self.poll_input()              # room again: QEMU's accept_input
        return entry

    def write_dr(self, value):
        byte = value & 0xFF
        if self.out is not None:
            self.out.write(bytes((byte,)))
            self.out.flush()
        if self.values["cr"] & CR_LBE and self.can_receive():
            self._put_fifo(byte)
        self.values["ris"] |= INT_TX   # the (instant) FIFO is below its level again
        self._update()

    def read_fr(self):
        self.poll_input()              # a polling guest sees input without an exit
        fr = FR_TXFE
        if not self.rx_fifo:
            fr |= FR_RXFE
        elif len(self.rx_fifo) >= self._fifo_depth():
            fr |= FR_RXFF
        return fr

    def write_rsr(self, value):
        self.values["rsr"] = 0         # ECR: any write clears the errors

    def write_lcr_h(self, value):
        if (self.values["lcr_h"] ^ value) & LCR_H_FEN:
            self.rx_fifo.clear()       # toggling FEN flushes the FIFOs (as QEMU)
            self.values["ris"] &= ~INT_RX
        self.values["lcr_h"] = value & 0xFF
        self._update()

    def read_ris(self):
        self.poll_input()
        return self.values["ris"]

    def read_mis(self):
        self.poll_input()
        return self.values["ris"] & self.values["imsc"]

    def write_icr(self, value):
        self.values["ris"] &= ~value
        self._update()

    def write(self, offset, size, value):
        reg = self._regs.get(offset & ~3)
        if reg is not None and reg.name in WRITE_MASK:
            self.values[reg.name] = value & WRITE_MASK[reg.name]
            self._update()
            return
        super().write(offset, size, value)

    def read_unmapped(self, offset, size):
        if PERIPH_ID0 <= offset <= 0xFFF:
            return ID_BYTES[(offset - PERIPH_ID0) >> 2] >> ((offset & 3) * 8) & 0xFF
        return 0


def _on_change(fn, level):
    """A sink that passes on level changes only (IRQLine.connect reports the
    current level once; the old `irq=` callback saw changes only)."""
    last = [level]

    def sink(new):
        if new != last[0]:
            last[0] = new
            fn(new)
    return sink
