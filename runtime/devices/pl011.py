"""ARM PrimeCell PL011 UART (the `virt` board's console at 0x09000000).

Register map and reset values from the PL011 Technical Reference Manual
(ARM DDI 0183).  Transmission is instantaneous: a byte written to DR goes
straight to the output stream, so the TX FIFO is always empty (FR.TXFE)
and never busy.  Received bytes come from `receive()` (the CLI may feed
stdin later); with nothing received FR.RXFE is set and DR reads 0.

The device is a plain Python object; the board maps it with
`emu.map_mmio(base, SIZE, uart.read, uart.write)`.
"""

from collections import deque

SIZE = 0x1000

# ---- register offsets --------------------------------------------------
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

# PeriphID0-3 then PCellID0-3: part 0x011, designer ARM (0x41), rev r1p5,
# PrimeCell component id 0xB105F00D.
ID_BYTES = (0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1)

# ---- FR bits -------------------------------------------------------------
FR_BUSY = 1 << 3
FR_RXFE = 1 << 4
FR_TXFF = 1 << 5
FR_RXFF = 1 << 6
FR_TXFE = 1 << 7

# ---- LCR_H / CR bits -----------------------------------------------------
LCR_H_FEN = 1 << 4      # FIFOs enabled (else 1-deep holding registers)
CR_UARTEN = 1 << 0
CR_TXE = 1 << 8
CR_RXE = 1 << 9

# ---- interrupt bits (IMSC, RIS, MIS, ICR) -------------------------------
INT_RX = 1 << 4
INT_TX = 1 << 5
INT_RT = 1 << 6
INT_ALL = 0x7FF

FIFO_DEPTH = 16

# reset values of the read/write registers (TRM table 3-1)
RESET = {"ilpr": 0, "ibrd": 0, "fbrd": 0, "lcr_h": 0, "cr": CR_TXE | CR_RXE,
         "ifls": 0x12, "imsc": 0, "ris": 0, "dmacr": 0, "rsr": 0}

# plain registers: offset -> (state field, writable bits)
PLAIN_REGS = {
    ILPR: ("ilpr", 0xFF),
    IBRD: ("ibrd", 0xFFFF),
    FBRD: ("fbrd", 0x3F),
    CR: ("cr", 0xFF87),
    IFLS: ("ifls", 0x3F),
    DMACR: ("dmacr", 0x7),
}


class PL011:
    """One PL011.  `out` is a binary stream (sys.stdout.buffer, a file) or
    None to discard output; `irq(level)` is called when the interrupt
    output changes (optional until the GIC exists)."""

    # snapshot description: saved fields (rx_fifo as a list of ints)
    STATE_NAME = "pl011"
    STATE_VERSION = 1
    STATE_FIELDS = ("ilpr", "ibrd", "fbrd", "lcr_h", "cr", "ifls", "imsc",
                    "ris", "dmacr", "rsr", "rx_fifo")

    def __init__(self, out=None, irq=None):
        self.out = out
        self.irq = irq
        self.rx_fifo = deque()
        self._irq_level = 0
        self.reset()

    def reset(self):
        for name, value in RESET.items():
            setattr(self, name, value)
        self.rx_fifo.clear()
        self._update_irq()

    # ---- state for snapshots ---------------------------------------------
    def get_state(self):
        state = {f: getattr(self, f) for f in self.STATE_FIELDS}
        state["rx_fifo"] = list(self.rx_fifo)
        return state

    def set_state(self, state, version=STATE_VERSION):
        if version != self.STATE_VERSION:
            raise ValueError("pl011 state version %d, expected %d" % (version, self.STATE_VERSION))
        for f in self.STATE_FIELDS:
            if f == "rx_fifo":
                self.rx_fifo = deque(state[f])
            else:
                setattr(self, f, state[f])
        self._update_irq()

    # ---- derived registers ------------------------------------------------
    def _fifo_depth(self):
        return FIFO_DEPTH if self.lcr_h & LCR_H_FEN else 1

    def flags(self):
        fr = FR_TXFE  # TX completes immediately: never busy, never full
        if not self.rx_fifo:
            fr |= FR_RXFE
        elif len(self.rx_fifo) >= self._fifo_depth():
            fr |= FR_RXFF
        return fr

    def _update_irq(self):
        level = 1 if self.ris & self.imsc else 0
        if level != self._irq_level:
            self._irq_level = level
            if self.irq is not None:
                self.irq(level)

    # ---- data path --------------------------------------------------------
    def _transmit(self, byte):
        if self.out is not None:
            self.out.write(bytes((byte,)))
            self.out.flush()  # the guest's output must show up as it runs
        self.ris |= INT_TX

    def receive(self, data):
        """Bytes arriving on the RX line; those beyond the FIFO are lost
        (overrun)."""
        for byte in data:
            if len(self.rx_fifo) >= self._fifo_depth():
                self.rsr |= 0x8  # OE
                break
            self.rx_fifo.append(byte)
        if self.rx_fifo:
            self.ris |= INT_RX
        self._update_irq()

    def _read_dr(self):
        if not self.rx_fifo:
            return 0
        value = self.rx_fifo.popleft()
        if not self.rx_fifo:
            self.ris &= ~(INT_RX | INT_RT)
            self._update_irq()
        return value

    # ---- MMIO handlers ------------------------------------------------------
    def read(self, offset, size):
        reg = offset & ~3
        value = self._read_reg(reg)
        shift = (offset & 3) * 8
        return (value >> shift) & ((1 << (8 * size)) - 1)

    def _read_reg(self, reg):
        if reg == DR:
            return self._read_dr()
        if reg == RSR_ECR:
            return self.rsr
        if reg == FR:
            return self.flags()
        if reg == LCR_H:
            return self.lcr_h
        if reg == IMSC:
            return self.imsc
        if reg == RIS:
            return self.ris
        if reg == MIS:
            return self.ris & self.imsc
        if reg in PLAIN_REGS:
            return getattr(self, PLAIN_REGS[reg][0])
        if PERIPH_ID0 <= reg <= 0xFFC:
            return ID_BYTES[(reg - PERIPH_ID0) >> 2]
        return 0  # ICR is write-only; reserved offsets read as zero

    def write(self, offset, size, value):
        if offset & 3:
            return  # the registers are word aligned; nothing lives here
        value &= 0xFFFFFFFF
        if offset == DR:
            self._transmit(value & 0xFF)
        elif offset == RSR_ECR:
            self.rsr = 0
        elif offset == LCR_H:
            if (self.lcr_h ^ value) & LCR_H_FEN:
                self.rx_fifo.clear()  # toggling FEN flushes the FIFOs
                self.ris &= ~(INT_RX | INT_RT)
            self.lcr_h = value & 0xFF
        elif offset == IMSC:
            self.imsc = value & INT_ALL
        elif offset == ICR:
            self.ris &= ~value
        elif offset in PLAIN_REGS:
            name, bits = PLAIN_REGS[offset]
            setattr(self, name, value & bits)
        self._update_irq()
