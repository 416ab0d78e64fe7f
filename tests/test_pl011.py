"""PL011 UART: register map, receive FIFO, interrupts, serial backends.

Expected values cite the PL011 TRM (ARM DDI 0183G) or, where the model
follows QEMU 7.2 instead, hw/char/pl011.c (see runtime/devices/pl011.py).
"""

import io
import os
import shutil
import subprocess
import threading
import time

import pytest

import guestlib

from runtime import chardev
from runtime.devices import pl011
from runtime.devices.pl011 import PL011


needs_gcc = pytest.mark.skipif(shutil.which(guestlib.CROSS + "gcc") is None,
                               reason="no arm-none-eabi-gcc")


def uart(**kw):
    u = PL011(chardev.BufferBackend(), **kw)
    levels = []
    u.intr.connect(levels.append)
    return u, u.backend, levels


# ---- register map -----------------------------------------------------------------

def test_reset_values():
    u, _, _ = uart()
    assert u.read(pl011.FR, 4) == 0x90            # TRM 3.3.3: TXFE=1 RXFE=1 after reset
    assert u.read(pl011.CR, 4) == 0x300           # TRM 3.3.8: TXE=1 RXE=1, UARTEN=0
    assert u.read(pl011.IFLS, 4) == 0x12          # TRM 3.3.9: both levels 1/2 full
    for reg in (pl011.ILPR, pl011.IBRD, pl011.FBRD, pl011.LCR_H, pl011.IMSC,
                pl011.RIS, pl011.MIS, pl011.DMACR, pl011.RSR_ECR):
        assert u.read(reg, 4) == 0                # TRM table 3-1 reset values


def test_register_widths():
    u, _, _ = uart()
    for reg, width in ((pl011.ILPR, 0xFF), (pl011.IBRD, 0xFFFF), (pl011.FBRD, 0x3F),
                       (pl011.IFLS, 0x3F), (pl011.IMSC, 0x7FF), (pl011.DMACR, 0x7)):
        u.write(reg, 4, 0xFFFFFFFF)
        assert u.read(reg, 4) == width            # TRM 3.3.4-3.3.10 field widths
    u.write(pl011.FR, 4, 0)                       # FR is read-only (TRM 3.3.3)
    assert u.read(pl011.FR, 4) == 0x90


def test_peripheral_and_cell_ids():
    u, _, _ = uart()
    ids = [u.read(0xFE0 + 4 * i, 4) for i in range(8)]
    # TRM 3.3.14-15: PeriphID = 0x00141011 (r1p5), PCellID = 0xB105F00D
    assert ids == [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]


def test_unmapped_offsets_read_zero():
    u, _, _ = uart()
    assert u.read(0x04C, 4) == 0 and u.read(0x800, 4) == 0


# ---- transmit ---------------------------------------------------------------------

def test_transmit_goes_to_backend_and_raises_txris():
    u, b, levels = uart()
    u.write(pl011.DR, 4, 0x141)                   # TRM 3.3.1: bits 7:0 are the data
    assert bytes(b.output) == b"A"
    # QEMU pl011_write: every DR write sets TXRIS; TRM 3.4.2: TXINTR once the
    # FIFO is at or below its level (the instant FIFO always is)
    assert u.read(pl011.RIS, 4) == pl011.INT_TX
    assert u.read(pl011.MIS, 4) == 0 and levels == [0]
    u.write(pl011.IMSC, 4, pl011.INT_TX)
    assert u.read(pl011.MIS, 4) == pl011.INT_TX and levels == [0, 1]
    u.write(pl011.ICR, 4, pl011.INT_TX)           # TRM 3.3.14: ICR write-1-clears
    assert u.read(pl011.RIS, 4) == 0 and levels == [0, 1, 0]
    u.write(pl011.DR, 4, ord("B"))                # Linux's pl011_int: next chunk
    assert levels == [0, 1, 0, 1]


def test_tx_never_full_or_busy():
    u, _, _ = uart()
    for ch in range(40):
        u.write(pl011.DR, 4, ch)
        fr = u.read(pl011.FR, 4)
        assert fr & pl011.FR_TXFE and not fr & (pl011.FR_TXFF | pl011.FR_BUSY)


def test_stream_and_none_outputs():
    out = io.BytesIO()
    u = PL011(out)
    u.write(pl011.DR, 1, ord("x"))
    assert out.getvalue() == b"x"
    PL011(None).write(pl011.DR, 4, ord("y"))      # discarded


# ---- receive ----------------------------------------------------------------------

def test_holding_register_without_fifo():
    u, b, levels = uart()
    b.feed(b"ab")
    # TRM 2.4.3: FEN=0 -> 1-byte holding register; FR.RXFF when it is full
    assert u.read(pl011.FR, 4) == pl011.FR_TXFE | pl011.FR_RXFF
    assert u.read(pl011.RIS, 4) == pl011.INT_RX   # QEMU: RXRIS at 1 byte
    assert u.read(pl011.DR, 4) == ord("a")
    # the backend's second byte moves in once there is room (QEMU accept_input)
    assert u.read(pl011.DR, 4) == ord("b")
    assert u.read(pl011.FR, 4) & pl011.FR_RXFE
    assert u.read(pl011.RIS, 4) == 0              # FIFO empty: RXRIS falls
    assert u.read(pl011.RSR_ECR, 4) == 0          # nothing lost


def test_fifo_of_sixteen():
    u, b, _ = uart()
    u.write(pl011.LCR_H, 4, pl011.LCR_H_FEN)
    b.feed(bytes(range(0x41, 0x41 + 20)))
    fr = u.read(pl011.FR, 4)
    assert fr & pl011.FR_RXFF and not fr & pl011.FR_RXFE   # TRM 2.4.3: 16 entries
    assert len(u.rx_fifo) == 16 and len(b._input) == 4
    got = bytes(u.read(pl011.DR, 4) for _ in range(20))
    assert got == bytes(range(0x41, 0x41 + 20))
    assert u.read(pl011.FR, 4) & pl011.FR_RXFE


def test_rx_interrupt_masked_and_unmasked():
    u, b, levels = uart()
    u.write(pl011.IMSC, 4, pl011.INT_RX | pl011.INT_RT)
    b.feed(b"z")
    u.poll_input()                                # the board's hook (emulator thread)
    assert levels == [0, 1]
    assert u.read(pl011.MIS, 4) == pl011.INT_RX   # TRM 3.3.13: MIS = RIS & IMSC
    assert u.read(pl011.DR, 4) == ord("z")
    assert levels == [0, 1, 0]                    # empty FIFO: RXINTR drops


def test_toggling_fen_flushes_rx():
    u, b, _ = uart()
    b.feed(b"q")
    u.poll_input()
    u.write(pl011.LCR_H, 4, pl011.LCR_H_FEN)      # QEMU: FEN change resets the FIFOs
    assert u.read(pl011.FR, 4) & pl011.FR_RXFE and u.read(pl011.RIS, 4) == 0


def test_wire_receive_overruns():
    u, _, _ = uart()
    u.receive(b"ab")
    # TRM 3.3.2: OE when a character arrives with the FIFO full; RIS.OERIS
    assert u.read(pl011.RSR_ECR, 4) & pl011.RSR_OE
    assert u.read(pl011.RIS, 4) & pl011.INT_OE
    assert u.read(pl011.DR, 4) == ord("a")
    u.write(pl011.RSR_ECR, 4, 0)                  # ECR: a write clears the errors
    assert u.read(pl011.RSR_ECR, 4) == 0


def test_loopback():
    u, b, _ = uart()
    u.write(pl011.CR, 4, pl011.CR_LBE | pl011.CR_TXE | pl011.CR_RXE | pl011.CR_UARTEN)
    b.feed(b"x")                                  # TRM 3.3.8 LBE: the RX wire is ignored
    u.write(pl011.DR, 4, ord("L"))
    assert u.read(pl011.DR, 4) == ord("L")
    assert u.read(pl011.FR, 4) & pl011.FR_RXFE


def test_reset_and_state():
    u, b, _ = uart()
    u.write(pl011.IBRD, 4, 0x12)
    b.feed(b"s")
    u.poll_input()
    state = u.get_state()
    v = PL011(None)
    v.set_state(state, PL011.STATE_VERSION)
    assert v.get_state() == state and v.read(pl011.DR, 4) == ord("s")
    with pytest.raises(ValueError):
        v.set_state(state, 1)
    u.reset()
    assert u.read(pl011.IBRD, 4) == 0 and u.read(pl011.FR, 4) & pl011.FR_RXFE


# ---- backends ---------------------------------------------------------------------

def test_open_serial_specs(tmp_path):
    assert isinstance(chardev.open_serial("null"), chardev.NullBackend)
    assert isinstance(chardev.open_serial("stdio"), chardev.StdioBackend)
    assert isinstance(chardev.open_serial("mon:stdio"), chardev.MuxStdioBackend)
    path = tmp_path / "out.txt"
    f = chardev.open_serial("file:%s" % path)
    u = PL011(f)
    for ch in b"to file":
        u.write(pl011.DR, 4, ch)
    assert path.read_bytes() == b"to file"        # flushed as written
    f.close()
    for bad in ("tcp:1", "file:", "pty"):
        with pytest.raises(chardev.SerialError):
            chardev.open_serial(bad)
    with pytest.raises(chardev.SerialError, match="cannot open"):
        chardev.open_serial("file:%s/no/such/dir/x" % tmp_path)


def test_wait_input_wakes_on_feed():
    b = chardev.BufferBackend()
    assert not b.wait_input(0)
    t = threading.Timer(0.05, b.feed, (b"k",))
    t.start()
    assert b.wait_input(10)                       # returns once the byte is queued
    t.join()
    assert b.take_input(4) == b"k"


def test_serial_input_wiring():
    class Emu:
        stops = 0

        def request_stop(self):
            self.stops += 1
    emu, u = Emu(), PL011(None)
    b = chardev.BufferBackend()
    serial = chardev.SerialInput(emu, u, b)
    u.attach(b)
    b.feed(b"x")                                  # as from the reader thread
    assert emu.stops == 1 and serial.wake_pending and not u.rx_fifo
    from collections import namedtuple
    Stop = namedtuple("Stop", "kind")
    assert not serial.service(Stop("count"))      # not our stop
    assert serial.service(Stop("stop")) and list(u.rx_fifo) == [ord("x")]
    assert not serial.service(Stop("stop"))       # a stop nobody asked for is the caller's
    b.on_quit()
    assert serial.quit_requested and emu.stops == 2
    u.read(pl011.DR, 4)
    t = threading.Timer(0.05, b.feed, (b"y",))
    t.start()
    assert serial.idle(10) and list(u.rx_fifo) == [ord("y")]
    t.join()


def test_null_discards_output(capfd):
    u = PL011(chardev.open_serial("null"))
    u.write(pl011.DR, 4, ord("n"))
    assert capfd.readouterr().out == ""


def _stdio_backend(cls, on_input=None):
    r, w = os.pipe()
    out = io.BytesIO()
    b = cls(out=out, in_fd=r)
    b.on_input = on_input
    return b, w, out


def _wait_input(b, n):
    got = bytearray()
    for _ in range(200):
        got += b.take_input(64)
        if len(got) >= n:
            break
        threading.Event().wait(0.01)
    return bytes(got)


def test_stdio_reader_thread_queues_and_wakes():
    woken = threading.Event()
    b, w, out = _stdio_backend(chardev.StdioBackend, woken.set)
    b.start()
    os.write(w, b"hi\n")
    assert woken.wait(5)                          # on_input called from the reader
    assert _wait_input(b, 3) == b"hi\n"
    b.write(b"out")
    assert out.getvalue() == b"out"
    b.close()
    os.close(w)


def test_mon_stdio_escapes():
    quit_ = threading.Event()
    b, w, out = _stdio_backend(chardev.MuxStdioBackend, lambda: None)
    b.on_quit = quit_.set
    b.start()
    os.write(w, b"a\x01\x01b\x01ac\x01h")         # QEMU mux: C-a C-a sends C-a; C-a h help
    assert _wait_input(b, 5) == b"a\x01b\x01c"
    for _ in range(200):
        if b"exit emulator" in out.getvalue():
            break
        threading.Event().wait(0.01)
    assert b"C-a x    exit emulator" in out.getvalue()
    os.write(w, b"\x01x")                         # C-a x: quit
    assert quit_.wait(5) and b.quit_requested
    b.close()
    os.close(w)


def test_reader_rewakes_and_still_quits_while_input_waits():
    wakes = []
    b, w, out = _stdio_backend(chardev.MuxStdioBackend, lambda: wakes.append(1))
    quit_ = threading.Event()
    b.on_quit = quit_.set
    b.start()
    os.write(w, b"abc")                           # nobody takes it (a full FIFO, say)
    for _ in range(500):
        if len(wakes) >= 3:
            break
        threading.Event().wait(0.01)
    assert len(wakes) >= 3                        # woken again while it waits
    os.write(w, b"\x01x")
    assert quit_.wait(5)                          # C-a x is read all the same
    b.close()
    os.close(w)


def test_stdio_raw_mode_is_restored():
    pty = pytest.importorskip("pty")
    termios = pytest.importorskip("termios")
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    b = chardev.StdioBackend(out=io.BytesIO(), in_fd=slave)
    b.start()
    raw = termios.tcgetattr(slave)
    assert not raw[3] & (termios.ECHO | termios.ICANON)   # no echo, no line editing
    b.close()
    assert termios.tcgetattr(slave) == before
    os.close(master)
    os.close(slave)


# ---- guest: receive by polling and by interrupt ------------------------------------

RX_EXPECTED = (b"fr=90 ris=0\n"          # TRM table 3-1: FR = TXFE|RXFE at reset
               b"ready1\npolled: hello\nready2\nirq: world\n"
               b"irqs>0=1 fr.rxfe=1 mis=0\n")   # TRM 3.3.13: MIS clear once drained


# each line is sent once the guest printed its prompt, so that what the
# guest sees does not depend on when the host delivers it
RX_DIALOGUE = ((b"ready1\n", b"hello\n"), (b"ready2\n", b"world\n"))


class FakeGIC:
    """Stands in for the GIC until the board has one: the CPU interface's
    IAR answers INTID 33 (SPI 1, the UART) while the UART's line is high,
    else 1023 (spurious, GIC spec IHI 0048B 4.4.4); all else RAZ/WI."""

    def __init__(self, line):
        self.line = line

    def read(self, offset, size):
        if offset == 0x1000C:
            return 33 if self.line.level else 1023
        return 0

    def write(self, offset, size, value):
        pass


def run_uart_guest(emu, uart, backend):
    """board.run() with chardev.SerialInput, as the board is to use it:
    the backend's reader wakes the exec loop and the UART takes the bytes
    on this thread."""
    serial = chardev.SerialInput(emu, uart, backend)
    give_up = time.monotonic() + 120        # a guard against a hang, not a timing check
    while True:
        reason = emu.board.run(5_000_000)
        if serial.service(reason):
            continue
        if reason.kind != "count" or time.monotonic() > give_up:
            return reason


@needs_gcc
def test_guest_receives_by_polling_and_interrupt():
    elf = guestlib.build_sysguest("dev_uart_rx")
    backend = chardev.BufferBackend()
    emu, uart = virt_with_uart_irq(backend)
    emu.board.load(str(elf))

    def feeder():       # input comes from another thread, as stdin's would
        for prompt, line in RX_DIALOGUE:
            for _ in range(4000):
                if prompt in backend.output:
                    break
                threading.Event().wait(0.005)
            backend.feed(line)
    t = threading.Thread(target=feeder, daemon=True)
    t.start()
    reason = run_uart_guest(emu, uart, backend)
    t.join(10)
    assert reason.kind == "shutdown", (reason, bytes(backend.output))
    assert bytes(backend.output) == RX_EXPECTED


@pytest.mark.qemu
@needs_gcc
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm is not installed")
def test_guest_receive_matches_qemu():
    elf = guestlib.build_sysguest("dev_uart_rx")
    p = subprocess.Popen([guestlib.QEMU, *guestlib.QEMU_ARGS, "-kernel", str(elf)],
                         stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = bytearray()
    try:
        for prompt, line in RX_DIALOGUE:
            while prompt not in out:
                chunk = p.stdout.read1(256)
                if not chunk:
                    break
                out += chunk
            p.stdin.write(line)
            p.stdin.flush()
        rest, _ = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        rest, _ = p.communicate()
    assert bytes(out) + rest == RX_EXPECTED


# ---- guest: interrupt-driven transmit as Linux does it ----------------------------

TX_EXPECTED = (b"unmasked: ris=0 mis=0\n"              # QEMU 7.2: TXRIS only from DR writes
               b"ris before: 0\n"
               b"t"                                     # written directly...
               b"ris after write: 20\n"                  # ...sets TXRIS (QEMU pl011_write)
               b"he quick brown fox jumps over the lazy dog\n"
               b"THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG\n"
               b"irqs: 11 mis: 0 ris: 20\n"             # 87 bytes, 8 per interrupt
               b"after icr: 0\n")                        # TRM 3.3.14: ICR clears TXRIS


def virt_with_uart_irq(backend):
    """build_virt with the UART's interrupt reaching the CPU: through the
    board's GIC once it has one, else through FakeGIC."""
    from tcg.emulator import virt_emulator
    emu = virt_emulator(128 << 20, uart_out=backend)
    uart = emu.board.uart
    if not any(base == 0x08000000 for base, _, _ in emu.cpu.regions()):
        emu.map_mmio(0x08000000, 0x20000, device=FakeGIC(uart.intr))
        uart.intr.connect(lambda level: emu.cpu.set_irq_line(1, level))   # IRQ_LINE_IRQ
    return emu, uart


@needs_gcc
def test_guest_transmits_by_interrupt():
    backend = chardev.BufferBackend()
    emu, uart = virt_with_uart_irq(backend)
    emu.board.load(str(guestlib.build_sysguest("dev_uart_tx")))
    reason = emu.board.run(20_000_000)
    assert reason.kind == "shutdown", (reason, bytes(backend.output))
    assert bytes(backend.output) == TX_EXPECTED


@pytest.mark.qemu
@needs_gcc
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm is not installed")
def test_guest_transmit_matches_qemu():
    out, status = guestlib.run_qemu(guestlib.build_sysguest("dev_uart_tx"))
    assert out == TX_EXPECTED and status == 0


RUN_WITH_STDIO = r"""
import sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {tests!r})
from runtime import chardev
from test_pl011 import virt_with_uart_irq, run_uart_guest
backend = chardev.open_serial({spec!r})
emu, uart = virt_with_uart_irq(backend)
emu.board.load({elf!r})
reason = run_uart_guest(emu, uart, backend)
backend.close()
sys.exit(0 if reason.kind == "shutdown" else 3)
"""


@needs_gcc
@pytest.mark.parametrize("spec", ["stdio", "mon:stdio"])
def test_stdio_backend_feeds_the_guest_from_a_pipe(spec):
    """The real stdin reader thread and wake-up path, with stdin a pipe."""
    import sys
    from pathlib import Path
    elf = guestlib.build_sysguest("dev_uart_rx")
    tests = Path(__file__).parent
    code = RUN_WITH_STDIO.format(root=str(tests.parent), tests=str(tests), spec=spec,
                                 elf=str(elf))
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = bytearray()
    try:
        for prompt, line in RX_DIALOGUE:
            while prompt not in out:
                chunk = p.stdout.read1(256)
                if not chunk:
                    break
                out += chunk
            p.stdin.write(line)
            p.stdin.flush()
        rest, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        rest, err = p.communicate()
    assert bytes(out) + rest == RX_EXPECTED, err.decode(errors="replace")[-2000:]
    assert p.returncode == 0


@needs_gcc
def test_mon_stdio_ctrl_a_x_stops_the_guest():
    import sys
    from pathlib import Path
    elf = guestlib.build_sysguest("dev_uart_rx")
    tests = Path(__file__).parent
    code = RUN_WITH_STDIO.format(root=str(tests.parent), tests=str(tests), spec="mon:stdio",
                                 elf=str(elf))
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = bytearray()
    try:
        while b"ready1\n" not in out:
            chunk = p.stdout.read1(256)
            if not chunk:
                break
            out += chunk
        p.stdin.write(b"\x01x")            # QEMU's mux: C-a x exits
        p.stdin.flush()
        rest, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        rest, err = p.communicate()
    assert (bytes(out) + rest).endswith(b"ready1\narmtcg: Terminated\r\n")
    assert p.returncode == 3                # the run loop saw a stop that is not input
