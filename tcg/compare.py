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

On the first divergence the report names the block (pc, symbol), shows its
guest disassembly, its IR, its LLVM IR and the differing registers or bytes.
"""

import io
import sys

from runtime import core
from runtime.boards.virt import RAM_BASE
from tcg import interp
from runtime.abi import DEBUG_STORES
from tcg.emulator import virt_emulator
from tcg.ir import format_block

STATE_NAMES = core.arch_state_names()
EXIT_INTERRUPTED = 130            # 128 + SIGINT, as armtcg run
FULL_COMPARE_EVERY = 20000


class Divergence(Exception):
    pass


class Lockstep:
    def __init__(self, image, ram_size=128 << 20, icount_shift=0, jit_opt=2):
        self.out_ref, self.out_jit = io.BytesIO(), io.BytesIO()
        opts = dict(icount_shift=icount_shift)
        self.ref = virt_emulator(ram_size, uart_out=self.out_ref, engine="interp", **opts)
        self.jit = virt_emulator(ram_size, uart_out=self.out_jit, engine="jit", jit_opt=jit_opt,
                                 **opts)
        self.image = self.ref.board.load(image)
        self.jit.board.load(image)
        self.ref.step_debug_flags = DEBUG_STORES
        self.ram_size = ram_size
        self.blocks = 0
        self.last = None          # (pc, flags) of the block just compared

    def run(self, max_blocks=None, full_every=FULL_COMPARE_EVERY):
        """Step until both guests stop; returns the StopReason or raises
        Divergence with a report."""
        ref, jit = self.ref, self.jit
        interp.take_store_log(ref.cpu)
        while max_blocks is None or self.blocks < max_blocks:
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
            for addr, size in stores:
                x, y = self._read(ref, addr, size), self._read(jit, addr, size)
                if x != y:
                    diffs.append("memory %08x (%d bytes)  interp %s  jit %s"
                                 % (addr, size, x.hex(), y.hex()))
        if self.out_ref.getvalue() != self.out_jit.getvalue():
            diffs.append("UART output differs: interp %r  jit %r"
                         % (self.out_ref.getvalue()[-40:], self.out_jit.getvalue()[-40:]))
        if full and not diffs:
            diffs += self.ram_diff()
        if diffs:
            raise Divergence(self.report(diffs))

    @staticmethod
    def _read(emu, addr, size):
        try:
            return bytes(emu.virt_read(addr, size))
        except Exception as e:            # unmapped now (the block changed the MMU)
            return ("<%s>" % e).encode()

    def ram_diff(self, limit=8):
        base = RAM_BASE
        step = 1 << 20
        out = []
        for off in range(0, self.ram_size, step):
            x = self.ref.mem_read(base + off, step)
            y = self.jit.mem_read(base + off, step)
            if x != y:
                for i in range(0, step, 4):
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


def compare(image, ram_size=128 << 20, max_blocks=None, out=sys.stdout, icount_shift=0):
    """Run the comparison; returns the exit status (0 agreed, 1 diverged)."""
    ls = Lockstep(image, ram_size, icount_shift)
    try:
        reason = ls.run(max_blocks)
    except Divergence as d:
        out.write(str(d) + "\n")
        return 1
    except KeyboardInterrupt:         # Ctrl-C: each step returns to Python within a block
        out.write("armtcg compare: interrupted after %d blocks, %d instructions "
                  "(interp and jit agreed so far)\n" % (ls.blocks, ls.ref.icount))
        return EXIT_INTERRUPTED
    finally:
        for emu in (ls.ref, ls.jit):
            emu.close()
    how = ("guest stopped: %s" % reason.kind) if reason is not None else \
        "stopped after --max-blocks"
    out.write("armtcg compare: interp and jit agree on %d blocks, %d instructions (%s)\n"
              % (ls.blocks, ls.ref.icount, how))
    return 0
