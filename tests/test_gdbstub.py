"""The gdbstub (tcg/gdbstub.py) driven by gdb-multiarch in batch mode, and
by a raw socket for what gdb never sends (malformed packets, a client
that vanishes).

The truth each check uses: symbol addresses from the ELF (pyelftools),
instruction sizes and kinds from capstone, the C semantics of
tests/guest/gdbtarget.c (what it prints, given what the debugger changed)
and the guest's own cp15 accesses (MCR/MRC through translated code)
against the debugger's raw view of the same registers.
"""

import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import capstone
import pytest
from elftools.elf.elffile import ELFFile

from runtime.abi import IRQ_LINE_IRQ, WATCH_READ, WATCH_WRITE
from tcg import qemu_args
from tcg.cli import build_parser
from tcg.emulator import Emulator
from tests.guestlib import build_guest
from tests.linuxlib import linux_kernel, kernel_symbols

ROOT = Path(__file__).resolve().parent.parent
GDB = shutil.which("gdb-multiarch")
pytestmark = pytest.mark.skipif(GDB is None, reason="gdb-multiarch is not installed "
                                                    "(apt-get install gdb-multiarch)")
TIMEOUT = 120


def symbols(elf):
    """name -> (address with the Thumb bit cleared, size, is_thumb)."""
    with open(elf, "rb") as f:
        tab = ELFFile(f).get_section_by_name(".symtab")
        return {s.name: (s["st_value"] & ~1, s["st_size"], bool(s["st_value"] & 1))
                for s in tab.iter_symbols() if s.name}


def code_at(elf, addr, n):
    with open(elf, "rb") as f:
        for seg in ELFFile(f).iter_segments():
            off = addr - seg["p_vaddr"]
            if seg["p_type"] == "PT_LOAD" and 0 <= off < seg["p_filesz"]:
                return seg.data()[off:off + n]
    raise ValueError("0x%x is not in the ELF" % addr)


def first_insns(elf, addr, thumb, count):
    """[(address, size, mnemonic)] of the first instructions at addr (capstone)."""
    md = capstone.Cs(capstone.CS_ARCH_ARM,
                     capstone.CS_MODE_THUMB if thumb else capstone.CS_MODE_ARM)
    insns = md.disasm(code_at(elf, addr, 64), addr)
    return [(i.address, i.size, i.mnemonic) for i in insns][:count]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Armtcg:
    """armtcg run ... -gdb tcp::PORT -S in the background."""

    def __init__(self, elf, engine, extra=(), kernel_args=None):
        self.port = free_port()
        args = kernel_args or ["-M", "virt", "-m", "128M", "-kernel", str(elf)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tcg.cli", "run", *args, "-nographic", "--engine", engine,
             "-gdb", "tcp::%d" % self.port, "-S", *extra],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # -S: listening once it says so
        line = self.proc.stderr.readline().decode()
        assert "waiting for gdb" in line, line

    def finish(self, timeout=TIMEOUT):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def launch():
    started = []

    def start(*args, **kw):
        a = Armtcg(*args, **kw)
        started.append(a)
        return a

    yield start
    for a in started:
        a.kill()


def gdb_batch(elf, port, commands, timeout=TIMEOUT):
    argv = [GDB, "-batch", "-nx", str(elf), "-ex", "set pagination off",
            "-ex", "target remote :%d" % port]
    for c in commands:
        argv += ["-ex", c]
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    return r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")


def values(out):
    """The values gdb printed as `$N = value`, in order."""
    return re.findall(r"^\$\d+ = (.*)$", out, re.M)


def memory_rows(out):
    """The words of each line gdb's x/Nwx printed."""
    return [m.strip() for m in re.findall(r"^0x[0-9a-f]+(?: <[^>]*>)?:\s+((?:0x[0-9a-f]{8}\s*)+)$",
                                          out, re.M)]


ENGINES = ["interp", "jit", "auto"]


@pytest.mark.parametrize("engine,thumb", [(e, False) for e in ENGINES]
                         + [("interp", True), ("jit", True)],
                         ids=["arm-interp", "arm-jit", "arm-auto", "thumb-interp", "thumb-jit"])
def test_session(launch, engine, thumb):
    elf = build_guest("gdbtarget", thumb=thumb)
    syms = symbols(elf)
    step3, _, step3_thumb = syms["step3"]
    assert step3_thumb == thumb
    watch_fn, watch_size, _ = syms["store_watched"]
    insns = first_insns(elf, step3, thumb, 2)
    # stepping over straight-line code: pc advances by each instruction's size
    assert not any(m.startswith(("b", "pop", "ldm")) for _, _, m in insns), insns
    a = launch(elf, engine)
    out = gdb_batch(elf, a.port, [
        "break step3", "continue", "continue",            # i = 0, then i = 1
        "p/x $pc", "p $r0",
        "p/x *(unsigned *)&counter",                       # one call done
        "p/x $TPIDRURW", "p/x $SCTLR", "p/x *(unsigned *)&sctlr_seen",
        "info registers SCTLR",
        "set $r0 = 7", "stepi", "p/x $pc", "stepi", "p/x $pc",
        # a breakpoint in code that already ran (translated, compiled under jit)
        "delete", "tbreak *$lr", "continue", "p/x $pc", "p/x $lr",
        "set var *(unsigned *)&counter = 100",
        "watch *(unsigned *)&watched", "continue", "p/x $pc",
        "p *(unsigned *)&before_watched",
        "delete", "continue"])
    rc, stdout, stderr = a.finish()
    vals = values(out)
    assert len(vals) == 12, out
    pc, r0, counter, tpidr, sctlr, sctlr_seen = vals[:6]
    assert int(pc, 16) == step3
    assert r0 == "1"
    assert int(counter, 16) == 1
    assert int(tpidr, 16) == 0x12345678          # the guest's MCR
    assert sctlr == sctlr_seen                   # the guest's MRC
    assert re.search(r"^SCTLR\s+%s" % sctlr, out, re.M), out
    step1, step2 = int(vals[6], 16), int(vals[7], 16)
    assert step1 == insns[0][0] + insns[0][1]
    assert step2 == insns[1][0] + insns[1][1]
    tb_pc, tb_lr = int(vals[8], 16), int(vals[9], 16)
    assert tb_pc == tb_lr & ~1                   # stopped at the return address
    watch_pc = int(vals[10], 16)
    assert watch_fn <= watch_pc < watch_fn + watch_size
    # r0 = 7 made the second call return 22 instead of 4: acc = 35 - 4 + 22
    assert "Old value = 0" in out and "New value = 53" in out, out
    assert vals[11] == "54"                      # the store before did not stop it
    assert "exited normally" in out, out
    assert rc == 0, stderr
    assert "acc=53 counter=104 watched=53" in stdout


# ---- raw protocol -------------------------------------------------------------

class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def raw(self, data):
        self.sock.sendall(data)

    def _read(self):
        data = self.sock.recv(4096)
        if not data:
            raise EOFError
        self.buf += data

    def ack(self):
        while not self.buf:
            self._read()
        c, self.buf = self.buf[:1], self.buf[1:]
        return c

    def reply(self):
        while b"#" not in self.buf or len(self.buf) < self.buf.index(b"#") + 3:
            self._read()
        start = self.buf.index(b"$")
        end = self.buf.index(b"#")
        payload = self.buf[start + 1:end]
        assert int(self.buf[end + 1:end + 3], 16) == sum(payload) & 0xFF
        self.buf = self.buf[end + 3:]
        self.sock.sendall(b"+")
        return payload.decode()

    def packet(self, payload):
        data = payload.encode()
        self.raw(b"$" + data + b"#%02x" % (sum(data) & 0xFF))
        assert self.ack() == b"+"
        return self.reply()

    def close(self):
        self.sock.close()


def le32(value):
    return value.to_bytes(4, "little").hex()


def test_malformed_packets_then_detach(launch):
    elf = build_guest("gdbtarget")
    a = launch(elf, "interp")
    c = Client(a.port)
    c.raw(b"garbage+")                              # noise outside a packet: skipped
    c.raw(b"$g#00")                                 # wrong checksum: NAK, gdb resends
    assert c.ack() == b"-"
    c.raw(b"$" + b"m" * 20000 + b"#00")             # longer than PacketSize: NAK
    assert c.ack() == b"-"
    assert "PacketSize=" in c.packet("qSupported:multiprocess+")
    assert c.packet("mzz,4") == "E16"               # bad number
    assert c.packet("m40000000") == "E16"           # no length
    assert c.packet("p999") == "E16"                # no such register
    assert c.packet("P0=12") == "E16"               # too short for r0
    assert c.packet("Z0,zz") == "E16"
    assert c.packet("M40000000,4:zzzz") == "E16"
    assert c.packet("X40000000,4:ab") == "E16"      # length and data disagree
    assert c.packet("qXfer:features:read:other.xml:0,100") == "E00"
    assert c.packet("bogus") == ""                  # unknown: empty reply
    assert c.packet("m50000000,4").startswith("E")  # past the RAM: E reply, no crash
    assert c.packet("mffffffff,8").startswith("E")  # wraps the address space
    # still a working session: the reset pc (the ELF entry) in g
    with open(elf, "rb") as f:
        entry = ELFFile(f).header["e_entry"]
    assert c.packet("g")[15 * 8:16 * 8] == le32(entry)
    assert c.packet("D") == "OK"
    c.close()
    rc, stdout, stderr = a.finish()
    assert rc == 0, stderr
    assert "acc=35 counter=5 watched=35" in stdout
    assert "bad packet 'mzz,4': bad number 'zz'" in stderr, stderr


def test_disconnect_mid_session_guest_runs_on(launch):
    elf = build_guest("gdbtarget")
    step3 = symbols(elf)["step3"][0]
    a = launch(elf, "jit")
    c = Client(a.port)
    assert c.packet("Z0,%x,4" % step3) == "OK"
    assert c.packet("vCont;c").startswith("T05")
    assert c.packet("p0f") == le32(step3)
    c.raw(b"$vCont;c#")                            # half a packet, then gone
    c.close()
    rc, stdout, stderr = a.finish()
    assert rc == 0, stderr
    assert "acc=35 counter=5 watched=35" in stdout  # breakpoint gone, guest unharmed
    assert "the debugger disconnected; the guest runs on" in stderr


def test_z_packets_stop_replies(launch):
    """Z1 (hardware breakpoint) stops like Z0; Z4 reports the store as
    awatch, Z3 the later read (printf of watched) as rwatch, each with the
    watched address; the E reply when the watchpoints are full."""
    elf = build_guest("gdbtarget")
    syms = symbols(elf)
    step3, watched = syms["step3"][0], syms["watched"][0]
    store_watched = syms["store_watched"]
    a = launch(elf, "jit")
    c = Client(a.port)
    assert c.packet("Z1,%x,4" % step3) == "OK"
    assert c.packet("c").startswith("T05")
    assert c.packet("p0f") == le32(step3)
    assert c.packet("z1,%x,4" % step3) == "OK"
    assert c.packet("Z4,%x,4" % watched) == "OK"
    assert c.packet("c") == "T05awatch:%x;thread:1;" % watched
    pc = int.from_bytes(bytes.fromhex(c.packet("p0f")), "little")
    assert store_watched[0] <= pc < store_watched[0] + store_watched[1]
    assert c.packet("z4,%x,4" % watched) == "OK"
    assert c.packet("Z3,%x,4" % watched) == "OK"
    assert c.packet("c") == "T05rwatch:%x;thread:1;" % watched
    pc = int.from_bytes(bytes.fromhex(c.packet("p0f")), "little")
    assert not store_watched[0] <= pc < store_watched[0] + store_watched[1]   # main's read
    replies = [c.packet("Z2,%x,4" % (0x40000000 + 4 * i)) for i in range(20)]
    assert "E1c" in replies and replies[0] == "OK"
    c.raw(b"$k#6b")
    c.ack()
    rc, _, stderr = a.finish()
    assert rc == 0, stderr


def test_detach_then_attach_again(launch):
    """After D the guest runs on without a debugger; a new connection stops
    it (as a first connection without -S does) and gets a session."""
    elf = build_guest("gdbtarget")
    syms = symbols(elf)
    spin, spins, main = syms["spin"][0], syms["spins"][0], syms["main"]
    a = launch(elf, "jit")
    c = Client(a.port)
    assert c.packet("M%x,4:01000000" % spin) == "OK"
    assert c.packet("D") == "OK"
    c.close()
    for _ in range(100):               # reconnect until the stub listens again
        try:
            c = Client(a.port)
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    assert c.packet("?").startswith("T05")
    pc = int.from_bytes(bytes.fromhex(c.packet("p0f")), "little")
    if int.from_bytes(bytes.fromhex(c.packet("m%x,4" % spins)), "little"):
        assert main[0] <= pc < main[0] + main[1]
    assert c.packet("M%x,4:00000000" % spin) == "OK"
    assert c.packet("c") == "W00"
    rc, stdout, stderr = a.finish()
    assert rc == 0, stderr
    assert "acc=35 counter=5 watched=35" in stdout


def test_interrupt_and_kill(launch):
    elf = build_guest("gdbtarget")
    syms = symbols(elf)
    spin, spins, main = syms["spin"][0], syms["spins"][0], syms["main"]
    a = launch(elf, "auto")
    c = Client(a.port)
    assert c.packet("M%x,4:01000000" % spin) == "OK"
    for _ in range(50):                             # until it is spinning (no timing assumed)
        c.raw(b"$c#63")
        assert c.ack() == b"+"
        time.sleep(0.1)
        c.raw(b"\x03")
        assert c.reply().startswith("T02")
        if int.from_bytes(bytes.fromhex(c.packet("m%x,4" % spins)), "little") > 0:
            break
    pc = int.from_bytes(bytes.fromhex(c.packet("p0f")), "little")
    assert main[0] <= pc < main[0] + main[1]       # in main's spin loop
    assert int.from_bytes(bytes.fromhex(c.packet("m%x,4" % spins)), "little") > 0
    c.raw(b"$k#6b")
    c.ack()
    rc, stdout, stderr = a.finish()
    assert rc == 0 and "killed by the debugger" in stderr, stderr


def test_physical_memory_mode(launch):
    """`maintenance packet Qqemu.PhyMemMode:1` as QEMU: with the MMU off,
    virtual and physical reads agree; the mode is reported back."""
    elf = build_guest("gdbtarget")
    counter = symbols(elf)["counter"][0]
    a = launch(elf, "interp")
    out = gdb_batch(elf, a.port, ["x/4wx &counter", "maintenance packet qqemu.PhyMemMode",
                                  "maintenance packet Qqemu.PhyMemMode:1",
                                  "maintenance packet qqemu.PhyMemMode",
                                  "x/4wx 0x%x" % counter, "kill"])
    a.finish()
    assert 'received: "OK"' in out and 'received: "1"' in out and 'received: "0"' in out, out
    rows = memory_rows(out)
    assert len(rows) == 2 and rows[0] == rows[1], out


def test_cli_gdb_options():
    """QEMU's spellings: -s is -gdb tcp::1234; loopback unless a host is given."""

    def spec(*opts):
        return qemu_args.gdb_spec(build_parser().parse_args(["run", "-kernel", "x", *opts]))
    assert spec() is None
    assert spec("-s") == ("127.0.0.1", 1234)
    assert spec("-s", "-S") == ("127.0.0.1", 1234)
    assert spec("-gdb", "tcp::4444") == ("127.0.0.1", 4444)
    assert spec("-gdb", "tcp:0.0.0.0:4444") == ("0.0.0.0", 4444)
    assert spec("-gdb", "tcp:[::1]:4444") == ("::1", 4444)


def test_cli_errors():
    def run(*args):
        r = subprocess.run([sys.executable, "-m", "tcg.cli", "run", *args], cwd=ROOT,
                           capture_output=True, timeout=60)
        return r.returncode, r.stderr.decode()
    elf = str(build_guest("gdbtarget"))
    rc, err = run("-kernel", elf, "-S")
    assert rc == 1 and "-S waits for a debugger" in err
    rc, err = run("-kernel", elf, "-gdb", "udp::1")
    assert rc == 1 and "expected tcp::PORT" in err
    rc, err = run("-kernel", elf, "-gdb", "tcp::99999")
    assert rc == 1 and "PORT 0..65535" in err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        rc, err = run("-kernel", elf, "-gdb", "tcp::%d" % busy.getsockname()[1], "-S")
        assert rc == 1 and "cannot listen" in err


@pytest.mark.slow
def test_linux_stopped_with_S_breaks_at_start_kernel(launch):
    """Debian's kernel started with -S, broken in at start_kernel by its
    address in System.map: the stop is there, in SVC mode with the MMU on
    (the state head.S hands start_kernel).  Debian ships no real System.map:
    the symbols come from the kernel's kallsyms (linuxlib.kernel_symbols)."""
    vmlinuz, system_map = linux_kernel()[:2]
    addr = kernel_symbols(vmlinuz, system_map)["start_kernel"]
    # the kernel's linear map: PAGE_OFFSET 0xc0000000 at the RAM base (virt: 0x40000000)
    phys = addr - 0xC0000000 + 0x40000000
    a = launch(None, "auto", kernel_args=["-M", "virt", "-m", "256M", "-kernel", str(vmlinuz),
                                          "-append", "console=ttyAMA0", "-no-reboot"])
    out = subprocess.run(
        [GDB, "-batch", "-nx", "-ex", "set architecture arm", "-ex", "target remote :%d" % a.port,
         "-ex", "break *0x%x" % addr, "-ex", "continue", "-ex", "p/x $pc", "-ex", "p/x $cpsr",
         "-ex", "p/x $SCTLR", "-ex", "x/4wx 0x%x" % addr,
         "-ex", "maintenance packet Qqemu.PhyMemMode:1", "-ex", "x/4wx 0x%x" % phys,
         "-ex", "maintenance packet Qqemu.PhyMemMode:0", "-ex", "x/wx 0x1000",
         "-ex", "delete", "-ex", "stepi", "-ex", "p/x $pc", "-ex", "kill"],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
    text = out.stdout.decode() + out.stderr.decode()
    a.finish()
    vals = values(text)
    assert len(vals) == 4, text
    assert int(vals[0], 16) == addr
    assert int(vals[1], 16) & 0x1F == 0x13        # SVC
    assert int(vals[2], 16) & 1                   # SCTLR.M
    rows = memory_rows(text)
    assert len(rows) == 2 and rows[0] == rows[1], text   # through the MMU = physical
    assert "Cannot access memory at address 0x1000" in text   # unmapped: an E reply
    code = bytes.fromhex("".join(w[2:].rjust(8, "0") for w in rows[0].split()[:1]))[::-1]
    insn = next(capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM).disasm(code, addr))
    if not insn.mnemonic.startswith("b"):
        assert int(vals[3], 16) == addr + 4       # one instruction


# ---- the Emulator's debug verbs, without a socket -----------------------------

NOP = 0xE320F000          # A32 NOP (ARM ARM A8.8.119)
STR_R1_R0 = 0xE5801000    # str r1, [r0]
LDR_R2_R0 = 0xE5902000    # ldr r2, [r0]
B_BACK_3 = 0xEAFFFFFB     # b . - 12 (the loop's first instruction)
CODE = 0x1000


def small_emu(engine, words):
    emu = Emulator(engine=engine, jit_sync=True)
    emu.map_ram(0, 0x10000)
    emu.mem_write(CODE, b"".join(w.to_bytes(4, "little") for w in words))
    emu.reg_write("cpsr", 0x13 | 0xC0)        # SVC, IRQ and FIQ masked
    emu.reg_write("pc", CODE)
    return emu


@pytest.mark.parametrize("engine", ENGINES)
def test_step_keeps_interrupts_pending(engine):
    """A debugger's step runs one instruction with interrupts held back
    (QEMU's SSTEP_NOIRQ); the IRQ is taken by the next run (ARM ARM B1.8.10:
    IRQ mode, vector VBAR + 0x18)."""
    emu = small_emu(engine, [NOP] * 4)
    emu.reg_write("cpsr", 0x13)               # IRQs unmasked
    emu.cpu.set_irq_line(IRQ_LINE_IRQ, True)
    assert emu.step_over().kind == "count"
    assert emu.pc == CODE + 4 and emu.reg_read("cpsr") & 0x1F == 0x13
    emu.run(1)
    assert emu.reg_read("cpsr") & 0x1F == 0x12 and emu.pc == 0x18 + 4


@pytest.mark.parametrize("engine", ENGINES)
def test_breakpoint_inserted_into_hot_loop(engine):
    """A loop that ran (and, under jit/auto, was compiled) long before the
    breakpoint was inserted stops at it; removed, the loop runs on."""
    emu = small_emu(engine, [NOP, NOP, NOP, B_BACK_3])
    emu.jit_threshold = 1
    emu.cpu.jit_threshold = 1 if engine == "auto" else 0
    assert emu.run(4000).kind == "count"
    emu.breakpoint_insert(CODE + 8)
    r = emu.run(4000)
    assert r.kind == "breakpoint" and emu.pc == CODE + 8
    assert emu.step_over().kind == "count" and emu.pc == CODE + 12
    r = emu.run(4000)
    assert r.kind == "breakpoint" and emu.pc == CODE + 8      # next time round
    emu.breakpoint_remove(CODE + 8)
    assert emu.run(4000).kind == "count"


@pytest.mark.parametrize("engine", ENGINES)
def test_watchpoints_stop_before_the_access(engine):
    """write/read/access watchpoints fire on the matching access only,
    before it (the store has not happened, the pc is the instruction's)."""
    data = 0x8000
    emu = small_emu(engine, [NOP, LDR_R2_R0, STR_R1_R0, NOP])
    emu.reg_write("r0", data)
    emu.reg_write("r1", 0xAABBCCDD)
    emu.mem_write(data, b"\x11\x22\x33\x44")
    emu.set_watchpoints([(data + 2, 1, WATCH_WRITE)])       # overlaps the word store
    r = emu.run(100)
    assert r.kind == "watchpoint" and emu.pc == CODE + 8
    assert emu.cpu.watch_hit == (data + 2, WATCH_WRITE)
    assert emu.mem_read(data, 4) == b"\x11\x22\x33\x44"     # not yet stored
    assert emu.reg_read("r2") == 0x44332211                 # the load before: not watched
    assert emu.step_over().kind == "count" and emu.mem_read(data, 4) == bytes.fromhex("ddccbbaa")
    for kind, stop_pc in ((WATCH_READ, CODE + 4), (WATCH_READ | WATCH_WRITE, CODE + 4)):
        emu.reg_write("pc", CODE)
        emu.set_watchpoints([(data, 4, kind)])
        r = emu.run(100)
        assert r.kind == "watchpoint" and emu.pc == stop_pc
    emu.set_watchpoints([(data + 4, 4, WATCH_READ | WATCH_WRITE)])   # next word: no hit
    emu.reg_write("pc", CODE)
    assert emu.run(3).kind == "count"
