"""ARM semihosting (ARM IHI 0057 "Semihosting for AArch32 and AArch64").

With `-semihosting` the frontend turns `SVC 0x123456` (A32) into a trap and
the emulator calls `emu.semihost_handler(emu)`: r0 holds the operation, r1
its argument (a value or the address of a parameter block of 32-bit words);
the result goes back in r0.  SYS_EXIT/SYS_EXIT_EXTENDED return a
StopReason('shutdown', exit_code) which ends the run.

Exit codes as QEMU: SYS_EXIT (A32: r1 is the reason itself) exits 0 for
ADP_Stopped_ApplicationExit and 1 for any other reason; SYS_EXIT_EXTENDED
(r1 -> {reason, subcode}) exits with subcode for ApplicationExit, else 1.

Handles 0/1/2 are pre-opened on stdin/stdout/stderr (QEMU 7.2 opens
nothing: guests there must SYS_OPEN ":tt" first, which works here too).
As QEMU 7.2 without a semihosting chardev, SYS_WRITEC/SYS_WRITE0 write to
the semihosting console, which is stderr, and SYS_ISTTY of a ":tt" handle
tells whether that host stream is a terminal.
SYS_HEAPINFO follows QEMU 7.2 as measured: heap from the end of the loaded
image to the top of RAM, stack base at the top of RAM, stack limit at the
end of the image.  SYS_SYSTEM and SYS_TMPNAM are refused (-1).
"""

import errno
import os
import sys
import time

from runtime.stop import StopReason

ADP_STOPPED_APPLICATION_EXIT = 0x20026

# console modes of SYS_OPEN ":tt": 0-3 read, 4-7 write, 8-11 append (stderr)
OPEN_MODES = ("rb", "rb", "r+b", "r+b", "wb", "wb", "w+b", "w+b",
              "ab", "ab", "a+b", "a+b")

WRITE0_CHUNK = 256


class GuestMemory:
    """Guest memory as the guest sees it: virtual addresses when the lead's
    Emulator offers virt_read/virt_write, else physical (the MMU is off)."""

    def __init__(self, emu):
        self.read = getattr(emu, "virt_read", None) or emu.mem_read
        self.write = getattr(emu, "virt_write", None) or emu.mem_write

    def words(self, addr, n):
        data = self.read(addr, 4 * n)
        return [int.from_bytes(data[4 * i:4 * i + 4], "little") for i in range(n)]

    def write_words(self, addr, values):
        self.write(addr, b"".join((v & 0xFFFFFFFF).to_bytes(4, "little") for v in values))

    def cstring(self, addr, limit=1 << 20):
        out = bytearray()
        while len(out) < limit:
            chunk = self.read(addr + len(out), WRITE0_CHUNK - ((addr + len(out)) % WRITE0_CHUNK))
            end = chunk.find(b"\0")
            if end >= 0:
                out += chunk[:end]
                break
            out += chunk
        return bytes(out)


class Handle:
    __slots__ = ("stream", "console", "owned")

    def __init__(self, stream, console, owned):
        self.stream = stream
        self.console = console   # a console stream: never seeked or closed
        self.owned = owned       # we opened it: close it on SYS_CLOSE


def _stop_reason(kind, exit_code, pc, icount):
    return StopReason(kind, exit_code, pc, icount)


class Semihosting:
    """The semihosting host side of one board.

    stdout/stderr/stdin: binary streams (stderr also receives SYS_WRITEC /
    SYS_WRITE0).  ram_base/ram_size and image_end (set by the board after
    loading) feed SYS_HEAPINFO; cmdline feeds SYS_GET_CMDLINE."""

    def __init__(self, stdout=None, stderr=None, stdin=None,
                 ram_base=0x40000000, ram_size=128 << 20, cmdline=""):
        self.stdout = stdout if stdout is not None else sys.stdout.buffer
        self.stderr = stderr if stderr is not None else sys.stderr.buffer
        self.stdin = stdin if stdin is not None else sys.stdin.buffer
        self.ram_base = ram_base
        self.ram_size = ram_size
        self.image_end = ram_base
        self.cmdline = cmdline
        self.errno = 0
        self.start = time.monotonic()
        # Guest time in ns since start-up; the board points it at the
        # emulator's clock (instruction-count based under -icount).
        self.clock_ns = lambda: int((time.monotonic() - self.start) * 1e9)
        self.epoch = None         # SYS_TIME base; None: host wall clock
        self.handles = {0: Handle(self.stdin, True, False),
                        1: Handle(self.stdout, True, False),
                        2: Handle(self.stderr, True, False)}
        self.ops = {
            0x01: self.sys_open, 0x02: self.sys_close, 0x03: self.sys_writec,
            0x04: self.sys_write0, 0x05: self.sys_write, 0x06: self.sys_read,
            0x07: self.sys_readc, 0x08: self.sys_iserror, 0x09: self.sys_istty,
            0x0A: self.sys_seek, 0x0C: self.sys_flen, 0x0E: self.sys_remove,
            0x0F: self.sys_rename, 0x10: self.sys_clock, 0x11: self.sys_time,
            0x13: self.sys_errno, 0x15: self.sys_get_cmdline,
            0x16: self.sys_heapinfo, 0x18: self.sys_exit,
            0x20: self.sys_exit_extended, 0x30: self.sys_elapsed,
            0x31: self.sys_tickfreq,
        }

    # emu.semihost_handler
    def handle(self, emu):
        op = emu.reg_read("r0")
        arg = emu.reg_read("r1")
        fn = self.ops.get(op)
        mem = GuestMemory(emu)
        if fn is None:
            self.errno = errno.ENOSYS
            result = -1
        else:
            result = fn(mem, arg)
        if isinstance(result, tuple):  # ("exit", code)
            return _stop_reason("shutdown", result[1], emu.reg_read("pc"), emu.icount)
        if result is not None:
            emu.reg_write("r0", result & 0xFFFFFFFF)
        return None

    # ---- helpers ------------------------------------------------------------
    def _fail(self, exc_or_errno):
        self.errno = getattr(exc_or_errno, "errno", None) or (
            exc_or_errno if isinstance(exc_or_errno, int) else errno.EIO)
        return -1

    def _handle(self, h):
        handle = self.handles.get(h)
        if handle is None:
            self.errno = errno.EBADF
        return handle

    def _put(self, stream, data):
        stream.write(data)
        stream.flush()

    def _new_handle(self, handle):
        h = 3
        while h in self.handles:
            h += 1
        self.handles[h] = handle
        return h

    # ---- console ------------------------------------------------------------
    def sys_writec(self, mem, arg):
        self._put(self.stderr, mem.read(arg, 1))
        return None  # r0 is corrupted by the call: leave it

    def sys_write0(self, mem, arg):
        self._put(self.stderr, mem.cstring(arg))
        return None

    def sys_readc(self, mem, arg):
        data = self.stdin.read(1)
        return data[0] if data else -1

    # ---- files --------------------------------------------------------------
    def sys_open(self, mem, arg):
        name_ptr, mode, length = mem.words(arg, 3)
        if mode >= len(OPEN_MODES):
            return self._fail(errno.EINVAL)
        name = mem.read(name_ptr, length)
        if name == b":tt":
            stream = self.stdin if mode < 4 else self.stdout if mode < 8 else self.stderr
            return self._new_handle(Handle(stream, True, False))
        try:
            stream = open(os.fsdecode(name), OPEN_MODES[mode])
        except OSError as e:
            return self._fail(e)
        return self._new_handle(Handle(stream, False, True))

    def sys_close(self, mem, arg):
        (h,) = mem.words(arg, 1)
        handle = self._handle(h)
        if handle is None:
            return -1
        del self.handles[h]
        if handle.owned:
            handle.stream.close()
        return 0

    def sys_write(self, mem, arg):
        h, buf, length = mem.words(arg, 3)
        handle = self._handle(h)
        if handle is None:
            return length
        try:
            self._put(handle.stream, mem.read(buf, length))
        except (OSError, ValueError) as e:
            self._fail(e)
            return length
        return 0  # bytes NOT written

    def sys_read(self, mem, arg):
        h, buf, length = mem.words(arg, 3)
        handle = self._handle(h)
        if handle is None:
            return -1
        try:
            if handle.console:
                read1 = getattr(handle.stream, "read1", handle.stream.read)
                data = read1(length) if length else b""
            else:
                data = handle.stream.read(length)
        except (OSError, ValueError) as e:
            return self._fail(e)
        mem.write(buf, data)
        return length - len(data)  # bytes NOT read

    def sys_iserror(self, mem, arg):
        (status,) = mem.words(arg, 1)
        return 1 if status & 0x80000000 else 0

    def sys_istty(self, mem, arg):
        (h,) = mem.words(arg, 1)
        handle = self._handle(h)
        if handle is None:
            return -1
        if not handle.console:
            return 0
        isatty = getattr(handle.stream, "isatty", None)
        return 1 if isatty is not None and isatty() else 0

    def sys_seek(self, mem, arg):
        h, pos = mem.words(arg, 2)
        handle = self._handle(h)
        if handle is None:
            return -1
        if handle.console:
            return self._fail(errno.ESPIPE)
        try:
            handle.stream.seek(pos)
        except (OSError, ValueError) as e:
            return self._fail(e)
        return 0

    def sys_flen(self, mem, arg):
        (h,) = mem.words(arg, 1)
        handle = self._handle(h)
        if handle is None:
            return -1
        if handle.console:
            return self._fail(errno.ESPIPE)
        try:
            handle.stream.flush()
            return os.fstat(handle.stream.fileno()).st_size
        except (OSError, ValueError) as e:
            return self._fail(e)

    def sys_remove(self, mem, arg):
        name_ptr, length = mem.words(arg, 2)
        try:
            os.remove(os.fsdecode(mem.read(name_ptr, length)))
        except OSError as e:
            return self._fail(e)
        return 0

    def sys_rename(self, mem, arg):
        old_ptr, old_len, new_ptr, new_len = mem.words(arg, 4)
        try:
            os.rename(os.fsdecode(mem.read(old_ptr, old_len)),
                      os.fsdecode(mem.read(new_ptr, new_len)))
        except OSError as e:
            return self._fail(e)
        return 0

    # ---- time, environment --------------------------------------------------
    def sys_clock(self, mem, arg):
        return self.clock_ns() // 10_000_000  # centiseconds

    def sys_time(self, mem, arg):
        if self.epoch is None:
            return int(time.time())
        return self.epoch + self.clock_ns() // 1_000_000_000

    def sys_elapsed(self, mem, arg):
        ticks = self.clock_ns() // 1000       # SYS_TICKFREQ is 1 MHz
        mem.write_words(arg, [ticks & 0xFFFFFFFF, ticks >> 32])
        return 0

    def sys_tickfreq(self, mem, arg):
        return 1_000_000

    def sys_errno(self, mem, arg):
        return self.errno

    def sys_get_cmdline(self, mem, arg):
        buf, size = mem.words(arg, 2)
        text = self.cmdline.encode() + b"\0"
        if len(text) > size:
            return -1
        mem.write(buf, text)
        mem.write_words(arg + 4, [len(text) - 1])
        return 0

    def sys_heapinfo(self, mem, arg):
        (block,) = mem.words(arg, 1)  # r1 points at a pointer to the block
        ram_top = self.ram_base + self.ram_size
        mem.write_words(block, [self.image_end, ram_top, ram_top, self.image_end])
        return 0

    # ---- exit ---------------------------------------------------------------
    def sys_exit(self, mem, arg):
        return ("exit", 0 if arg == ADP_STOPPED_APPLICATION_EXIT else 1)

    def sys_exit_extended(self, mem, arg):
        reason, subcode = mem.words(arg, 2)
        code = subcode if reason == ADP_STOPPED_APPLICATION_EXIT else 1
        return ("exit", code)
