"""Run generated cases in unicorn and in armtcg and compare the final states.

One batch = the cases of one class.  The batch is assembled by one
arm-none-eabi-as call: case i sits at CODE_BASE + CODE_PAD + i * SLOT
(`.org` makes the assembler reject a case that overflows its slot) and ends
with `b .`.  The code is written once per batch into both emulators; each
case then only resets r0-r15, CPSR and the data window.

Where to stop.  Control flow in a case is acyclic (gen.py), so at most
ninsns instructions run before the pc reaches the final `b .` (the end
address).  unicorn runs `emu_start(start, until=end, count=ninsns + 1)`:
it stops at the end address, the count only guards against a generator
bug.  armtcg runs exactly `run(count=ninsns + 1)`: whichever path was
taken, the remaining instructions are spent spinning on `b .`, which
changes nothing, so the final pc must equal the end address.  This needs
no per-instruction stepping, and a case that does not reach the end shows
up as a pc divergence.

Compared: r0-r15, the whole CPSR, the banked registers of every mode
(r8-r14 of usr and fiq, r13/r14 and SPSR of the exception modes; read and
set by switching the mode through CPSR writes, the same way on both sides),
the whole data window.  Every case starts with random banked registers.
Exceptions: unicorn does not enter them (it reports them to hooks or stops),
so an `exception` case runs in unicorn up to its last instruction, which
raises the exception, and the entry is done here per the ARM ARM
(exception_entry); armtcg enters it itself and spins on the vector's `b .`.
Where unicorn is known to be wrong (ERRATA below, each citing the ARM ARM
rule), a reference written from the pseudocode executes that instruction
in unicorn's place -- only where the bug bites -- so neither emulator is
trusted for it.
Run as a script to replay one case:
    python -m tests.diff.harness CLASS INDEX SEED
"""

import os
import subprocess
import sys
import tempfile
import traceback

from tests.diff import gen
from tests.diff.gen import (CODE_BASE, CODE_PAD, SLOT, DATA_BASE, DATA_SIZE,
                            CPSR_MODE_BITS, M32)

AS = "arm-none-eabi-as"
B_SELF = 0xEAFFFFFE                # `b .`
CPSR_COMPARED = 0xFFFFFFFF         # the whole CPSR: NZCVQ, IT, J, GE, E, A, I, F, T, M
VECTORS_SIZE = 0x1000              # mapped at 0, filled with `b .`: an
                                   # unexpected exception parks the pc there


class AssemblyError(Exception):
    pass


B_SELF_T16 = 0xE7FE                # `b .` in Thumb state


def assemble(cases):
    """The code blob for a batch (to be loaded at CODE_BASE).  Thumb cases
    (case.thumb) are assembled in Thumb state; their end and last
    instruction addresses come from the object's symbols."""
    src = [".syntax unified", ".arm", ".text", ".p2align 2"]
    line_case = {}
    for i, c in enumerate(cases):
        src.append(".org %d" % (CODE_PAD + i * SLOT))
        src.append(".thumb" if c.thumb else ".arm")
        body = c.prologue + c.lines
        ninsn = 0
        for k, line in enumerate(body + ["b ."]):
            if c.thumb and k == len(body):
                src.append("case_end_%d:" % i)
            elif c.thumb and not line.endswith(":"):
                src.append("case_insn_%d_%d:" % (i, ninsn))
                ninsn += 1
            line_case[len(src) + 1] = i
            src.append(line)
    src.append(".org %d" % (CODE_PAD + len(cases) * SLOT + CODE_PAD))
    with tempfile.TemporaryDirectory() as tmp:
        s, o, b = (os.path.join(tmp, n) for n in ("t.s", "t.o", "t.bin"))
        with open(s, "w") as f:
            f.write("\n".join(src) + "\n")
        r = subprocess.run([AS, "-march=armv7ve", "-mfpu=neon-vfpv4", "--fatal-warnings", s,
                            "-o", o],
                           capture_output=True, text=True)
        if r.returncode:
            msgs = []
            for msg in r.stderr.splitlines()[:20]:
                parts = msg.split(":")
                if len(parts) > 2 and parts[1].isdigit() and int(parts[1]) in line_case:
                    c = cases[line_case[int(parts[1])]]
                    msg += "\n  in case %s[%d]:\n    %s" % (c.cls, c.index,
                                                           c.text().replace("\n", "\n    "))
                msgs.append(msg)
            raise AssemblyError("\n".join(msgs))
        relocs = subprocess.run(["arm-none-eabi-objdump", "-r", o],
                                capture_output=True, text=True).stdout
        symbols = {}
        for row in subprocess.run(["arm-none-eabi-nm", o], capture_output=True,
                                  text=True).stdout.splitlines():
            parts = row.split()
            if len(parts) == 3 and parts[2].startswith("case_"):
                symbols[parts[2]] = CODE_BASE + (int(parts[0], 16) & ~1)
        if "R_ARM" in relocs:
            raise AssemblyError("unresolved relocations:\n" + relocs)
        subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".text", o, b],
                       check=True)
        with open(b, "rb") as f:
            blob = f.read()
    for i, c in enumerate(cases):
        if c.thumb:
            c.end_addr = symbols["case_end_%d" % i]
            c.insn_addrs = [symbols["case_insn_%d_%d" % (i, k)] for k in range(c.ninsns)]
            end = c.end_addr
            word = int.from_bytes(blob[end - CODE_BASE:end - CODE_BASE + 2], "little")
            assert word == B_SELF_T16, "case %d: no `b .` at its end" % i
            continue
        end = case_end(i, c)
        word = int.from_bytes(blob[end - CODE_BASE:end - CODE_BASE + 4], "little")
        assert word == B_SELF, "case %d: no `b .` at its end (pseudo-instruction?)" % i
    return blob


def case_start(i):
    return CODE_BASE + CODE_PAD + i * SLOT


def case_end(i, case):
    if case.thumb:
        return case.end_addr
    return case_start(i) + 4 * case.ninsns


def initial_cpsr(case):
    return case.initial_cpsr()


def expected_end(i, case):
    """Where the pc must be when the case is done: its final `b .`, or the
    vector of the exception its last instruction raises (filled with `b .`)."""
    if case.exc:
        return EXC_ENTRY[case.exc][1]
    return case_end(i, case)


# ----------------------------------------------------------------- exceptions
# Exception entry (ARM ARM B1.9.10-B1.9.13, TakeUndefInstrException,
# TakeSVCException, TakePrefetchAbortException, TakeDataAbortException),
# ARMv7-A without the Security and Virtualization Extensions, ARM state,
# SCTLR.V = 0 with VBAR = 0, SCTLR.TE = SCTLR.EE = 0:
# kind -> (mode, vector offset, LR = address of the instruction + this, extra mask)
# BKPT is a Prefetch Abort (a debug event with debug disabled, C3.3.1).
EXC_ENTRY = {"und": ("und", 0x04, 4, 0), "svc": ("svc", 0x08, 4, 0),
             "bkpt": ("abt", 0x0C, 4, gen.CPSR_A), "dabort": ("abt", 0x10, 8, gen.CPSR_A)}
# B1.8.3 Table B1-7 (offsets for the LR value): Thumb state differs for
# Undefined Instruction (+2) and SVC (+2: the next, 16-bit, instruction)
THUMB_LR_OFFSET = {"und": 2, "svc": 2, "bkpt": 4, "dabort": 8}
CPSR_IT = 0x0600FC00                               # IT<1:0> = CPSR<26:25>, IT<7:2> = <15:10>
CPSR_EXEC_STATE = CPSR_IT | 1 << 24 | 1 << 5         # IT<7:0>, J, T
CPSR_T = 1 << 5


def it_advance_cpsr(cpsr):
    """CPSR with ITSTATE advanced (ITAdvance, A2.5.2)."""
    it = ((cpsr >> 25) & 3) | ((cpsr >> 8) & 0xFC)
    it = 0 if it & 7 == 0 else (it & 0xE0) | ((it << 1) & 0x1F)
    return (cpsr & ~0x0600FC00) | ((it & 3) << 25) | ((it >> 2) << 10)


def exception_entry(kind, cpsr, insn_addr):
    """(new CPSR, LR, SPSR, pc) after the exception: M, I = 1 (and A for
    aborts), J = T = IT = 0 (SCTLR.TE = 0), E = SCTLR.EE = 0; SPSR = the
    old CPSR -- for SVC with ITSTATE advanced past it (TakeSVCException)."""
    mode, vector, lr_off, extra = EXC_ENTRY[kind]
    if cpsr & CPSR_T:
        lr_off = THUMB_LR_OFFSET[kind]
        if kind == "svc":
            cpsr = it_advance_cpsr(cpsr)
    new = (cpsr & ~(0x1F | CPSR_EXEC_STATE | gen.CPSR_E)) | gen.MODES[mode] | gen.CPSR_I | extra
    return new, (insn_addr + lr_off) & M32, cpsr, vector


def exception_insn_addr(i, case):
    return insn_addr(i, case, case.ninsns - 1)


def insn_addr(i, case, k):
    """Address of the case's k-th instruction."""
    if case.thumb:
        return case.insn_addrs[k]
    return case_start(i) + 4 * k


class RegAccess:
    """Banked-register access by mode switching, the same on both sides:
    write_cpsr switches the register bank as an exception or MSR would."""

    def set_banked(self, case):
        for mode, regs in gen.BANKED.items():
            self.write_cpsr(0x1C0 | gen.MODES[mode])
            for r in regs:
                self.write(r, case.banked.get((mode, r), 0))

    def read_banked(self):
        cpsr = self.read("cpsr")
        out = []
        for mode, regs in gen.BANKED.items():
            self.write_cpsr((cpsr & ~0x1F) | gen.MODES[mode])
            out += [self.read(r) & M32 for r in regs]
        self.write_cpsr(cpsr)
        return tuple(out)


BANKED_NAMES = ["%s_%s" % (r, m) for m, regs in gen.BANKED.items() for r in regs]


class State:
    """Final state: registers r0-r15, compared CPSR bits, data window."""

    __slots__ = ("regs", "cpsr", "data", "error", "banked")

    def __init__(self, regs, cpsr, data, error=None, banked=()):
        self.regs, self.cpsr, self.data, self.error = regs, cpsr, data, error
        self.banked = banked        # BANKED_NAMES order

    def diff(self, other):
        """Names of the fields that differ."""
        out = []
        if self.error or other.error:
            out.append("error")
        for r in range(16):
            if self.regs[r] != other.regs[r]:
                out.append("r%d" % r)
        if self.cpsr != other.cpsr:
            out.append("cpsr")
        for name, a, b in zip(BANKED_NAMES, self.banked, other.banked):
            if a != b:
                out.append(name)
        if self.data != other.data:
            out.append("data")
        return out


# ----------------------------------------------------------------- unicorn errata
# Where unicorn (QEMU 5.0 based) contradicts the ARM ARM, the instruction is
# executed in unicorn by a small reference written from the ARM ARM
# pseudocode instead: a code hook on its address computes the result from
# unicorn's registers, writes it and moves the pc past it.  armtcg is then
# compared against the ARM ARM, not against unicorn, for that instruction.
# ERRATA_STATS counts how often each reference ran and how often unicorn's
# own result would have been wrong.

def _s16(x):
    x &= 0xFFFF
    return x - 0x10000 if x & 0x8000 else x


def _s32(x):
    x &= M32
    return x - (1 << 32) if x & 0x80000000 else x


def ref_smlad(regs, ops, swap):
    """SMLAD{X} (ARM ARM A8.8.166): result = product1 + product2 + SInt(R[a])
    at full precision; Q is set iff result != SInt(result<31:0>).
    unicorn adds the two products first with a 32-bit saturation check and
    sets Q when product1 + product2 == 2^31 (all four halves -32768) even if
    the accumulator brings the final sum back into range."""
    d, n, m, a = ops
    rn, rm = regs[n], regs[m]
    if swap:
        rm = ((rm >> 16) | (rm << 16)) & M32
    p1 = _s16(rn) * _s16(rm)
    p2 = _s16(rn >> 16) * _s16(rm >> 16)
    result = p1 + p2 + _s32(regs[a])
    q = result != _s32(result)
    return {d: result & M32}, q


def smlad_q_bug_applies(regs, ops, swap):
    """unicorn's Q bug bites only when product1 + product2 == 2^31 (it
    saturates the intermediate sum) and the full-precision result fits."""
    d, n, m, a = ops
    rn, rm = regs[n], regs[m]
    if swap:
        rm = ((rm >> 16) | (rm << 16)) & M32
    p1 = _s16(rn) * _s16(rm)
    p2 = _s16(rn >> 16) * _s16(rm >> 16)
    return p1 + p2 == 1 << 31 and not ref_smlad(regs, ops, swap)[1]


# mnemonic (without condition) -> (reference, applies(regs, ops, arg), extra argument):
# the reference replaces unicorn only where applies() says unicorn's bug bites.
ERRATA = {"smlad": (ref_smlad, smlad_q_bug_applies, False),
          "smladx": (ref_smlad, smlad_q_bug_applies, True)}
ERRATA_STATS = {name: [0, 0] for name in ERRATA}      # [executed, replaced by the reference]


def _split_mnemonic(line):
    """('smladx', 'eq', [register numbers]) of an instruction line."""
    mnem, _, rest = line.partition(" ")
    cond = ""
    if len(mnem) > 2 and mnem[-2:] in gen.CONDS and mnem[:-2] in ERRATA:
        mnem, cond = mnem[:-2], mnem[-2:]
    if mnem not in ERRATA:
        return mnem, cond, []
    return mnem, cond, [int(t.strip()[1:]) for t in rest.split(",")]


def errata_sites(i, case):
    """[(address, mnemonic, cond, registers)] of the case's erratum instructions."""
    out = []
    for k, line in enumerate(case.insns):
        mnem, cond, regs = _split_mnemonic(line)
        if mnem in ERRATA:
            nxt = insn_addr(i, case, k + 1) if k + 1 < case.ninsns else case_end(i, case)
            out.append((insn_addr(i, case, k), mnem, cond, regs, nxt))
    return out


# unicorn (QEMU 5.0) ignores an MSR write to CPSR.E in User mode: its mask of
# user-writable bits lacks E.  ARM ARM B9.3.11 MSR (register) ->
# CPSRWriteByInstr (B1.3.3): "CPSR<9> = value<9>; // E bit is user-writable",
# and in User mode nothing else of bytes 1 and 0 (A, I, F, M need privilege).
# Where that bites (User mode, the x field written, E changes), the MSR is
# executed here per that pseudocode instead.
ERRATA_STATS["msr_cpsr_user_e"] = [0, 0]
MSR_FIELD_MASK_USER = {"f": 0xF8000000, "s": 0x000F0000, "x": gen.CPSR_E, "c": 0}


def msr_cpsr_sites(i, case):
    """[(address, fields, register)] of the case's `msr cpsr_<fields>, rN`."""
    out = []
    for k, line in enumerate(case.insns):
        if line.startswith("msr cpsr_"):
            fields, reg = line[len("msr cpsr_"):].split(", ")
            nxt = insn_addr(i, case, k + 1) if k + 1 < case.ninsns else case_end(i, case)
            out.append((insn_addr(i, case, k), fields, int(reg[1:]), nxt))
    return out


def msr_user_e_applies(cpsr, fields, value):
    return cpsr & 0x1F == gen.MODES["usr"] and "x" in fields \
        and (cpsr ^ value) & gen.CPSR_E != 0


def ref_msr_cpsr_user(cpsr, fields, value):
    mask = 0
    for f in fields:
        mask |= MSR_FIELD_MASK_USER[f]
    return (cpsr & ~mask) | (value & mask)


# ----------------------------------------------------------------- unicorn
class UnicornRunner(RegAccess):
    """errata=False: plain unicorn, no reference replaces it (to check
    that an erratum is still there)."""

    def __init__(self, blob, errata=True):
        self.errata = errata
        from unicorn import Uc, UC_ARCH_ARM, UC_MODE_ARM
        from unicorn import arm_const as A
        self.A = A
        uc = Uc(UC_ARCH_ARM, UC_MODE_ARM)
        if hasattr(uc, "ctl_set_cpu_model"):
            uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A15)
        code_size = (len(blob) + 0xFFF) & ~0xFFF
        uc.mem_map(0, VECTORS_SIZE)
        uc.mem_write(0, B_SELF.to_bytes(4, "little") * (VECTORS_SIZE // 4))
        uc.mem_map(CODE_BASE, code_size)
        uc.mem_write(CODE_BASE, blob)
        uc.mem_map(DATA_BASE, DATA_SIZE)
        self.uc = uc
        self.reg_ids = [getattr(A, "UC_ARM_REG_R%d" % i) for i in range(13)] + [
            A.UC_ARM_REG_SP, A.UC_ARM_REG_LR, A.UC_ARM_REG_PC]
        self.names = {"r%d" % r: x for r, x in enumerate(self.reg_ids)}
        self.names.update(cpsr=A.UC_ARM_REG_CPSR, spsr=A.UC_ARM_REG_SPSR)

    def _hook_erratum(self, site):
        """ARM state: the reference replaces the instruction (registers
        written, pc moved past it).  Thumb state: unicorn ignores a pc
        written from a hook inside an IT block, so it executes the
        instruction (its register result is right) and a second hook, on
        the next instruction, puts Q where the reference says."""
        from unicorn import UC_HOOK_CODE
        addr, mnem, cond, ops, nxt = site
        ref, applies, arg = ERRATA[mnem]
        ids = self.reg_ids
        q_after = []

        def fix_q(uc, address, size, user_data):
            if q_after:
                cpsr = uc.reg_read(self.A.UC_ARM_REG_CPSR)
                uc.reg_write(self.A.UC_ARM_REG_CPSR, (cpsr & ~(1 << 27)) | q_after.pop())

        def execute_reference(uc, address, size, user_data):
            cpsr = uc.reg_read(self.A.UC_ARM_REG_CPSR)
            if not gen.cond_passed(cond, cpsr):
                return
            regs = [uc.reg_read(x) for x in ids[:15]]
            ERRATA_STATS[mnem][0] += 1
            if not applies(regs, ops, arg):
                return              # unicorn executes it itself
            out, q = ref(regs, ops, arg)
            ERRATA_STATS[mnem][1] += 1
            if self.thumb:
                q_after.append(cpsr & 1 << 27 | (1 << 27 if q else 0))
                return
            for r, v in out.items():
                uc.reg_write(ids[r], v)
            if q:
                uc.reg_write(self.A.UC_ARM_REG_CPSR, cpsr | 1 << 27)
            uc.reg_write(ids[15], addr + 4)

        self.post_run.append(lambda: fix_q(self.uc, nxt, 0, None))   # nxt: the end
        return [self.uc.hook_add(UC_HOOK_CODE, execute_reference, begin=addr, end=addr),
                self.uc.hook_add(UC_HOOK_CODE, fix_q, begin=nxt, end=nxt)]

    def read(self, name):
        return self.uc.reg_read(self.names[name])

    def write(self, name, value):
        self.uc.reg_write(self.names[name], value)

    def write_cpsr(self, value):
        self.uc.reg_write(self.A.UC_ARM_REG_CPSR, value)

    def _hook_msr_user_e(self, site):
        """As _hook_erratum: in Thumb state unicorn executes the MSR and the
        CPSR the reference computed is written at the next instruction."""
        from unicorn import UC_HOOK_CODE
        addr, fields, reg, nxt = site
        ids = self.reg_ids
        cpsr_after = []

        def execute_reference(uc, address, size, user_data):
            cpsr, value = self.read("cpsr"), uc.reg_read(ids[reg])
            ERRATA_STATS["msr_cpsr_user_e"][0] += 1
            if not msr_user_e_applies(cpsr, fields, value):
                return              # unicorn executes it itself
            ERRATA_STATS["msr_cpsr_user_e"][1] += 1
            if self.thumb:
                cpsr_after.append(ref_msr_cpsr_user(cpsr, fields, value))
                return
            self.write_cpsr(ref_msr_cpsr_user(cpsr, fields, value))
            uc.reg_write(ids[15], addr + 4)

        def fix_cpsr(uc, address, size, user_data):
            if cpsr_after:
                self.write_cpsr(cpsr_after.pop())

        self.post_run.append(lambda: fix_cpsr(self.uc, nxt, 0, None))   # nxt: the end
        return [self.uc.hook_add(UC_HOOK_CODE, execute_reference, begin=addr, end=addr),
                self.uc.hook_add(UC_HOOK_CODE, fix_cpsr, begin=nxt, end=nxt)]

    def run(self, i, case):
        from unicorn import UcError
        uc, ids = self.uc, self.reg_ids
        self.set_banked(case)
        self.write_cpsr(initial_cpsr(case))
        self.thumb = int(case.thumb)
        self.post_run = []      # fixes due at the end address (where no hook runs)
        for r in range(15):
            uc.reg_write(ids[r], case.regs[r])
        uc.mem_write(DATA_BASE, case.data())
        hooks = [h for site in errata_sites(i, case) for h in self._hook_erratum(site)] + [
            h for site in msr_cpsr_sites(i, case) for h in self._hook_msr_user_e(site)] \
            if self.errata else []
        err = None
        # unicorn reports exceptions to hooks (or stops with an error) but
        # does not enter them: an exception case runs up to its last
        # instruction, and the entry is done here as the ARM ARM says
        stop_at = exception_insn_addr(i, case) if case.exc else case_end(i, case)
        try:
            uc.emu_start(case_start(i) | int(case.thumb), stop_at, count=case.ninsns + 1)
        except UcError as e:
            err = "unicorn: %s" % e
        for h in hooks:
            uc.hook_del(h)
        if err is None:
            for fix in self.post_run:
                fix()
        if case.exc and err is None and uc.reg_read(ids[15]) == stop_at:
            cpsr, lr, spsr, pc = exception_entry(case.exc, self.read("cpsr"), stop_at)
            self.write_cpsr(cpsr)
            self.write("r14", lr)
            self.write("spsr", spsr)
            self.write("r15", pc)
        return State([uc.reg_read(x) for x in ids],
                     self.read("cpsr") & CPSR_COMPARED,
                     bytes(uc.mem_read(DATA_BASE, DATA_SIZE)), err, self.read_banked())


# ----------------------------------------------------------------- armtcg
def armtcg_available():
    try:
        import tcg.emulator  # noqa: F401
        return True
    except Exception:
        return False


class ArmtcgRunner(RegAccess):
    """engine jit compiles every block before it runs.  engine auto runs
    with jit_sync: each case runs twice, first interpreted (its blocks
    reach the threshold of 1 and are queued), then -- the queue compiled
    on the run thread at the start of the second run -- natively; both
    runs are compared.  `passes` is the number of runs per case."""

    def __init__(self, blob, engine="interp", **engine_options):
        from tcg.emulator import Emulator
        if engine == "auto":
            engine_options = dict(dict(jit_threshold=1, jit_sync=True), **engine_options)
        self.passes = 2 if engine == "auto" else 1
        self.native_expected = engine != "interp"
        emu = Emulator(engine=engine, **engine_options)
        code_size = (len(blob) + 0xFFF) & ~0xFFF
        emu.map_ram(0, VECTORS_SIZE)
        emu.mem_write(0, B_SELF.to_bytes(4, "little") * (VECTORS_SIZE // 4))
        emu.map_ram(CODE_BASE, code_size)
        emu.mem_write(CODE_BASE, blob)
        emu.map_ram(DATA_BASE, DATA_SIZE)
        self.emu = emu
        self.names = ["r%d" % r for r in range(16)]

    def ran_native(self, i):
        """Whether the case's first block has native code (after its run)."""
        start = case_start(i)
        return any(info.pc == start and self.emu.cpu.tb_is_native(info.addr)
                   for info in self.emu.tbs.values())

    def read(self, name):
        return self.emu.reg_read(name)

    def write(self, name, value):
        self.emu.reg_write(name, value)

    def write_cpsr(self, value):
        self.emu.reg_write("cpsr", value)

    def run(self, i, case):
        emu = self.emu
        self.set_banked(case)
        emu.reg_write("cpsr", initial_cpsr(case))
        for r in range(15):
            emu.reg_write(self.names[r], case.regs[r])
        emu.reg_write("pc", case_start(i))
        emu.mem_write(DATA_BASE, case.data())
        err = None
        try:
            stop = emu.run(count=case.ninsns + 1)
            if stop.kind != "count":
                err = "armtcg stopped: %s" % (stop,)
        except Exception:  # an emulator crash is a finding, not a test error
            err = "armtcg raised:\n" + traceback.format_exc(limit=-4)
        return State([emu.reg_read(n) & M32 for n in self.names],
                     emu.reg_read("cpsr") & CPSR_COMPARED,
                     bytes(emu.mem_read(DATA_BASE, DATA_SIZE)), err, self.read_banked())


# ----------------------------------------------------------------- reports
def fmt_flags(cpsr):
    return "%08x %s%s%s%s%s GE=%s %s%s%s%s%s M=%02x" % tuple(
        [cpsr] +
        [ch if cpsr >> b & 1 else "-" for ch, b in zip("NZCVQ", (31, 30, 29, 28, 27))] +
        [format(cpsr >> 16 & 0xF, "04b")] +
        [ch if cpsr >> b & 1 else "-" for ch, b in zip("EAIFT", (9, 8, 7, 6, 5))] +
        [cpsr & 0x1F])


def fmt_data_diff(a, b, limit=8):
    out = []
    for off in range(0, DATA_SIZE, 4):
        if a[off:off + 4] != b[off:off + 4]:
            out.append("    [%#x] %s vs %s" % (DATA_BASE + off, a[off:off + 4].hex(),
                                                b[off:off + 4].hex()))
            if len(out) >= limit:
                break
    return out


def report(i, case, seed, ref, got, ref_name="unicorn", got_name="armtcg"):
    fields = ref.diff(got)
    lines = ["DIVERGENCE %s[%d] (seed %s) in %s" % (case.cls, case.index, seed, fields),
             "  replay: python -m tests.diff.harness %s %d %s" % (case.cls, case.index, seed),
             "  code at %#x:" % case_start(i)]
    lines += ["    " + l for l in (case.prologue + case.lines)]
    lines.append("  initial: cpsr %s" % fmt_flags(initial_cpsr(case)))
    lines.append("    " + " ".join("r%d=%08x" % (r, v) for r, v in enumerate(case.regs)))
    lines += case.initial_lines() if hasattr(case, "initial_lines") else []
    for name, st in ((ref_name, ref), (got_name, got)):
        if st.error:
            lines.append("  %s error: %s" % (name, st.error))
    for f in fields:
        if f.startswith("r") and f not in BANKED_NAMES:
            r = int(f[1:])
            lines.append("  %-4s %s=%08x %s=%08x" % (f, ref_name, ref.regs[r], got_name, got.regs[r]))
        elif f == "cpsr":
            lines.append("  cpsr %s=%s %s=%s" % (ref_name, fmt_flags(ref.cpsr), got_name,
                                                 fmt_flags(got.cpsr)))
        elif f in BANKED_NAMES:
            k = BANKED_NAMES.index(f)
            lines.append("  %-4s %s=%08x %s=%08x" % (f, ref_name, ref.banked[k], got_name,
                                                     got.banked[k]))
        elif f == "data":
            lines.append("  data (%s vs %s):" % (ref_name, got_name))
            lines += fmt_data_diff(ref.data, got.data)
        elif hasattr(ref, "field_line"):     # state a State subclass adds
            lines.append(ref.field_line(f, got, ref_name, got_name))
    return "\n".join(lines)


def run_batch(cases, seed, runners=("unicorn", "armtcg"), max_reports=5, engine="interp",
              stats=None, runner_classes=None, **engine_options):
    """Run every case on both sides; return (reports, ncases_diverged).
    stats (a dict) gets "native": how many cases' last run was native code
    (for the JIT engines), and "runs": armtcg runs compared.
    runner_classes: (unicorn, armtcg) runner classes comparing more state
    (tests/diff/vfp.py)."""
    uc_class, tc_class = runner_classes or (UnicornRunner, ArmtcgRunner)
    blob = assemble(cases)
    uc = uc_class(blob)
    tc = tc_class(blob, engine, **engine_options) if "armtcg" in runners else None
    reports, bad, native, runs = [], 0, 0, 0
    for i, case in enumerate(cases):
        ref = uc.run(i, case)
        if ref.error or ref.regs[15] != expected_end(i, case):
            # the generator must never produce a faulting or runaway case
            bad += 1
            if len(reports) < max_reports:
                reports.append("BAD CASE (unicorn did not reach the end)\n" +
                               report(i, case, seed, ref, ref))
            continue
        if tc is None:
            continue
        diverged = False
        for p in range(tc.passes):
            got = tc.run(i, case)
            runs += 1
            if ref.diff(got) and not diverged:
                diverged = True
                bad += 1
                if len(reports) < max_reports:
                    name = "armtcg" if tc.passes == 1 else "armtcg(run %d)" % (p + 1)
                    reports.append(report(i, case, seed, ref, got, got_name=name))
        if tc.native_expected and tc.ran_native(i):
            native += 1
    if stats is not None:
        stats.update(native=native, runs=runs)
    return reports, bad


def diff_size(request, default_per_class):
    """(instructions per class, seed) of a differential test module:
    --diff-count or ARMTCG_DIFF_SCALE times the module's default; the seed
    tests/conftest.py chose for this run unless --diff-seed gave one."""
    count = request.config.getoption("--diff-count")
    if count is None:
        count = int(default_per_class * float(os.environ.get("ARMTCG_DIFF_SCALE", "1")))
    return count, request.config.getoption("--diff-seed") or os.environ["ARMTCG_DIFF_SEED"]


def main(argv):
    cls, index = argv[0], int(argv[1])
    seed = argv[2] if len(argv) > 2 else os.environ["ARMTCG_DIFF_SEED"]
    if cls.startswith(("vfp_", "t32_vfp_")):
        from tests.diff import vfp
        return vfp.main([cls, str(index), seed])
    case = gen.make_case(seed, cls, index)
    blob = assemble([case])
    print(case.text())
    ref = UnicornRunner(blob).run(0, case)
    got = ArmtcgRunner(blob).run(0, case) if armtcg_available() else ref
    print(report(0, case, seed, ref, got))


if __name__ == "__main__":
    main(sys.argv[1:])
