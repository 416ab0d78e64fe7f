"""The `virt` board: RAM, a PL011, PSCI firmware, semihosting, image boot.

Memory map (QEMU hw/arm/virt.c, the part we model):
    0x09000000  PL011 UART (4 KiB)
    0x40000000  RAM (size from -m, at most 3 GiB: it must end below 4 GiB)

Boot, as QEMU 7.2 does it (measured with qemu-system-arm -M virt):
  * an ELF image is a bare-metal program: its segments are loaded at their
    physical addresses and the CPU starts at e_entry straight out of reset:
    SVC mode, A/I/F masked, all registers 0, CPSR = 0x400001d3 (QEMU's reset
    leaves its Z flag set).
  * anything else is a Linux kernel image (zImage or raw): loaded at RAM base
    + 0x10000 (KERNEL_LOAD_ADDR of hw/arm/boot.c), entered in the same mode
    with the Linux boot registers r0 = 0, r1 = 0xffffffff (virt has no
    machine id) and r2 = the DTB address.  QEMU puts the DTB at RAM base +
    min(RAM/2, 128 MiB); we do not generate a DTB yet, so r2 = 0.
SYSTEM_RESET (PSCI) reboots the image like QEMU, or stops with exit code 0
when the board is built with no_reboot (QEMU -no-reboot).
"""

import math
import sys

from runtime.abi import CPSR_T
from runtime.loader import load_image
from runtime.pl011 import PL011, SIZE as PL011_SIZE
from runtime.psci import PSCI
from runtime.semihosting import Semihosting, _stop_reason

RAM_BASE = 0x40000000
MAX_RAM_SIZE = 0x100000000 - RAM_BASE          # 3 GiB: RAM must end below 4 GiB
UART_BASE = 0x09000000
KERNEL_LOAD_OFFSET = 0x10000
LINUX_MACHINE_ID = 0xFFFFFFFF
RESET_CPSR = 0x400001D3                         # SVC, A I F masked, Z (as QEMU)

RAM_UNITS = {"": 1 << 20, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
RAM_ALIGN = 8192                                # QEMU rounds -m up to 8 KiB


def parse_ram_size(text):
    """QEMU's -m: '128M', '1G', '512k', a bare number in MiB, optionally
    'size=...'.  Returns bytes; raises ValueError with the reason."""
    spec = text.strip()
    if spec.startswith("size="):
        spec = spec[5:]
    spec = spec.split(",")[0]
    unit = spec[-1:].lower() if spec[-1:].isalpha() else ""
    number = spec[:-1] if unit else spec
    if unit not in RAM_UNITS:
        raise ValueError("invalid RAM size '%s' (use e.g. 128M, 1G or a number of MiB)" % text)
    try:
        value = float(number)
    except ValueError:
        raise ValueError("invalid RAM size '%s' (use e.g. 128M, 1G or a number of MiB)"
                         % text) from None
    if not math.isfinite(value):        # 1e400, inf, nan: no size at all
        raise ValueError("invalid RAM size '%s' (use e.g. 128M, 1G or a number of MiB)" % text)
    size = int(value * RAM_UNITS[unit])
    size = -(-size // RAM_ALIGN) * RAM_ALIGN
    if size <= 0:
        raise ValueError("RAM size '%s' is too small" % text)
    if size > MAX_RAM_SIZE:
        raise ValueError("RAM size '%s' is too large: virt RAM starts at 0x%08x and must end "
                         "below 4 GiB (at most 3G)" % (text, RAM_BASE))
    return size


class VirtBoard:
    """The board around one Emulator.  Firmware (PSCI) and semihosting ask
    for shutdown/reset through it; run() turns those into StopReasons."""

    def __init__(self, emu, ram_size, uart, semihosting=None, no_reboot=False):
        self.emu = emu
        self.ram_size = ram_size
        self.uart = uart
        self.semihosting = semihosting
        self.psci = PSCI(self)
        self.no_reboot = no_reboot
        self.image = None
        self.image_path = None
        self._pending = None            # ('shutdown', code) | ('reset',) | ('halt',)

    @property
    def ram_regions(self):
        return [(RAM_BASE, self.ram_size)]

    # ---- requests from firmware (called inside emu.run) -----------------------
    def shutdown(self, exit_code):
        self._pending = ("shutdown", exit_code)
        self.emu.request_stop()

    def reset(self):
        if self.no_reboot:
            self.shutdown(0)
        else:
            self._pending = ("reset",)
            self.emu.request_stop()

    def halt(self):
        self._pending = ("halt",)
        self.emu.request_stop()

    # ---- images -----------------------------------------------------------------
    def load(self, path):
        """Load an image (ELF or raw kernel) and set the CPU up to boot it."""
        image = load_image(path, self.emu.mem_write, self.ram_regions,
                           RAM_BASE + KERNEL_LOAD_OFFSET)
        self.image = image
        self.image_path = path
        if self.semihosting is not None:
            self.semihosting.image_end = image.end
            if not self.semihosting.cmdline:
                self.semihosting.cmdline = path
        self._boot_cpu(image)
        return image

    def _boot_cpu(self, image):
        emu = self.emu
        cpsr = RESET_CPSR | (CPSR_T if image.entry & 1 else 0)
        emu.reg_write("cpsr", cpsr)
        for r in range(15):
            emu.reg_write("r%d" % r, 0)
        if image.kind == "raw":  # Linux boot protocol
            emu.reg_write("r1", LINUX_MACHINE_ID)
            emu.reg_write("r2", 0)  # no DTB generated yet
        emu.reg_write("pc", image.entry & ~1)

    def _reboot(self):
        emu = self.emu
        if hasattr(emu, "reset"):
            emu.reset()  # CPU and system-register state back to reset values
        else:
            cp15 = getattr(emu, "cp15", None)
            if hasattr(cp15, "reset"):
                cp15.reset(emu.cpu)
            if hasattr(emu, "flush_tbs"):
                emu.flush_tbs()  # the MMU/SCTLR state the TBs assumed is gone
        self.uart.reset()
        self.load(self.image_path)

    # ---- running ------------------------------------------------------------------
    def run(self, count=None):
        """emu.run() with the board's requests applied: a PSCI SYSTEM_OFF
        becomes StopReason('shutdown', 0), SYSTEM_RESET reboots (or shuts
        down with no_reboot), CPU_OFF becomes 'halt'."""
        emu = self.emu
        start = emu.icount
        while True:
            left = None if count is None else count - (emu.icount - start)
            if left is not None and left <= 0:  # the budget ran out across a reboot
                return _stop_reason("count", None, emu.reg_read("pc"), emu.icount)
            reason = self._apply_pending(emu.run(left))
            if reason is not None:
                return reason

    def step_block(self):
        """Run one translation block (emu.step_block) with the board's
        requests applied; None while the guest keeps running."""
        reason = self.emu.step_block()
        return None if reason is None else self._apply_pending(reason)

    def _apply_pending(self, reason):
        """The StopReason for what the guest asked of the board (None after
        a reboot: keep running)."""
        pending, self._pending = self._pending, None
        if pending is None or reason.kind not in ("stop", "shutdown", "halt"):
            return reason
        if pending[0] == "reset":
            self._reboot()
            return None
        if pending[0] == "shutdown":
            return _stop_reason("shutdown", pending[1], reason.pc, reason.icount)
        return _stop_reason("halt", None, reason.pc, reason.icount)


# Wall-clock time a guest sees at start-up under -icount (2000-01-01), so
# that runs are reproducible; QEMU's -rtc base plays this role.
ICOUNT_EPOCH = 946684800


def build_virt(ram_size, semihosting=False, uart_out=None, no_reboot=False,
               semihost_out=None, semihost_err=None, *, emu):
    """Set the caller's Emulator up as QEMU's virt board (emu.board is the
    VirtBoard) and return it.  uart_out: binary stream for the PL011
    (default stdout); semihost_out / semihost_err: streams for semihosting
    handles 1/2 (default stdout/stderr).  tcg.emulator.virt_emulator
    builds the Emulator and the board in one call."""
    uart = PL011(uart_out if uart_out is not None else sys.stdout.buffer)
    emu.map_ram(RAM_BASE, ram_size)
    emu.map_mmio(UART_BASE, PL011_SIZE, uart.read, uart.write)
    sh = None
    if semihosting:
        sh = Semihosting(stdout=semihost_out, stderr=semihost_err,
                         ram_base=RAM_BASE, ram_size=ram_size)
        emu.semihost_handler = sh.handle
        sh.clock_ns = emu.guest_time_ns
        if emu.icount_shift is not None:
            sh.epoch = ICOUNT_EPOCH
    board = VirtBoard(emu, ram_size, uart, sh, no_reboot)
    emu.hvc_handler = board.psci.handle
    emu.smc_handler = board.psci.handle
    emu.board = board
    return emu
