"""Serial backends (QEMU's chardevs): where a UART's bytes go and come from.

`open_serial(spec)` turns a `-serial` argument into a backend:

    stdio       output to stdout; input from stdin (raw mode on a tty,
                restored on close/exit) read by a background thread
    mon:stdio   stdio with QEMU's escape keys: Ctrl-A x quits, Ctrl-A h
                prints help, Ctrl-A Ctrl-A (or Ctrl-A a) sends a Ctrl-A
    file:PATH   output to PATH (truncated); no input
    null        output discarded; no input

and `BufferBackend` is the test backend (bytes in with feed(), bytes out in
`.output`).

Threads: input arrives on a reader thread, but device state belongs to the
emulator's thread.  A backend therefore only queues input bytes (a deque:
append/popleft are atomic) and calls `on_input()` -- a hook the board sets
to wake the exec loop (emu.request_stop() plus a flag saying "input is
waiting").  The UART takes the bytes with `take_input(n)` on the emulator's
thread, when the run loop comes back or when the guest reads its status.
Because a wake-up request can race with the exec loop's own updates of its
exit-request word, the reader repeats on_input() until its bytes are taken.
"""

import atexit
import os
import select
import sys
import threading
from collections import deque

CTRL_A = 0x01
REWAKE_S = 0.05          # the reader repeats on_input() this often while input waits

MUX_HELP = (b"\r\n"
            b"C-a h    print this help\r\n"
            b"C-a x    exit emulator\r\n"
            b"C-a C-a  sends C-a\r\n")


class SerialError(Exception):
    """A -serial argument that cannot be opened (message says why)."""


class CharBackend:
    """Base backend: output discarded, no input.  `on_input` (any thread)
    and `on_quit` (mon: Ctrl-A x) are hooks the board sets."""

    def __init__(self):
        self._input = deque()
        self._arrived = threading.Event()
        self.on_input = None
        self.on_quit = None

    # -- output (emulator thread)
    def write(self, data):
        pass

    def flush(self):
        pass

    # -- input
    def has_input(self):
        return bool(self._input)

    def take_input(self, n):
        """Up to n queued input bytes, removed from the queue (emulator thread)."""
        out = bytearray()
        while self._input and len(out) < n:
            out.append(self._input.popleft())
        return bytes(out)

    def wait_input(self, timeout=None):
        """Block until input is queued or timeout seconds pass (for the
        board's WFI idle handler); True when input is waiting."""
        if self._input:
            return True
        self._arrived.clear()
        if self._input:          # arrived between the test and the clear
            return True
        return self._arrived.wait(timeout) or bool(self._input)

    def _queue_input(self, data):
        self._input.extend(data)
        if data:
            self._arrived.set()
            if self.on_input is not None:
                self.on_input()

    def close(self):
        pass


class NullBackend(CharBackend):
    """-serial null: the guest's output goes nowhere."""


class FileBackend(CharBackend):
    """-serial file:PATH: output to a file (QEMU truncates it too)."""

    def __init__(self, path):
        super().__init__()
        try:
            self._file = open(path, "wb")
        except OSError as e:
            raise SerialError("cannot open serial file '%s': %s" % (path, e.strerror)) from None

    def write(self, data):
        self._file.write(data)
        self._file.flush()      # readable while the guest runs, like QEMU's file chardev

    def close(self):
        self._file.close()


class BufferBackend(CharBackend):
    """The test backend: feed(bytes) is input (from any thread), what the
    guest sent is in `.output`."""

    def __init__(self, data=b""):
        super().__init__()
        self.output = bytearray()
        self._input.extend(data)

    def write(self, data):
        self.output += data

    def feed(self, data):
        self._queue_input(bytes(data))


class StdioBackend(CharBackend):
    """-serial stdio.  Output to `out` (stdout); input from the file
    descriptor `in_fd` (stdin) on a daemon thread, started by start()
    (the board calls it once the hooks are set; open_serial does not, so
    that a backend never used for input reads nothing)."""

    def __init__(self, out=None, in_fd=None):
        super().__init__()
        self._out = out if out is not None else sys.stdout.buffer
        self._in_fd = 0 if in_fd is None else in_fd   # the process's stdin
        self._saved_tty = None
        self._thread = None
        self._stop = threading.Event()

    def write(self, data):
        self._out.write(data)
        self._out.flush()       # the guest's output must show up as it runs

    def start(self):
        if self._thread is not None:
            return
        self._enter_raw_mode()
        self._thread = threading.Thread(target=self._reader, name="serial-stdin", daemon=True)
        self._thread.start()

    # -- the reader thread
    def _reader(self):
        fd = self._in_fd
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([fd], [], [], REWAKE_S)
                data = os.read(fd, 256) if ready else None
            except (OSError, ValueError):
                return              # stdin closed under us
            if data == b"":
                self._rewake_until_served()
                return              # EOF: no more input, output still works
            if data:
                self._queue_input(self._filter(data))
            elif self._input and self.on_input is not None:
                self.on_input()     # not taken yet: wake again (see module doc)

    def _rewake_until_served(self):
        while self._input and not self._stop.wait(REWAKE_S):
            if self.on_input is not None:
                self.on_input()

    def _filter(self, data):
        return data

    # -- terminal mode
    def _enter_raw_mode(self):
        """Raw input as QEMU's stdio chardev: no echo, no line editing,
        bytes as typed; output post-processing (\\n -> \\r\\n) and signals
        (Ctrl-C) stay on."""
        try:
            import termios
            if not os.isatty(self._in_fd):
                return
            saved = termios.tcgetattr(self._in_fd)
        except (ImportError, OSError):
            return
        attrs = list(saved)
        attrs[0] &= ~(termios.IGNBRK | termios.BRKINT | termios.PARMRK | termios.ISTRIP
                      | termios.INLCR | termios.IGNCR | termios.ICRNL | termios.IXON)
        attrs[1] |= termios.OPOST
        attrs[3] &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.IEXTEN)
        attrs[2] = (attrs[2] & ~(termios.CSIZE | termios.PARENB)) | termios.CS8
        attrs[6] = list(attrs[6])
        attrs[6][termios.VMIN] = 1
        attrs[6][termios.VTIME] = 0
        termios.tcsetattr(self._in_fd, termios.TCSANOW, attrs)
        self._saved_tty = saved
        atexit.register(self.restore_terminal)

    def restore_terminal(self):
        if self._saved_tty is not None:
            import termios
            try:
                termios.tcsetattr(self._in_fd, termios.TCSANOW, self._saved_tty)
            except OSError:
                pass
            self._saved_tty = None

    def close(self):
        self._stop.set()
        self.restore_terminal()
        try:
            self._out.flush()
        except (OSError, ValueError):
            pass


class MuxStdioBackend(StdioBackend):
    """-serial mon:stdio: stdio with QEMU's Ctrl-A escapes (there is no
    monitor to switch to; Ctrl-A c is ignored)."""

    def __init__(self, out=None, in_fd=None):
        super().__init__(out, in_fd)
        self._escape = False
        self.quit_requested = False

    def _filter(self, data):
        out = bytearray()
        for byte in data:
            if self._escape:
                self._escape = False
                self._escape_key(byte, out)
            elif byte == CTRL_A:
                self._escape = True
            else:
                out.append(byte)
        return bytes(out)

    def _escape_key(self, byte, out):
        if byte in (CTRL_A, ord("a")):
            out.append(CTRL_A)
        elif byte == ord("x"):
            self.write(b"armtcg: Terminated\r\n")
            self.quit_requested = True
            if self.on_quit is not None:
                self.on_quit()
            else:               # nobody to ask: leave as QEMU does, terminal restored
                self.restore_terminal()
                os._exit(0)
        elif byte in (ord("h"), ord("?")):
            self.write(MUX_HELP)


def open_serial(spec, stdout=None, stdin_fd=None):
    """The backend for a -serial argument (stdio, mon:stdio, file:PATH,
    null); raises SerialError for anything else or an unopenable file.
    stdout/stdin_fd default to the process's own."""
    if spec == "stdio":
        return StdioBackend(stdout, stdin_fd)
    if spec == "mon:stdio":
        return MuxStdioBackend(stdout, stdin_fd)
    if spec == "null":
        return NullBackend()
    if spec.startswith("file:") and len(spec) > 5:
        return FileBackend(spec[5:])
    raise SerialError("unsupported -serial '%s' (stdio, mon:stdio, null or file:PATH)" % spec)


class SerialInput:
    """The wiring between a backend's reader thread and the emulator's
    thread, for the board's run loop:

        serial = SerialInput(emu, uart, backend)   # sets the hooks, starts stdin
        ...
        reason = emu.run(left)
        if serial.service(reason):                 # our wake-up: input moved in
            continue                               # keep running
        if serial.quit_requested: ...              # mon:stdio Ctrl-A x

    The reader thread only sets flags and asks the exec loop to stop
    (emu.request_stop()); the UART takes the bytes in service(), on the
    emulator's thread.  idle(timeout) is for the WFI idle handler: it
    sleeps until input (or timeout seconds) and moves it in."""

    def __init__(self, emu, uart, backend):
        self.emu = emu
        self.uart = uart
        self.backend = backend
        self.wake_pending = False
        self.quit_requested = False
        if backend is None or not hasattr(backend, "take_input"):
            return
        backend.on_input = self._wake
        backend.on_quit = self._quit
        if hasattr(backend, "start"):
            backend.start()

    def _wake(self):                 # reader thread
        self.wake_pending = True
        self.emu.request_stop()

    def _quit(self):                 # reader thread
        self.quit_requested = True
        self.emu.request_stop()

    def service(self, reason):
        """True when `reason` is the stop our wake-up caused (the input is
        now in the UART and the guest should go on running)."""
        if reason.kind != "stop" or not self.wake_pending or self.quit_requested:
            return False
        self.wake_pending = False
        self.uart.poll_input()
        return True

    def idle(self, timeout):
        """Sleep until input arrives or timeout (seconds) passes; True if
        input was moved into the UART."""
        if self.backend is None or not hasattr(self.backend, "wait_input"):
            return False
        if self.backend.wait_input(timeout):
            self.wake_pending = False
            return self.uart.poll_input() > 0
        return False
