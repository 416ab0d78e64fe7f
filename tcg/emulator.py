"""The embedding API: one handle, a few verbs (in the spirit of unicorn).

    emu = Emulator()
    emu.map_ram(0x40000000, 128 << 20)
    emu.mem_write(0x40000000, code)
    emu.reg_write("pc", 0x40000000)
    stop = emu.run(count=1000)

The run loop lives here: C (tcg.interp.cpu_exec) runs blocks until it
needs Python -- a block to translate, an exception Python serves
(semihosting, PSCI, WFI), a stop request or the instruction budget.
"""

from collections import namedtuple

from runtime import core
from tcg import interp
from tcg.ir import EXCP_HVC, EXCP_SMC, EXCP_SEMIHOST, EXCP_HALTED, EXCP_PREFETCH_ABORT
from frontend.translate import translate_block, FetchFault

StopReason = namedtuple("StopReason", "kind exit_code pc icount")
StopReason.__new__.__defaults__ = (None, 0, 0)

EXCEPTION_NAMES = {1: "undef", 2: "svc", 3: "prefetch_abort", 4: "data_abort", 5: "irq",
                   6: "fiq", 7: "bkpt", 11: "hvc", 13: "smc"}

MAX_TBS_BEFORE_FLUSH = 200000


class EmulatorError(Exception):
    pass


class TBInfo:
    """Python-side record of a translated block (for invalidation,
    -d in_asm/op, profiling)."""

    __slots__ = ("addr", "pc", "flags", "phys", "block", "id")

    def __init__(self, addr, pc, flags, phys, block, tb_id):
        self.addr = addr
        self.pc = pc
        self.flags = flags
        self.phys = phys            # physical address of the first instruction
        self.block = block
        self.id = tb_id

    @property
    def phys_page(self):
        return self.phys & ~0xFFF


class Emulator:
    ENGINES = ("interp",)

    def __init__(self, semihosting=False, cp15_table=None, engine="interp"):
        if engine not in self.ENGINES:
            raise EmulatorError("engine %r is not available (have: %s)"
                                % (engine, ", ".join(self.ENGINES)))
        self.engine = engine
        self.cpu = core.CPU()
        self.cpu.invalidate_hook = self._invalidate_range
        self.cpu.semihosting = semihosting
        self.semihosting = semihosting
        from runtime import cp15
        self.cp15 = cp15_table or cp15
        self.cp15.reset(self.cpu)
        self.tbs = {}              # id -> TBInfo (live)
        self.tbs_by_page = {}      # physical page -> [TBInfo]
        self.unlinked = []         # invalidated TB addresses, freed at the next flush
        self._next_tb_id = 0
        self.translations = {}     # (pc, flags) -> times translated
        self.semihost_handler = None
        self.hvc_handler = None
        self.smc_handler = None
        self.on_translate = None   # fn(TBInfo) after a block is translated
        self.on_exception = None   # fn(emu, excp_number) before it is taken
        self.on_block = None       # fn(emu, pc) before each block (slow: -d exec)
        self.idle_handler = None   # fn(emu) -> bool: WFI with nothing pending; True = woke

    # -- memory
    def map_ram(self, base, size, readonly=False):
        return self.cpu.map_ram(base, size, readonly)

    def map_mmio(self, base, size, read=None, write=None, device=None):
        if device is None:
            device = _FnDevice(read, write)
        self.cpu.map_mmio(base, size, device)

    def mem_read(self, addr, n):
        return self.cpu.phys_read(addr, n)

    def mem_write(self, addr, data):
        self.cpu.phys_write(addr, data)

    def virt_read(self, addr, n):
        return self.cpu.virt_read(addr, n)

    def virt_write(self, addr, data):
        self.cpu.virt_write(addr, data)

    # -- registers
    def reg_read(self, name):
        return self.cpu.reg_read(name)

    def reg_write(self, name, value):
        self.cpu.reg_write(name, value & 0xFFFFFFFF)

    @property
    def icount(self):
        return self.cpu.icount

    @property
    def pc(self):
        return self.cpu.reg_read(15)

    def request_stop(self):
        self.cpu.request_stop()

    # -- translation
    def _translate(self, pc, flags):
        first_phys = []

        def fetch(addr):
            word, pa = self.cpu.fetch_insn(addr)   # pa is the fault status on failure
            if word is None:
                raise FetchFault(pa)
            if not first_phys:
                first_phys.append(pa)
            return word

        try:
            block = translate_block(fetch, pc, flags, self.semihosting, self.cp15)
        except FetchFault as fault:
            self.cpu.raise_prefetch_abort(pc, fault.args[0])
            return self._serve_exception(EXCP_PREFETCH_ABORT)
        phys = first_phys[0]
        self.cpu.mark_code(phys, block.size)
        ops, op_pc, op_insn = block.builder.pack()
        tb_id = self._next_tb_id
        self._next_tb_id += 1
        addr = self.cpu.install_tb(pc, flags, ops, op_pc, op_insn, block.ninsns, block.size, tb_id,
                                   phys)
        info = TBInfo(addr, pc, flags, phys, block, tb_id)
        self.tbs[tb_id] = info
        self.tbs_by_page.setdefault(info.phys_page, []).append(info)
        key = (pc, flags)
        self.translations[key] = self.translations.get(key, 0) + 1
        if self.on_translate is not None:
            self.on_translate(info)

    def _invalidate_range(self, pa, size):
        """Guest or host store to [pa, pa+size), inside one page: unlink the
        TBs whose code it overlaps, then re-mark the code that stays."""
        page = pa & ~0xFFF
        keep, drop = [], []
        for info in self.tbs_by_page.get(page, ()):
            overlaps = info.phys < pa + size and pa < info.phys + info.block.size
            (drop if overlaps else keep).append(info)
        for info in drop:
            self.cpu.invalidate_tb(info.addr)
            self.unlinked.append(info.addr)
            del self.tbs[info.id]
        self.tbs_by_page[page] = keep
        self.cpu.clear_code_page(page)
        for info in keep:
            self.cpu.mark_code(info.phys, info.block.size)

    def reset(self):
        """Back to the reset state: CPU, system registers, no translated code."""
        self.cpu.reset()
        self.cp15.reset(self.cpu)
        self.flush_tbs()

    def flush_tbs(self):
        """Drop all translated code (between runs only)."""
        self.cpu.flush_tbs()
        for addr in self.unlinked:
            core.free_unlinked_tb(addr)
        self.unlinked = []
        self.tbs.clear()
        self.tbs_by_page.clear()

    # -- running
    def run(self, count=None):
        """Run until stopped; with count, execute exactly that many
        instructions (exceptions entered count as the instruction that
        raised them).  Returns a StopReason."""
        cpu = self.cpu
        start = cpu.icount
        cpu.icount_limit = start + count if count is not None else (1 << 64) - 1
        debug = self.on_block is not None
        interp.set_debug_flags(cpu, (1 if self.on_exception else 0) | (2 if debug else 0))
        while True:
            if cpu.pending_error is not None:
                err, cpu.pending_error = cpu.pending_error, None
                cpu.exit_request = cpu.exit_request & ~2
                raise err
            r = interp.cpu_exec(cpu)
            if r == interp.RUN_TB_MISS:
                if len(self.tbs) > MAX_TBS_BEFORE_FLUSH:
                    self.flush_tbs()
                pc, flags = cpu.miss
                self._translate(pc, flags)
            elif r == interp.RUN_DEBUG:
                self.on_block(self, cpu.reg_read(15))
                r = interp.run_debug_step(cpu)
                if r == interp.RUN_TB_MISS:
                    pc, flags = cpu.miss
                    self._translate(pc, flags)
                elif r:
                    stop = self._handle(r)
                    if stop is not None:
                        return stop
            else:
                stop = self._handle(r)
                if stop is not None:
                    return stop

    def _handle(self, r):
        cpu = self.cpu
        if r == interp.RUN_ICOUNT:
            return StopReason("count", 0, cpu.reg_read(15), cpu.icount)
        if r == interp.RUN_STOP:
            req = cpu.exit_request
            cpu.exit_request = req & ~6
            if cpu.pending_error is not None:
                return None           # re-raised at the top of the loop
            if req & 4:
                self.flush_tbs()
                return None
            return StopReason("stop", 0, cpu.reg_read(15), cpu.icount)
        if r == interp.RUN_EXCEPTION:
            return self._serve_exception(cpu.exception_index)
        raise EmulatorError("unexpected exec-loop code %r" % r)

    def _serve_exception(self, excp):
        cpu = self.cpu
        if excp == EXCP_HALTED:
            cpu.exception_index = -1
            if self.idle_handler is not None and self.idle_handler(self):
                return None
            return StopReason("halt", 0, cpu.reg_read(15), cpu.icount)
        if excp == EXCP_SEMIHOST:
            cpu.exception_index = -1
            cpu.reg_write(15, cpu.exception_pc + 4)
            if self.semihost_handler is None:
                return StopReason("error", 1, cpu.exception_pc, cpu.icount)
            return self.semihost_handler(self)
        if excp in (EXCP_HVC, EXCP_SMC):
            handler = self.hvc_handler if excp == EXCP_HVC else self.smc_handler
            if handler is not None:
                pc = cpu.exception_pc
                cpu.reg_write(15, pc + 4)
                handled = handler(self, cpu.exception_arg)
                if isinstance(handled, StopReason):
                    cpu.exception_index = -1
                    return handled
                if handled:
                    cpu.exception_index = -1
                    return None
                cpu.reg_write(15, pc)
        if self.on_exception is not None:
            self.on_exception(self, excp)
        interp.do_pending_exception(cpu)
        return None


class _FnDevice:
    __slots__ = ("read", "write")

    def __init__(self, read, write):
        self.read = read or (lambda off, size: 0)
        self.write = write or (lambda off, size, value: None)
