"""The GDB remote serial protocol server (`-s`, `-gdb tcp:HOST:PORT`, `-S`).

A tool on top of the Emulator (docs/ARCHITECTURE.md, "gdbstub"): it drives
a board's run loop and the Emulator's debug verbs -- breakpoint_insert/
remove (blocks end before a breakpoint and none starts at one, so compiled
code honours it too), set_watchpoints (the soft TLB sends the watched pages
to the slow path, which stops before a matching access), step_over (exactly
one instruction: run(count=1), which every engine runs as a
single-instruction block).  Nothing here is on the hot path.

Registers are described to gdb with target XML: org.gnu.gdb.arm.core,
org.gnu.gdb.arm.vfp (d0-d31, fpscr) and org.qemu.gdb.arm.sys.regs, the
cp15/cp14 registers that have raw accessors (runtime/cp15.py), read and
written through them.  Memory goes through the guest's current
translation, or is physical after `maintenance packet Qqemu.PhyMemMode:1`
(as QEMU).  One thread per CPU (one CPU today).
"""

import select
import socket
import threading

from runtime.abi import WATCH_READ, WATCH_WRITE, MAX_WATCHPOINTS, EXIT_REQ_STOP
from runtime.stop import StopReason

DEFAULT_PORT = 1234
PACKET_SIZE = 0x4000         # what qSupported advertises (and the longest packet taken)
SIGINT, SIGTRAP = 2, 5
NUM_CORE = 16                # r0-r12, sp, lr, pc
REG_CPSR = 16
REG_D0 = 17                  # d0-d31 (64-bit), then fpscr
REG_FPSCR = REG_D0 + 32
REG_SYS0 = REG_FPSCR + 1     # the system registers, in table order
# Z packet types -> watchpoint kinds (2 write, 3 read, 4 access)
WATCH_KINDS = {2: WATCH_WRITE, 3: WATCH_READ, 4: WATCH_READ | WATCH_WRITE}
WATCH_REPLY = {WATCH_WRITE: "watch", WATCH_READ: "rwatch", WATCH_READ | WATCH_WRITE: "awatch"}
E_INVAL, E_FAULT, E_NOSPC = "E16", "E0e", "E1c"   # errno values, as gdbserver replies


class GdbError(Exception):
    """The port cannot be opened."""


class PacketError(Exception):
    """A packet with bad arguments: answered with an E reply."""


def checksum(data):
    return sum(data) & 0xFF


def frame(payload):
    data = payload.encode("latin-1") if isinstance(payload, str) else payload
    return b"$" + data + b"#%02x" % checksum(data)


def escape(data):
    """Binary data in a reply: '#', '$', '}' and '*' as '}' + (byte xor 0x20)."""
    out = bytearray()
    for c in data:
        out += bytes((0x7D, c ^ 0x20)) if c in b"#$}*" else bytes((c,))
    return bytes(out)


def unescape(data):
    """The binary data of an X packet: '}' escapes the next byte (xor 0x20)."""
    out = bytearray()
    it = iter(data)
    for c in it:
        out.append(next(it, 0) ^ 0x20 if c == 0x7D else c)
    return bytes(out)


# ---- registers ---------------------------------------------------------------

def _reg_xml(name, regnum, bits, type_="int", group=None):
    g = ' group="%s"' % group if group else ""
    return '<reg name="%s" bitsize="%d" regnum="%d" type="%s"%s/>' % (name, bits, regnum,
                                                                       type_, g)


class Registers:
    """The register numbering of the target description and the accessors
    behind each number: (name, bytes, read(), write(value))."""

    def __init__(self, emu):
        self.emu = emu
        cpu, table = emu.cpu, emu.cp15.TABLE
        regs = [("r%d" % i if i < 13 else ("sp", "lr", "pc")[i - 13], 4,
                 lambda i=i: cpu.reg_read(i), lambda v, i=i: cpu.reg_write(i, v))
                for i in range(NUM_CORE)]
        regs.append(("cpsr", 4, lambda: cpu.reg_read("cpsr"),
                     lambda v: cpu.reg_write("cpsr", v)))
        regs += [("d%d" % i, 8, lambda i=i: cpu.reg_read("d%d" % i),
                  lambda v, i=i: cpu.reg_write("d%d" % i, v)) for i in range(32)]
        regs.append(("fpscr", 4, lambda: cpu.reg_read("fpscr"),
                     lambda v: cpu.reg_write("fpscr", v)))
        self.nsys_first = len(regs)
        for name in table.raw_names():
            r = table.regs[table.by_name[name]]
            regs.append((name, 8 if r.is64 else 4,
                         lambda n=name: table.raw_read(cpu, n),
                         lambda v, n=name: self._sys_write(n, v)))
        self.regs = regs
        self.g_count = REG_SYS0     # core, cpsr and VFP travel in g/G; the rest by p/P

    def _sys_write(self, name, value):
        self.emu.cp15.TABLE.raw_write(self.emu.cpu, name, value)
        # translation state may have changed: no stale TLB entry or block
        self.emu.cpu.set_watchpoints(self.emu.watchpoints)   # (flushes the soft TLB)
        self.emu.flush_tbs()

    def target_xml(self):
        core = [_reg_xml(n, i, 32, "data_ptr" if n == "sp" else
                         "code_ptr" if n in ("lr", "pc") else "uint32")
                for i, (n, _, _, _) in enumerate(self.regs[:NUM_CORE])]
        core.append(_reg_xml("cpsr", REG_CPSR, 32))
        vfp = [_reg_xml("d%d" % i, REG_D0 + i, 64, "ieee_double", "float") for i in range(32)]
        vfp.append(_reg_xml("fpscr", REG_FPSCR, 32, "int", "float"))
        sys_ = [_reg_xml(n, i, 8 * size, "uint%d" % (8 * size), "system")
                for i, (n, size, _, _) in enumerate(self.regs) if i >= REG_SYS0]
        return ('<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd">'
                '<target><architecture>arm</architecture>'
                '<feature name="org.gnu.gdb.arm.core">%s</feature>'
                '<feature name="org.gnu.gdb.arm.vfp">%s</feature>'
                '<feature name="org.qemu.gdb.arm.sys.regs">%s</feature></target>'
                % ("".join(core), "".join(vfp), "".join(sys_)))

    def read(self, n):
        """Little-endian hex of register n."""
        if not 0 <= n < len(self.regs):
            raise PacketError("no register %d" % n)
        _, size, read, _ = self.regs[n]
        try:
            value = read()
        except (KeyError, ValueError):
            return "xx" * size                  # unavailable
        return (value & ((1 << 8 * size) - 1)).to_bytes(size, "little").hex()

    def write(self, n, hexval):
        if not 0 <= n < len(self.regs):
            raise PacketError("no register %d" % n)
        _, size, _, write = self.regs[n]
        data = _hex_bytes(hexval)
        if len(data) != size:
            raise PacketError("register %d takes %d bytes" % (n, size))
        write(int.from_bytes(data, "little"))

    def read_all(self):
        return "".join(self.read(n) for n in range(self.g_count))

    def write_all(self, hexval):
        pos = 0
        for n in range(self.g_count):
            width = 2 * self.regs[n][1]
            if pos + width > len(hexval):
                break
            self.write(n, hexval[pos:pos + width])
            pos += width


def _hex_bytes(text):
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise PacketError("bad hex data") from None


def _hex_int(text):
    try:
        return int(text, 16)
    except ValueError:
        raise PacketError("bad number %r" % text) from None


def _addr_len(text):
    addr, sep, length = text.partition(",")
    if not sep:
        raise PacketError("expected ADDR,LENGTH")
    return _hex_int(addr), _hex_int(length)


# ---- the connection ----------------------------------------------------------

class Disconnected(Exception):
    pass


class Connection:
    """Packets over one socket: framing, checksums, acknowledgements."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def _fill(self):
        try:
            data = self.sock.recv(4096)
        except OSError:
            data = b""
        if not data:
            raise Disconnected()
        self.buf += data

    def send(self, payload):
        try:
            self.sock.sendall(frame(payload))
        except OSError:
            raise Disconnected() from None

    def _ack(self, ok):
        try:
            self.sock.sendall(b"+" if ok else b"-")
        except OSError:
            raise Disconnected() from None

    def read_packet(self):
        """The next packet's payload (bytes); a 0x03 byte returns b'\\x03'.
        Bad checksums are NAKed (gdb sends the packet again); bytes outside
        a packet (acks, noise) are skipped."""
        while True:
            while b"$" not in self.buf and 3 not in self.buf:
                self.buf.clear()
                self._fill()
            dollar = self.buf.find(b"$")
            ctrl_c = self.buf.find(3)
            if ctrl_c != -1 and (dollar == -1 or ctrl_c < dollar):
                del self.buf[:ctrl_c + 1]
                return b"\x03"
            del self.buf[:dollar]
            while True:
                end = self.buf.find(b"#")
                if end != -1 and len(self.buf) >= end + 3:
                    break
                if len(self.buf) > PACKET_SIZE + 4:
                    break
                self._fill()
            if end == -1 or len(self.buf) < end + 3:       # too long: dropped
                self.buf.clear()
                self._ack(False)
                continue
            payload = bytes(self.buf[1:end])
            given = bytes(self.buf[end + 1:end + 3])
            del self.buf[:end + 3]
            try:
                ok = int(given, 16) == checksum(payload)
            except ValueError:
                ok = False
            self._ack(ok)
            if ok:
                return payload

    def poll_interrupt(self, timeout):
        """While the guest runs: True when gdb sent Ctrl-C (0x03); raises
        Disconnected when the client went away."""
        if 3 not in self.buf:         # (it may have come with the packet that resumed)
            r, _, _ = select.select([self.sock], [], [], timeout)
            if not r:
                return False
            self._fill()
        if 3 in self.buf:
            del self.buf[:self.buf.find(3) + 1]
            return True
        return False


# ---- the server --------------------------------------------------------------

class GdbStub:
    """One listening socket; serve() runs the guest under the debugger
    until it ends (a StopReason for the CLI's exit status).  wait: -S,
    the guest does not start before a debugger attached."""

    def __init__(self, board, host="127.0.0.1", port=DEFAULT_PORT, wait=False, log=None):
        self.board = board
        self.emu = board.emu
        self.wait = wait
        self.log = log
        self.regs = Registers(self.emu)
        self.xml = self.regs.target_xml().encode()
        try:
            self.listener = socket.create_server(
                (host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
        except OSError as e:
            raise GdbError("-gdb tcp:%s:%d: cannot listen: %s" % (host, port, e.strerror)) \
                from None
        self.port = self.listener.getsockname()[1]
        self.conn = None
        self.phys_mode = False
        self.last_stop = None           # the StopReason the guest last stopped with

    def close(self):
        self.listener.close()

    # -- top level
    def serve(self):
        try:
            if self.wait:
                if self.log:
                    self.log("armtcg: waiting for gdb on %s:%d" % self.listener.getsockname()[:2])
                self._attach(self.listener.accept()[0])
            while True:
                if self.conn is None:
                    reason = self._run_detached()
                    if reason is not None:
                        return reason
                reason = self._session()
                if reason is not None:
                    return reason
        finally:
            self.close()

    def _attach(self, sock):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = Connection(sock)
        self.phys_mode = False
        # as QEMU: the first '?' answers SIGTRAP
        self.last_stop = StopReason("attach", 0, self.emu.pc, self.emu.icount)

    def _run_detached(self):
        """No debugger: the guest runs; a connection stops it (-> session)."""
        accepted = []

        def accept():
            try:
                accepted.append(self.listener.accept()[0])
            except OSError:
                return
            self.emu.request_stop()

        thread = threading.Thread(target=accept, name="armtcg-gdb-accept", daemon=True)
        thread.start()
        reason = self.board.run()
        if accepted:
            thread.join()             # (it asks for the stop right after accepting)
            cpu = self.emu.cpu
            cpu.exit_request = cpu.exit_request & ~EXIT_REQ_STOP   # served: we stopped
            self._attach(accepted[0])
            return None
        return reason                 # the guest ended, or Ctrl-C at the terminal

    def _detach(self):
        emu = self.emu
        for addr in list(emu.breakpoints):
            emu.breakpoint_remove(addr)
        emu.set_watchpoints([])
        try:
            self.conn.sock.close()
        except OSError:
            pass
        self.conn = None

    def _session(self):
        """Serve packets until the guest ends (its StopReason) or the client
        leaves (None: the guest runs on, detached)."""
        try:
            while True:
                packet = self.conn.read_packet()
                if packet == b"\x03":
                    continue                # the guest is already stopped
                result = self._dispatch(packet)
                if isinstance(result, StopReason):
                    return result
                if result is DETACH:
                    self._detach()
                    return None
                if result is not None:
                    self.conn.send(result)
        except Disconnected:
            self._note("the debugger disconnected; the guest runs on")
            self._detach()
            return None

    # -- packets
    def _dispatch(self, packet):
        text = packet.decode("latin-1")
        head = text[:1]
        handler = self.HANDLERS.get(head)
        try:
            if text.startswith("X"):
                return self._write_binary(packet[1:])
            if handler is None:
                return ""
            return handler(self, text[1:])
        except PacketError as e:
            self._note("bad packet %r: %s" % (text[:40], e))
            return E_INVAL

    def _note(self, msg):
        if self.log:
            self.log("armtcg: gdb: " + msg)

    def _query(self, arg):
        if arg.startswith("Supported"):
            return "PacketSize=%x;qXfer:features:read+;vContSupported+" % PACKET_SIZE
        if arg.startswith("Xfer:features:read:"):
            return self._xfer(arg[len("Xfer:features:read:"):])
        if arg == "C":
            return "QC1"
        if arg == "fThreadInfo":
            return "m1"
        if arg == "sThreadInfo":
            return "l"
        if arg.startswith("Attached"):
            return "1"
        if arg.startswith("ThreadExtraInfo"):
            return b"CPU#0".hex()
        if arg == "qemu.PhyMemMode":
            return "1" if self.phys_mode else "0"
        return ""

    def _set(self, arg):
        if arg.startswith("qemu.PhyMemMode:"):
            mode = arg[len("qemu.PhyMemMode:"):]
            if mode not in ("0", "1"):
                raise PacketError("PhyMemMode is 0 or 1")
            self.phys_mode = mode == "1"
            return "OK"
        return ""

    def _xfer(self, arg):
        annex, _, rest = arg.partition(":")
        if annex != "target.xml":
            return "E00"
        offset, length = _addr_len(rest)
        chunk = escape(self.xml[offset:offset + length])
        return (b"l" if offset + length >= len(self.xml) else b"m") + chunk

    def _stop_reply(self, reason=None):
        reason = reason or self.last_stop
        if reason.kind == "watchpoint":
            addr, _ = self.emu.cpu.watch_hit
            kind = next((k for a, n, k in self.emu.watchpoints if 0 <= addr - a < n),
                        WATCH_WRITE)
            return "T%02x%s:%x;thread:1;" % (SIGTRAP, WATCH_REPLY[kind], addr)
        sig = SIGINT if reason.kind == "stop" else SIGTRAP
        return "T%02xthread:1;" % sig

    def _q_stop(self, arg):
        return self._stop_reply()

    def _g(self, arg):
        return self.regs.read_all()

    def _G(self, arg):
        self.regs.write_all(arg)
        return "OK"

    def _p(self, arg):
        return self.regs.read(_hex_int(arg))

    def _P(self, arg):
        n, sep, value = arg.partition("=")
        if not sep:
            raise PacketError("expected N=VALUE")
        self.regs.write(_hex_int(n), value)
        return "OK"

    # -- memory
    def _pages(self, addr, length):
        """[(physical address, bytes)] of [addr, addr + length), page by
        page through the current translation (or as is in physical mode);
        None when a page does not translate.  Writes translate as reads
        (as QEMU's debug accesses): a debugger may write read-only pages."""
        out = []
        while length > 0:
            n = min(length, 0x1000 - (addr & 0xFFF))
            if self.phys_mode:
                pa = addr
            else:
                pa, _ = self.emu.cpu.translate_address(addr & 0xFFFFFFFF)
                if pa is None:
                    return None
            out.append((pa, n))
            addr, length = addr + n, length - n
        return out

    def _m(self, arg):
        addr, length = _addr_len(arg)
        if length > PACKET_SIZE // 2:
            length = PACKET_SIZE // 2
        if addr + length > 1 << 32:
            return E_FAULT
        pages = self._pages(addr, length)
        if pages is None:
            return E_FAULT
        try:
            return b"".join(self.emu.mem_read(pa, n) for pa, n in pages).hex()
        except ValueError:
            return E_FAULT

    def _write_mem(self, addr, data):
        if addr + len(data) > 1 << 32:
            return E_FAULT
        pages = self._pages(addr, len(data))
        if pages is None:
            return E_FAULT
        try:
            for pa, n in pages:       # all of it checked before any byte is written
                self.emu.mem_read(pa, n)
        except ValueError:
            return E_FAULT
        pos = 0
        for pa, n in pages:
            self.emu.mem_write(pa, data[pos:pos + n])
            pos += n
        return "OK"

    def _M(self, arg):
        where, sep, hexdata = arg.partition(":")
        if not sep:
            raise PacketError("expected ADDR,LENGTH:DATA")
        addr, length = _addr_len(where)
        data = _hex_bytes(hexdata)
        if len(data) != length:
            raise PacketError("length and data disagree")
        return self._write_mem(addr, data)

    def _write_binary(self, arg):
        where, sep, data = arg.partition(b":")
        if not sep:
            raise PacketError("expected ADDR,LENGTH:DATA")
        addr, length = _addr_len(where.decode("latin-1"))
        data = unescape(data)
        if len(data) != length:
            raise PacketError("length and data disagree")
        if not length:
            return "OK"                # gdb's probe for X support
        return self._write_mem(addr, data)

    # -- breakpoints and watchpoints
    def _z(self, arg, insert):
        fields = arg.split(",")
        if len(fields) < 3:
            raise PacketError("expected TYPE,ADDR,KIND")
        kind, addr, length = _hex_int(fields[0]), _hex_int(fields[1]), _hex_int(fields[2])
        emu = self.emu
        if kind in (0, 1):
            if insert:
                emu.breakpoint_insert(addr)
            else:
                emu.breakpoint_remove(addr)
            return "OK"
        if kind in WATCH_KINDS:
            entry = (addr & 0xFFFFFFFF, max(1, length), WATCH_KINDS[kind])
            watches = list(emu.watchpoints)
            if insert:
                if len(watches) >= MAX_WATCHPOINTS:
                    return E_NOSPC
                watches.append(entry)
            elif entry in watches:
                watches.remove(entry)
            emu.set_watchpoints(watches)
            return "OK"
        return ""

    def _Z(self, arg):
        return self._z(arg, True)

    def _z_remove(self, arg):
        return self._z(arg, False)

    # -- threads
    def _H(self, arg):
        return "OK"

    def _T(self, arg):
        return "OK" if arg in ("1", "-1", "0") else "E01"

    # -- execution
    def _v(self, arg):
        if arg == "Cont?":
            return "vCont;c;C;s;S"
        if arg.startswith("Cont;"):
            action = arg[5:].split(";")[0].split(":")[0]
            if action[:1] in ("s", "S"):
                return self._resume(step=True)
            if action[:1] in ("c", "C"):
                return self._resume(step=False)
            raise PacketError("vCont action %r" % action)
        if arg.startswith("Kill"):
            return self._kill("")
        if arg == "MustReplyEmpty":
            return ""
        return ""

    def _c(self, arg):
        self._resume_at(arg)
        return self._resume(step=False)

    def _s(self, arg):
        self._resume_at(arg)
        return self._resume(step=True)

    def _C(self, arg):
        return self._resume(step=False)

    def _S(self, arg):
        return self._resume(step=True)

    def _resume_at(self, arg):
        if arg:
            self.emu.reg_write("pc", _hex_int(arg))

    def _resume(self, step):
        """Run (one instruction, or until a breakpoint, watchpoint, Ctrl-C
        or the guest's end); the stop reply, or the guest's final
        StopReason after telling gdb it ended."""
        emu = self.emu
        pc = emu.pc
        at_watch = self.last_stop is not None and self.last_stop.kind == "watchpoint" \
            and self.last_stop.pc == pc
        if step or pc in emu.breakpoints or at_watch:
            # the instruction at pc runs even where a breakpoint or the
            # watchpoint that stopped it is still inserted
            reason = self._watch_running(lambda: emu.step_over(self.board.run, watches=at_watch))
            if not step and reason.kind == "count":
                reason = None
        else:
            reason = None
        if reason is None:
            reason = self._watch_running(self.board.run)
        if reason.kind == "count":
            reason = StopReason("step", 0, reason.pc, reason.icount)
        self.last_stop = reason
        return self._report(reason)

    def _watch_running(self, run):
        """run() while a thread watches the socket for Ctrl-C."""
        done = threading.Event()
        gone = []

        def watch():
            while not done.is_set():
                try:
                    if self.conn.poll_interrupt(0.05):
                        self.emu.request_stop()
                except (Disconnected, OSError, ValueError):
                    gone.append(1)
                    self.emu.request_stop()
                    return

        thread = threading.Thread(target=watch, name="armtcg-gdb-watch", daemon=True)
        thread.start()
        try:
            reason = run()
        finally:
            done.set()
            thread.join()
        if reason.kind != "stop":     # a Ctrl-C that came too late is dropped
            cpu = self.emu.cpu
            cpu.exit_request = cpu.exit_request & ~EXIT_REQ_STOP
        if gone:
            raise Disconnected()
        return reason

    def _report(self, reason):
        if reason.kind in ("stop", "step", "breakpoint", "watchpoint"):
            return self._stop_reply(reason)
        # the guest ended: tell gdb, then the CLI reports it
        code = reason.exit_code or 0
        self.conn.send("W%02x" % (code & 0xFF) if reason.kind in ("shutdown", "halt")
                       else "X%02x" % 9)
        return reason

    def _detach_packet(self, arg):
        self.conn.send("OK")
        return DETACH

    def _kill(self, arg):
        return StopReason("kill", 0, self.emu.pc, self.emu.icount)

    HANDLERS = {
        "q": _query, "Q": _set, "?": _q_stop, "g": _g, "G": _G, "p": _p, "P": _P,
        "m": _m, "M": _M, "Z": _Z, "z": _z_remove, "H": _H, "T": _T, "v": _v,
        "c": _c, "s": _s, "C": _C, "S": _S, "D": _detach_packet, "k": _kill,
    }


DETACH = object()
