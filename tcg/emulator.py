"""The embedding API: one handle, a few verbs (in the spirit of unicorn).

    emu = Emulator()
    emu.map_ram(0x40000000, 128 << 20)
    emu.mem_write(0x40000000, code)
    emu.reg_write("pc", 0x40000000)
    stop = emu.run(count=1000)

The run loop lives here: C (tcg.interp.cpu_exec) runs blocks until it
needs Python -- a block to translate, an exception Python serves
(semihosting, PSCI, WFI), a stop request or the instruction budget.
Time is a deadline (runtime/clock.py): the budget is lowered to the next
one under -icount, a host alarm sets EXIT_REQ_CLOCK otherwise, and WFI
sleeps (or skips guest time) until the next deadline or input.
"""

import atexit
import time
import weakref
from collections import namedtuple

from runtime import core
from runtime.clock import Clock
from runtime.devices.gtimer import GenericTimer
from runtime.devices.pmu import PMU
from tcg import interp
from tcg.ir import EXCP_HVC, EXCP_SMC, EXCP_SEMIHOST, EXCP_HALTED, EXCP_PREFETCH_ABORT
from frontend.translate import translate_block, FetchFault

StopReason = namedtuple("StopReason", "kind exit_code pc icount")
StopReason.__new__.__defaults__ = (None, 0, 0)

EXCEPTION_NAMES = {1: "undef", 2: "svc", 3: "prefetch_abort", 4: "data_abort", 5: "irq",
                   6: "fiq", 7: "bkpt", 11: "hvc", 13: "smc"}

DEBUG_EXEC, DEBUG_STORES = 2, 4      # cpu.h debug_flags
EXIT_REQ_STOP, EXIT_REQ_FLUSH, EXIT_REQ_CLOCK = 2, 4, 8   # cpu.h exit_request
NO_LIMIT = (1 << 64) - 1
MAX_TBS_BEFORE_FLUSH = 200000
DEFAULT_JIT_THRESHOLD = 1000    # interpreted runs before a block is compiled


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
    """engine: "interp" runs every block in the IR interpreter; "jit"
    compiles every block to native code before its first run; "auto"
    interprets a block until it has run jit_threshold times, then a
    background thread compiles it (with other hot blocks, in batches)."""

    ENGINES = ("interp", "jit", "auto")

    def __init__(self, semihosting=False, cp15_table=None, engine="interp",
                 jit_threshold=None, jit_opt=2, icount_shift=None):
        if engine not in self.ENGINES:
            raise EmulatorError("engine %r is not available (have: %s)"
                                % (engine, ", ".join(self.ENGINES)))
        if jit_threshold is not None and not 1 <= jit_threshold < 1 << 32:
            raise EmulatorError("jit threshold must be a positive count, not %r" % jit_threshold)
        self.engine = engine
        self.jit_threshold = jit_threshold or DEFAULT_JIT_THRESHOLD
        self.jit_opt = jit_opt     # backend.jit.PASSES level
        # -icount: guest time = instructions << shift ns (None: host time)
        if icount_shift is not None and not 0 <= icount_shift <= 10:
            raise EmulatorError("icount shift must be 0..10, not %r" % icount_shift)
        self.icount_shift = icount_shift
        self.jit = None            # backend.jit.JIT, created on first use
        self.compile_thread = None
        self.cpu = core.CPU()
        self.cpu.invalidate_hook = self._invalidate_range
        self.cpu.semihosting = semihosting
        self.semihosting = semihosting
        from runtime import cp15
        self.cp15 = cp15_table or cp15
        self.cp15.reset(self.cpu)
        # guest time and its deadlines; the generic timer's and the PMU's
        # outputs (the board wires gtimer.irq[...] and pmu.irq to GIC PPIs)
        self.clock = Clock(self.cpu, icount_shift)
        self.gtimer = GenericTimer(self.cpu, self.clock)
        self.pmu = PMU(self.cpu, self.clock)
        self.pmu.reset()
        self._run_limit = NO_LIMIT
        self.tbs = {}              # id -> TBInfo (live)
        self.tbs_by_page = {}      # physical page -> [TBInfo]
        self.unlinked = []         # invalidated TB addresses, freed at the next flush
        self._next_tb_id = 0
        self.translations = {}     # (pc, flags) -> times translated
        self.retired = []          # (TBInfo, exec_count, insn_count, native) of dropped TBs
        self.stats = dict(translate_s=0.0, translated_blocks=0, compile_s=0.0,
                          compiled_blocks=0, compile_batches=0, exec_s=0.0)
        if engine == "auto":
            self.cpu.jit_threshold = self.jit_threshold
        self.semihost_handler = None
        self.hvc_handler = None
        self.smc_handler = None
        self.on_translate = None   # fn(TBInfo) after a block is translated
        self.on_exception = None   # fn(emu, excp_number) before it is taken
        self.on_block = None       # fn(emu, pc) before each block (slow: -d exec)
        self.idle_handler = None   # fn(emu) -> bool: WFI with nothing pending; True = woke
        self.step_debug_flags = 0  # extra DEBUG_* bits for step_block (DEBUG_STORES)

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

    def guest_time_ns(self):
        """The guest's clock (runtime/clock.py): with icount_shift,
        (instructions << shift) + the idle time WFI skipped, in ns
        (deterministic: the same at the same instruction under every
        engine); otherwise host time since the emulator was created."""
        return self.clock.now_ns()

    @property
    def pc(self):
        return self.cpu.reg_read(15)

    def request_stop(self):
        self.cpu.request_stop()
        self.clock.notify()

    # -- translation
    def _translate(self, pc, flags):
        t0 = time.perf_counter()
        try:
            info = self._translate_block(pc, flags)
        finally:
            self.stats["translate_s"] += time.perf_counter() - t0
        if info is not None and self.engine == "jit":
            self.compile_now([info])

    def _translate_block(self, pc, flags):
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
            self._serve_exception(EXCP_PREFETCH_ABORT)
            return None
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
        self.stats["translated_blocks"] += 1
        if self.on_translate is not None:
            self.on_translate(info)
        return info

    # -- native code
    def _jit(self):
        if self.jit is None:
            from backend.jit import JIT
            self.jit = JIT(self.jit_opt)
        return self.jit

    def compile_now(self, infos):
        """Compile these blocks (one LLVM module) and install their code."""
        from backend.lower import BlockSource
        jit = self._jit()
        self.install_native(infos, jit.compile([BlockSource.from_tbinfo(i) for i in infos]))

    def install_native(self, infos, addrs):
        """Called with the GIL held, so no invalidation or flush runs
        concurrently; a block dropped since it was queued is skipped."""
        for info, addr in zip(infos, addrs):
            if self.tbs.get(info.id) is info:
                self.cpu.set_tb_native(info.addr, addr)
        self.stats["compile_s"] = self.jit.compile_s
        self.stats["compiled_blocks"] = self.jit.compiled_blocks
        self.stats["compile_batches"] = self.jit.n_modules

    def _start_compile_thread(self):
        from backend.jit import CompileThread
        self._jit()
        self.compile_thread = CompileThread(weakref.proxy(self))
        _COMPILE_THREADS.add(self.compile_thread)
        self.compile_thread.start()

    def close(self):
        """Stop the background compiler (also done at exit and on GC)."""
        if self.compile_thread is not None:
            self.compile_thread.stop()
            _COMPILE_THREADS.discard(self.compile_thread)
            self.compile_thread = None
        clock = getattr(self, "clock", None)
        if clock is not None:
            clock.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _retire(self, info, native):
        execs, insns = self.cpu.tb_counters(info.addr)
        self.retired.append((info, execs, insns, native))

    def _invalidate_range(self, pa, size):
        """Guest or host store to [pa, pa+size), inside one page: unlink the
        TBs whose code it overlaps, then re-mark the code that stays."""
        page = pa & ~0xFFF
        keep, drop = [], []
        for info in self.tbs_by_page.get(page, ()):
            overlaps = info.phys < pa + size and pa < info.phys + info.block.size
            (drop if overlaps else keep).append(info)
        for info in drop:
            self._retire(info, self.cpu.tb_is_native(info.addr))
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
        self.pmu.reset()
        self.clock.service()      # timer outputs and deadlines of the reset state
        self.flush_tbs()

    def flush_tbs(self):
        """Drop all translated code (between runs only)."""
        for info in self.tbs.values():
            self._retire(info, self.cpu.tb_is_native(info.addr))
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
        self._run_limit = start + count if count is not None else NO_LIMIT
        self._set_icount_limit()
        debug = self.on_block is not None
        interp.set_debug_flags(cpu, (1 if self.on_exception else 0) | (2 if debug else 0))
        if self.engine == "auto" and self.compile_thread is None:
            self._start_compile_thread()
        t0 = time.perf_counter()
        try:
            return self._run_loop(debug)
        finally:
            self.stats["exec_s"] += time.perf_counter() - t0

    def step_block(self):
        """Run exactly one translation block (interrupts and exceptions
        due before it are taken first, as in run()).  Returns a StopReason
        when the guest stopped, else None.  Used by armtcg compare."""
        cpu = self.cpu
        self._run_limit = NO_LIMIT
        self._set_icount_limit()
        interp.set_debug_flags(cpu, DEBUG_EXEC | self.step_debug_flags)
        while True:
            r = interp.cpu_exec(cpu)
            if r == interp.RUN_DEBUG:
                r = interp.run_debug_step(cpu)
                if r == interp.RUN_TB_MISS:
                    self._translate(*cpu.miss)
                    continue
                return self._handle(r) if r else None
            if r == interp.RUN_TB_MISS:
                self._translate(*cpu.miss)
                continue
            stop = self._handle(r)
            if stop is not None or r != interp.RUN_EXCEPTION:
                return stop

    def _run_loop(self, debug):
        cpu = self.cpu
        while True:
            thread = self.compile_thread
            if thread is not None and thread.error is not None:
                err, thread.error = thread.error, None
                raise EmulatorError("JIT compile failed: %s" % err) from err
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

    def _set_icount_limit(self):
        """The run's budget, lowered to the clock's next deadline (icount)."""
        due = self.clock.icount_limit()
        limit = self._run_limit if due is None else min(self._run_limit, due)
        self.cpu.icount_limit = max(limit, self.cpu.icount)

    def _serve_clock(self):
        self.clock.service()
        self._set_icount_limit()

    def _handle(self, r):
        cpu = self.cpu
        if r == interp.RUN_ICOUNT:
            if cpu.icount < self._run_limit:      # a deadline, not the run's end
                self._serve_clock()
                return None
            return StopReason("count", 0, cpu.reg_read(15), cpu.icount)
        if r == interp.RUN_STOP:
            req = cpu.exit_request
            if req & EXIT_REQ_CLOCK:
                self._serve_clock()
                if not req & (EXIT_REQ_STOP | EXIT_REQ_FLUSH):
                    return None
            # re-read: serving the clock may have raised an interrupt line
            cpu.exit_request = cpu.exit_request & ~(EXIT_REQ_STOP | EXIT_REQ_FLUSH)
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
            # sleep (host time) or skip (icount) to the next deadline or
            # input; nothing to wait for: the guest halted
            if self.clock.idle():
                self._set_icount_limit()
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


_COMPILE_THREADS = weakref.WeakSet()


@atexit.register
def _stop_compile_threads():
    # a daemon thread must not be inside LLVM while the interpreter exits
    for thread in list(_COMPILE_THREADS):
        thread.stop()


class _FnDevice:
    __slots__ = ("read", "write")

    def __init__(self, read, write):
        self.read = read or (lambda off, size: 0)
        self.write = write or (lambda off, size, value: None)
