"""armtcg compare: the interpreter and the JIT in lockstep.

Two virt boards load the same image, one running every block in the IR
interpreter, the other every block as native code (engine jit).  Both step
one translation block at a time (Emulator.step_block) under the
instruction-count clock, so they see the same time at the same instruction.
After every block the architectural state (CPU.arch_state: registers, flags,
banked registers, CPSR/SPSR, cp15 fields), the instruction count and the
memory the block stored to (the interpreter's store log, read back through
each side's own MMU) must be equal; the UART output is compared as it goes.
The whole of RAM is compared every `full_every` blocks and at the end, which
catches a native store to an address the interpreter did not write.

Both machines are built from one MachineConfig (the board options of
`armtcg run`: -kernel, -initrd, -append, -dtb, -m, ...), each with its own
UART stream; disks are opened as with -snapshot so that neither machine
writes the files the other reads.  Under the instruction-count clock the
generic timer, the PL031 (ICOUNT_EPOCH) and the DTB's rng/kaslr seeds are
the same on both sides.  max_insns stops the comparison at the end of the
first block that reaches that many instructions.

On the first divergence the report names the block (pc, symbol), shows its
guest disassembly, its IR, its LLVM IR and the differing registers or bytes.
"""

import dataclasses
import io
import sys

from runtime import core
from runtime.abi import DEBUG_STORES
from runtime.boards.base import MachineConfig, board_class
from tcg import interp
from tcg.emulator import Emulator
from tcg.ir import format_block

STATE_NAMES = core.arch_state_names()
EXIT_INTERRUPTED = 130            # 128 + SIGINT, as armtcg run
FULL_COMPARE_EVERY = 20000
PAGE_MASK = 0xFFF                 # 4 KB: the smallest translation granule


def store_ranges(stores):
    """The logged stores [(va, size)] as maximal ranges [(va, size)] of
    bytes stored, none crossing a page: a page translates as one piece
    (4 KB is the smallest granule, ARM ARM B3.5/B3.6), so each range costs
    one translation and one read per machine instead of one per byte."""
    spans = []
    for addr, size in stores:
        end = addr + size
        while addr < end:                 # a store may cross into the next page
            cut = min(end, (addr | PAGE_MASK) + 1)
            spans.append((addr, cut))
            addr = cut
    spans.sort()
    out = []
    for start, end in spans:
        if out and start <= out[-1][1] and start | PAGE_MASK == out[-1][0] | PAGE_MASK:
            if end > out[-1][1]:
                out[-1][1] = end
        else:
            out.append([start, end])
    return [(start, end - start) for start, end in out]


class Divergence(Exception):
    pass


class Lockstep:
    def __init__(self, image=None, ram_size=128 << 20, icount_shift=0, jit_opt=2,
                 machine="virt", config=None):
        """config: the MachineConfig both machines are built from (default:
        ram_size and image); its serial is replaced by one stream per side."""
        if config is None:
            config = MachineConfig(ram_size=ram_size, kernel=image)
        elif image is not None:
            config = dataclasses.replace(config, kernel=image)
        self.out_ref, self.out_jit = io.BytesIO(), io.BytesIO()
        self.ref = self._machine(machine, config, self.out_ref, icount_shift, engine="interp")
        try:
            self.jit = self._machine(machine, config, self.out_jit, icount_shift, engine="jit",
                                     jit_opt=jit_opt, jit_sync=True)
        except BaseException:
            self.ref.close()
            raise
        try:
            self.image = self.ref.board.load()
            self.jit.board.load()
        except BaseException:
            self.close()
            raise
        self.ref.step_debug_flags = DEBUG_STORES
        self.ram_regions = self.ref.board.ram_regions
        self.blocks = 0
        self.uart_checked = 0     # bytes of UART output already compared
        self.last = None          # (pc, flags) of the block just compared

    @staticmethod
    def _machine(machine, config, uart, icount_shift, **emu_options):
        cfg = dataclasses.replace(config, serial=uart, snapshot=True,
                                  properties=dict(config.properties))
        emu = Emulator(semihosting=cfg.semihosting, icount_shift=icount_shift, **emu_options)
        try:
            board_class(machine)(emu, cfg)
        except BaseException:
            emu.close()
            raise
        return emu

    def close(self):
        for emu in (self.ref, self.jit):
            emu.close()

    def run(self, max_blocks=None, full_every=FULL_COMPARE_EVERY, max_insns=None):
        """Step until both guests stop (or max_blocks blocks, or max_insns
        instructions, are done); returns the StopReason (None at a limit)
        or raises Divergence with a report."""
        ref, jit = self.ref, self.jit
        interp.take_store_log(ref.cpu)
        while ((max_blocks is None or self.blocks < max_blocks)
               and (max_insns is None or ref.icount < max_insns)):
            self.last = (ref.pc, ref.cpu.tb_flags())
            a = ref.board.step_block()
            b = jit.board.step_block()
            self.blocks += 1
            self.check(interp.take_store_log(ref.cpu),
                       full=self.blocks % full_every == 0 or a is not None)
            if (a is None) != (b is None) or (a is not None and a[:3] != b[:3]):
                raise Divergence(self.report(["stop reason: interp %r, jit %r" % (a, b)]))
            if a is not None:
                return a
        self.check([], full=True)
        return None

    # -- comparing
    def check(self, stores, full):
        ref, jit = self.ref, self.jit
        diffs = []
        sa, sb = ref.cpu.arch_state(), jit.cpu.arch_state()
        if sa != sb:
            for i in range(0, len(sa), 4):
                if sa[i:i + 4] != sb[i:i + 4]:
                    diffs.append("%-20s interp %08x  jit %08x" % (
                        STATE_NAMES[i // 4], int.from_bytes(sa[i:i + 4], "little"),
                        int.from_bytes(sb[i:i + 4], "little")))
        if ref.icount != jit.icount:
            diffs.append("%-20s interp %d  jit %d" % ("icount", ref.icount, jit.icount))
        if stores is None:
            full = True
        else:
            for addr, size in store_ranges(stores):
                x, y = self._read(ref, addr, size), self._read(jit, addr, size)
                if x != y:
                    diffs += self._byte_diffs(addr, x, y)
        diffs += self.uart_diff()
        if full and not diffs:
            diffs += self.ram_diff()
        if diffs:
            raise Divergence(self.report(diffs))

    def uart_diff(self):
        """The UART output written since the last check (only the new bytes
        are compared: copying the whole log every block is quadratic)."""
        a, b = self.out_ref.getbuffer(), self.out_jit.getbuffer()
        try:
            if len(a) == len(b) == self.uart_checked:
                return []
            if len(a) == len(b) and a[self.uart_checked:] == b[self.uart_checked:]:
                self.uart_checked = len(a)
                return []
            return ["UART output differs: interp %r  jit %r"
                    % (bytes(a[-40:]), bytes(b[-40:]))]
        finally:
            a.release()
            b.release()

    @staticmethod
    def _read(emu, addr, size):
        """size bytes at virtual addr, within one page (store_ranges): one
        translation (privileged view, as virt_read), one physical read."""
        pa, fsr = emu.cpu.translate_address(addr)
        if pa is None:                    # unmapped now (the block changed the MMU)
            return "<0x%08x is not mapped: FSR 0x%x>" % (addr, fsr)
        try:
            return bytes(emu.mem_read(pa, size))
        except Exception as e:            # not RAM (a device)
            return "<%s>" % e

    @staticmethod
    def _byte_diffs(addr, x, y, limit=8):
        """The differing words of a range (or the two reads when one failed:
        a read that failed is a str)."""
        if isinstance(x, str) or isinstance(y, str):
            show = lambda r: r if isinstance(r, str) else r.hex()
            return ["memory %08x  interp %s  jit %s" % (addr, show(x), show(y))]
        out = []
        for i in range(0, len(x), 4):
            if x[i:i + 4] != y[i:i + 4]:
                out.append("memory %08x (%d bytes)  interp %s  jit %s"
                           % (addr + i, len(x[i:i + 4]), x[i:i + 4].hex(), y[i:i + 4].hex()))
                if len(out) >= limit:
                    break
        return out

    def ram_diff(self, limit=8):
        out = []
        for base, size in self.ram_regions:
            out += self._region_diff(base, size, limit - len(out))
            if len(out) >= limit:
                break
        return out

    def _region_diff(self, base, size, limit):
        step = 1 << 20
        out = []
        for off in range(0, size, step):
            n = min(step, size - off)
            x = self.ref.mem_read(base + off, n)
            y = self.jit.mem_read(base + off, n)
            if x != y:
                for i in range(0, n, 4):
                    if x[i:i + 4] != y[i:i + 4]:
                        out.append("memory %08x  interp %s  jit %s (whole-RAM check)"
                                   % (base + off + i, bytes(x[i:i + 4]).hex(),
                                      bytes(y[i:i + 4]).hex()))
                        if len(out) >= limit:
                            return out
        return out

    # -- reporting
    def report(self, diffs):
        pc, flags = self.last
        lines = ["DIVERGENCE after %d blocks (%d instructions), in the block at 0x%08x%s"
                 % (self.blocks, self.ref.icount, pc, self.symbol(pc))]
        info = self.find_tb(self.jit, pc, flags) or self.find_tb(self.ref, pc, flags)
        lines.append("")
        lines += ["  " + d for d in diffs]
        if info is not None:
            lines += ["", "guest code:"] + ["  " + l for l in self.disassemble(info)]
            lines += ["", "IR:"] + ["  " + l for l in format_block(info.block.builder.ops, info.block.builder.op_pc).splitlines()]
            lines += ["", "LLVM IR:"] + ["  " + l for l in self.llvm_ir(info).splitlines()]
        return "\n".join(lines)

    def symbol(self, pc):
        syms = getattr(self.image, "symbols", None)
        name = syms.format(pc) if syms is not None else None
        return " <%s>" % name if name else ""

    @staticmethod
    def find_tb(emu, pc, flags):
        found = [i for i in emu.tbs.values() if i.pc == pc and i.flags == flags]
        return found[-1] if found else None

    @staticmethod
    def disassemble(info):
        words = info.block.insns
        try:
            import capstone
            md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM)
            out = []
            for pc, word in words:
                insn = next(md.disasm(word.to_bytes(4, "little"), pc), None)
                text = "%s %s" % (insn.mnemonic, insn.op_str) if insn else "(undefined)"
                out.append("%08x: %08x  %s" % (pc, word, text))
            return out
        except ImportError:
            return ["%08x: %08x" % (pc, word) for pc, word in words]

    def llvm_ir(self, info):
        from backend.lower import BlockSource, module_text
        try:
            text = module_text([BlockSource.from_tbinfo(info)])
        except Exception as e:
            return "(cannot lower: %s)" % e
        return text[text.index("define"):]


def compare(image=None, ram_size=128 << 20, max_blocks=None, out=sys.stdout, icount_shift=0,
            max_insns=None, machine="virt", config=None):
    """Run the comparison; returns the exit status (0 agreed, 1 diverged).
    config: a MachineConfig for both machines (as `armtcg run` builds one)."""
    ls = Lockstep(image, ram_size, icount_shift, machine=machine, config=config)
    try:
        sys.stderr.write("armtcg compare: both machines built, running in lockstep\n")
        sys.stderr.flush()
        reason = ls.run(max_blocks, max_insns=max_insns)
    except Divergence as d:
        out.write(str(d) + "\n")
        return 1
    except KeyboardInterrupt:         # Ctrl-C: each step returns to Python within a block
        out.write("armtcg compare: interrupted after %d blocks, %d instructions "
                  "(interp and jit agreed so far)\n" % (ls.blocks, ls.ref.icount))
        return EXIT_INTERRUPTED
    finally:
        ls.close()
    if reason is not None:
        how = "guest stopped: %s" % reason.kind
    elif max_insns is not None and ls.ref.icount >= max_insns:
        how = "stopped after --max-insns"
    else:
        how = "stopped after --max-blocks"
    out.write("armtcg compare: interp and jit agree on %d blocks, %d instructions (%s)\n"
              % (ls.blocks, ls.ref.icount, how))
    printed = ls.out_ref.getvalue()
    if printed:
        last = printed.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].strip(b"\r")
        out.write("armtcg compare: the guest printed %d bytes on the UART, the last line: %r\n"
                  % (len(printed), last.decode(errors="replace")[-120:]))
    return 0
