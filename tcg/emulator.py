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
import collections
import time
import weakref

from runtime import abi, core
from runtime.clock import Clock
from runtime.devices.gtimer import GenericTimer
from runtime.devices.pmu import PMU
from tcg import interp
from runtime.abi import (EXCP_HVC, EXCP_SMC, EXCP_SEMIHOST, EXCP_HALTED, EXCP_PREFETCH_ABORT,
                         EXCP_NONE, EXCP_DEBUG, DEBUG_EXC, DEBUG_EXEC, DEBUG_NOIRQ,
                         EXIT_REQ_STOP, EXIT_REQ_FLUSH, EXIT_REQ_CLOCK, EXIT_REQ_IRQ, CPSR_T)
from runtime.boards.virt import build_virt
from runtime.stop import StopReason  # noqa: F401  (re-exported: the embedding API)
from frontend.translate import translate_block, FetchFault
from tcg.ir_ops import OP_INDEX


EXCEPTION_NAMES = {abi.EXCP_UDEF: "undef", abi.EXCP_SWI: "svc",
                   abi.EXCP_PREFETCH_ABORT: "prefetch_abort", abi.EXCP_DATA_ABORT: "data_abort",
                   abi.EXCP_IRQ: "irq", abi.EXCP_FIQ: "fiq", abi.EXCP_BKPT: "bkpt",
                   abi.EXCP_HVC: "hvc", abi.EXCP_SMC: "smc"}

# The TB cache is bounded by the host memory its blocks take, as QEMU
# flushes its code buffer when full: over the budget, every TB is dropped at
# the next miss.  A block costs its C record (TB struct, 16-byte IR ops,
# per-op pc and instruction index) and its Python record (TBInfo, the Block
# and the builder's op lists: about 190 bytes per op, measured with
# tracemalloc on a run of never-repeating code).
DEFAULT_TB_CACHE_BYTES = 256 << 20
TB_FIXED_BYTES = 512               # TB struct + TBInfo + Block objects
TB_C_BYTES_PER_OP = 16 + 4 + 2     # IROp, op_pc, op_insn
TB_PY_BYTES_PER_OP = 190


def tb_cost(nops):
    """(C bytes, Python bytes) the TB cache accounts for a block of nops ops."""
    return TB_FIXED_BYTES // 2 + nops * TB_C_BYTES_PER_OP, \
        TB_FIXED_BYTES // 2 + nops * TB_PY_BYTES_PER_OP
DEFAULT_JIT_THRESHOLD = 1000
AUTO_BATCH = 256                # blocks per background module (engine auto)
TIER_UP_BATCH = 8               # the same for engine jit's tier-up
# Engine jit compiles a missed block together with the untranslated blocks
# its constant branches reach on its page, up to this many in one LLVM
# module: a module's fixed cost (parse, JITDylib, link, ~3 memory mappings)
# is paid once per region, not per block (docs/ARCHITECTURE.md, "Engine jit").
JIT_REGION_BLOCKS = 32
GOTO_TB = OP_INDEX["goto_tb"]
ICOUNT_MAX = (1 << 64) - 1      # no instruction budget
JIT_THRESHOLD_MAX = (1 << 32) - 1   # env->jit_threshold is 32-bit    # interpreted runs before a block is compiled


class EmulatorError(Exception):
    pass


class Hooks:
    """Events of the run loop for tools (the profiler): lists of callbacks,
    append to subscribe.  All are called on the run thread."""

    __slots__ = ("on_translate_start", "on_translate", "on_compile_start", "on_compile",
                 "on_tb_drop", "on_tb_flush")

    def __init__(self):
        self.on_translate_start = []   # fn(pc, flags): a block is about to be translated
        self.on_translate = []         # fn(pc, flags, info, seconds) after it; info None:
        #                                the fetch faulted; seconds include engine jit's compile
        self.on_compile_start = []     # fn(infos): compile_now is about to compile them
        self.on_compile = []           # fn(infos, seconds) after it
        self.on_tb_drop = []           # fn(info, execs, insns, native): a TB is dropped
        #                                (invalidated or flushed), with its counters
        self.on_tb_flush = []          # fn(ntbs, nbytes): all TBs are about to be dropped


class TBInfo:
    """Python-side record of a translated block (for invalidation,
    -d in_asm/op, profiling)."""

    __slots__ = ("addr", "pc", "flags", "phys", "block", "id", "cost", "phys2")

    def __init__(self, addr, pc, flags, phys, block, tb_id, cost=(0, 0), phys2=None):
        self.addr = addr
        self.phys2 = phys2          # the page-crossing T32 instruction's second halfword
        self.pc = pc
        self.flags = flags
        self.phys = phys            # physical address of the first instruction
        self.block = block
        self.id = tb_id
        self.cost = cost            # (C bytes, Python bytes): tb_cost()

    def extents(self):
        """[(physical address, bytes)] of its code, one per page."""
        return code_extents(self.phys, self.block.size, self.phys2)


def static_successors(block):
    """The constant targets of a block's goto_tb exits (branch, fall-through)."""
    return [rec[6] for rec in block.builder.ops if rec[0] == GOTO_TB]


def code_extents(phys, size, phys2=None):
    """A block's code as per-page physical ranges: [phys, phys + size), or
    up to the page end plus the halfword at phys2 on the next page."""
    if phys2 is None:
        return [(phys, size)]
    return [(phys, size - 2), (phys2, 2)]


class Emulator:
    """engine: "interp" runs every block in the IR interpreter; "jit"
    compiles every block to native code before its first run; "auto"
    interprets a block until it has run jit_threshold times, then a
    background thread compiles it (with other hot blocks, in batches).

    Engine jit compiles in two tiers (jit_baseline, the default when
    jit_opt > 0): a block's first code is LLVM's quick level 0 (a few ms
    cheaper a block: a Linux boot compiles ~45k blocks); once that code has
    run jit_threshold times it queues the block, and the background thread
    replaces it with level-jit_opt code.  jit_baseline=False compiles every
    block at jit_opt before its first run (the differential tests' jit-O2).

    jit_sync=True: no background thread; the blocks that became hot are
    compiled on the run thread whenever the exec loop is back in Python (a
    block miss, an exception, the start of each run), before it runs on --
    deterministic, for tests that must run native code."""

    ENGINES = ("interp", "jit", "auto")

    def __init__(self, semihosting=False, cp15_table=None, engine="interp",
                 jit_threshold=None, jit_opt=2, icount_shift=None,
                 tb_cache_bytes=DEFAULT_TB_CACHE_BYTES, jit_sync=False, jit_baseline=None):
        if engine not in self.ENGINES:
            raise EmulatorError("engine %r is not available (have: %s)"
                                % (engine, ", ".join(self.ENGINES)))
        if jit_threshold is not None and not 1 <= jit_threshold <= JIT_THRESHOLD_MAX:
            raise EmulatorError("jit threshold must be 1..%d executions, not %r"
                                % (JIT_THRESHOLD_MAX, jit_threshold))
        self.engine = engine
        self.jit_threshold = jit_threshold or DEFAULT_JIT_THRESHOLD
        self.jit_opt = jit_opt     # backend.jit.PASSES level
        if jit_baseline is None:
            jit_baseline = jit_opt > 0
        self.jit_baseline = jit_baseline and engine == "jit" and jit_opt > 0
        # jit_sync: the tier that compiles hot blocks runs on the run thread
        self.jit_sync = jit_sync and (engine == "auto" or self.jit_baseline)
        # -icount: guest time = instructions << shift ns (None: host time)
        if icount_shift is not None and not 0 <= icount_shift <= 10:
            raise EmulatorError("icount shift must be 0..10, not %r" % icount_shift)
        self.icount_shift = icount_shift
        if not 0 < tb_cache_bytes:
            raise EmulatorError("TB cache budget must be a positive number of bytes, not %r"
                                % tb_cache_bytes)
        self.tb_cache_bytes = tb_cache_bytes
        self.jit_module_budget = None   # JIT modules before a flush (None: backend.jit's)
        self.tb_bytes = 0          # accounted bytes of the TBs allocated (live and unlinked)
        self.hooks = Hooks()
        self.in_guest = False      # True while the run thread is inside cpu_exec
        self.jit = None            # backend.jit.JIT at jit_opt, created on first use
        self.jit_quick = None      # engine jit's baseline tier (level 0)
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
        self._run_limit = ICOUNT_MAX
        self.tbs = {}              # id -> TBInfo (live)
        self.tbs_by_page = {}      # physical page -> [TBInfo]
        self.unlinked = []         # invalidated TB addresses, freed at the next flush
        self._next_tb_id = 0
        self.translations = {}     # (pc, flags) -> times translated since the last flush
        self.stats = dict(translate_s=0.0, translated_blocks=0, compile_s=0.0,
                          compiled_blocks=0, compile_batches=0, exec_s=0.0, tb_flushes=0)
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
        # debugger breakpoints (virtual pcs): no TB starts at one and none
        # runs across one, so the exec loop misses there and _exec stops
        self.breakpoints = set()
        self.breakpoints_suspended = False   # stepping over one (step_over)
        self.watchpoints = []      # [(virtual address, length, WATCH_* bits)]
        self.debug_noirq = False   # interrupts stay pending (step_over)

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
        """d0-d31 take 64-bit values; every other register 32 bits."""
        wide = isinstance(name, str) and name[:1].lower() == "d" and name[1:].isdigit()
        self.cpu.reg_write(name, value & (0xFFFFFFFFFFFFFFFF if wide else 0xFFFFFFFF))

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
        """Translate (pc, flags), compiling it with engine jit; returns its
        TBInfo, or None when the fetch faulted (a prefetch abort entered)."""
        hooks = self.hooks
        for fn in hooks.on_translate_start:
            fn(pc, flags)
        t0 = time.perf_counter()
        info = None
        try:
            info = self._translate_block(pc, flags)
            region = [info] + self._translate_ahead(info) if self.engine == "jit" and info else []
            self.stats["translate_s"] += time.perf_counter() - t0
            if region:
                self.compile_now(region, baseline=self.jit_baseline)
        finally:
            seconds = time.perf_counter() - t0
            for fn in hooks.on_translate:
                fn(pc, flags, info, seconds)
        return info

    def _translate_ahead(self, first):
        """Engine jit: translate the blocks that first's constant branches
        (and theirs, breadth first) reach and that have no TB yet, for one
        module with first.  Each is keyed by the page its code maps to now,
        with first's flags; one entered under another mapping, state or IT
        position is never looked up and only costs cache space.  A fetch
        fault ends that path without a guest exception: nothing ran there."""
        if first.flags & abi.TBF_IT_MASK:
            return []
        unit = 2 if first.flags & abi.TBF_THUMB else 4
        todo, seen, region = collections.deque([first]), {first.pc}, []
        while todo and len(region) < JIT_REGION_BLOCKS - 1:
            for target in static_successors(todo.popleft().block):
                if target in seen or target in self.breakpoints:
                    continue        # a breakpoint's pc must miss (breakpoint_insert)
                seen.add(target)
                word, phys = self.cpu.fetch_insn(target, unit)
                if word is None or self.cpu.has_tb(target, first.flags, phys):
                    continue
                info = self._translate_block(target, first.flags, speculative=True)
                if info is not None:
                    region.append(info)
                    todo.append(info)
                if len(region) >= JIT_REGION_BLOCKS - 1:
                    break
        return region

    def _translate_block(self, pc, flags, speculative=False):
        fetched = []     # physical address of each fetch, in order

        def fetch(addr, size=4):
            word, pa = self.cpu.fetch_insn(addr, size)   # pa is the fault status on failure
            if word is None:
                raise FetchFault(pa)
            fetched.append(pa)
            return word

        try:
            block = translate_block(fetch, pc, flags, self.semihosting, self.cp15,
                                    fetch16=lambda addr: fetch(addr, 2),
                                    stop_before=self.breakpoints)
        except FetchFault as fault:
            if speculative:
                return None
            self.cpu.raise_prefetch_abort(pc, fault.args[0], fault.address)
            self._serve_exception(EXCP_PREFETCH_ABORT)
            return None
        phys = fetched[0]
        # a T32 block may end with an instruction whose second halfword is
        # on another page: mark (and index) that halfword there too
        phys2 = fetched[-1] if block.crosses_page else None
        for pa, size in code_extents(phys, block.size, phys2):
            self.cpu.mark_code(pa, size)
        ops, op_pc, op_insn = block.builder.pack()
        tb_id = self._next_tb_id
        self._next_tb_id += 1
        addr = self.cpu.install_tb(pc, flags, ops, op_pc, op_insn, block.ninsns, block.size, tb_id,
                                   phys)
        info = TBInfo(addr, pc, flags, phys, block, tb_id, tb_cost(len(ops) // 16), phys2)
        self.tb_bytes += sum(info.cost)
        self.tbs[tb_id] = info
        for pa, _ in info.extents():
            self.tbs_by_page.setdefault(pa & ~0xFFF, []).append(info)
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

    def _jit_quick(self):
        if self.jit_quick is None:
            from backend.jit import JIT
            self.jit_quick = JIT(0)
        return self.jit_quick

    def _jits(self):
        return [j for j in (self.jit, self.jit_quick) if j is not None]

    @property
    def live_jit_modules(self):
        """LLVM modules linked and not yet released (both tiers)."""
        return sum(j.live_modules for j in self._jits())

    def _jit_full(self):
        """Native code is full too: the JIT's modules reached their budget
        (each takes memory mappings the kernel limits; see backend.jit)."""
        if not self._jits():
            return False
        if self.jit_module_budget is None:
            from backend.jit import module_budget
            self.jit_module_budget = module_budget()
        return self.live_jit_modules >= self.jit_module_budget

    def compile_now(self, infos, baseline=False):
        """Compile these blocks (one LLVM module) and install their code;
        baseline: engine jit's first, quick tier."""
        from backend.lower import BlockSource
        jit = self._jit_quick() if baseline else self._jit()
        tier_up = self.jit_threshold if baseline else 0
        for fn in self.hooks.on_compile_start:
            fn(infos)
        t0 = time.perf_counter()
        try:
            self.install_native(infos, jit.compile([BlockSource.from_tbinfo(i, tier_up)
                                                    for i in infos]), baseline)
        finally:
            seconds = time.perf_counter() - t0
            for fn in self.hooks.on_compile:
                fn(infos, seconds)

    def install_native(self, infos, addrs, baseline=False):
        """Called with the GIL held, so no invalidation or flush runs
        concurrently; a block dropped since it was queued is skipped."""
        for info, addr in zip(infos, addrs):
            if self.tbs.get(info.id) is info:
                self.cpu.set_tb_native(info.addr, addr, baseline)
        jits = self._jits()
        self.stats["compile_s"] = sum(j.compile_s for j in jits)
        self.stats["compiled_blocks"] = sum(j.compiled_blocks for j in jits)
        self.stats["compile_batches"] = sum(j.n_modules for j in jits)

    def compile_queued(self):
        """Compile, on this thread, every block the exec loop queued as hot
        (jit_sync); returns how many were compiled."""
        ids = self.cpu.jit_queue_pop()
        infos = [self.tbs.get(i) for i in ids]
        infos = [i for i in infos if i is not None and self.cpu.tb_is_valid(i.addr)]
        if infos:
            self.compile_now(infos)
        return len(infos)

    def _start_compile_thread(self):
        from backend.jit import CompileThread
        self._jit()
        # llvmlite serialises every LLVM call on one lock, so under engine
        # jit (whose run thread compiles each new block) the background tier
        # compiles small batches: a 256-block module's codegen would hold the
        # lock for seconds while the guest waits to compile its next block
        batch = TIER_UP_BATCH if self.jit_baseline else AUTO_BATCH
        self.compile_thread = CompileThread(weakref.proxy(self), batch_max=batch)
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

    def _retire(self, info):
        """Tell the on_tb_drop subscribers (if any) the counters of a TB
        about to be dropped; nothing is kept here, so memory stays bounded."""
        drop = self.hooks.on_tb_drop
        if drop:
            execs, insns = self.cpu.tb_counters(info.addr)
            native = bool(self.cpu.tb_is_native(info.addr))
            for fn in drop:
                fn(info, execs, insns, native)

    def _invalidate_range(self, pa, size):
        """Guest or host store to [pa, pa+size), inside one page: unlink the
        TBs whose code it overlaps, then re-mark the code that stays."""
        page = pa & ~0xFFF
        keep, drop = [], []
        for info in self.tbs_by_page.get(page, ()):
            overlaps = any(start < pa + size and pa < start + n and start & ~0xFFF == page
                           for start, n in info.extents())
            (drop if overlaps else keep).append(info)
        for info in drop:
            self._unlink_tb(info, skip_page=page)
        self.tbs_by_page[page] = keep
        self.cpu.clear_code_page(page)
        for info in keep:
            for start, n in info.extents():
                if start & ~0xFFF == page:
                    self.cpu.mark_code(start, n)

    def _unlink_tb(self, info, skip_page=None):
        """Drop one TB: out of the page index (but skip_page's list, which
        the caller rebuilds), unlinked in C, freed at the next flush."""
        for start, _ in info.extents():
            other = self.tbs_by_page.get(start & ~0xFFF)
            if start & ~0xFFF != skip_page and other and info in other:
                other.remove(info)
        self._retire(info)
        self.cpu.invalidate_tb(info.addr)
        self.unlinked.append(info.addr)
        self.tb_bytes -= info.cost[1]     # the C TB stays until the next flush
        del self.tbs[info.id]

    def invalidate_pc(self, addr):
        """Drop every TB whose guest code covers virtual address addr, under
        any flags and mapping (a breakpoint changed there)."""
        for info in [i for i in self.tbs.values()
                     if (addr - i.pc) & 0xFFFFFFFF < max(i.block.size, 1)]:
            self._unlink_tb(info)

    # -- debugger (tcg/gdbstub.py)
    def breakpoint_insert(self, addr):
        """Stop (StopReason 'breakpoint') before the instruction at virtual
        address addr runs; honoured by blocks translated or compiled before."""
        self.breakpoints.add(addr & 0xFFFFFFFF)
        self.invalidate_pc(addr)

    def breakpoint_remove(self, addr):
        if addr & 0xFFFFFFFF in self.breakpoints:
            self.breakpoints.discard(addr & 0xFFFFFFFF)
            self.invalidate_pc(addr)

    def set_watchpoints(self, watches):
        """[(virtual address, length, WATCH_READ|WATCH_WRITE)]: a matching
        data access stops the run before it (StopReason 'watchpoint';
        cpu.watch_hit says which access)."""
        self.watchpoints = list(watches)
        self.cpu.set_watchpoints(self.watchpoints)

    def step_over(self, run=None, watches=True):
        """Execute exactly one instruction (every engine runs run(count=1)
        as a single-instruction block), a breakpoint at the pc not in the
        way, nor with watches the watchpoints (the one that stopped it).
        Interrupts stay pending meanwhile (as QEMU's gdbstub steps: else
        after a pause every step would enter the IRQ vector).  run: what
        runs count instructions (a board's run, which serves its events).
        Returns its StopReason."""
        run = run or self.run
        pc = self.cpu.reg_read(15)
        suspended = self.watchpoints if watches else []
        self.breakpoints_suspended = True
        self.debug_noirq = True
        if suspended:
            self.cpu.set_watchpoints([])
        try:
            return run(1)
        finally:
            self.breakpoints_suspended = False
            self.debug_noirq = False
            self.cpu.exit_request = self.cpu.exit_request | EXIT_REQ_IRQ   # re-evaluate them
            if suspended:
                self.cpu.set_watchpoints(suspended)
            if pc in self.breakpoints:
                self.invalidate_pc(pc)    # the block that ran it must not stay

    def reset(self):
        """Back to the reset state: CPU, system registers, no translated code."""
        self.cpu.reset()
        self.cp15.reset(self.cpu)
        self.pmu.reset()
        self.clock.service()      # timer outputs and deadlines of the reset state
        self.flush_tbs()

    def flush_tbs(self):
        """Drop all translated code (between runs, or at a TB miss)."""
        for fn in self.hooks.on_tb_flush:
            fn(len(self.tbs), self.tb_bytes)
        for info in self.tbs.values():
            self._retire(info)
        self.cpu.flush_tbs()
        for addr in self.unlinked:
            core.free_unlinked_tb(addr)
        self.unlinked = []
        for jit in self._jits():
            jit.release_all()        # no TB reaches native code any more
        self.tbs.clear()
        self.tbs_by_page.clear()
        self.translations.clear()
        self.tb_bytes = 0
        self.stats["tb_flushes"] += 1

    # -- running
    def run(self, count=None):
        """Run until stopped; with count, execute exactly that many
        instructions (exceptions entered count as the instruction that
        raised them).  Returns a StopReason."""
        cpu = self.cpu
        if count is not None and not 0 <= count <= ICOUNT_MAX - cpu.icount:
            raise EmulatorError("instruction count must be 0..%d, not %d"
                                % (ICOUNT_MAX - cpu.icount, count))
        self._run_limit = cpu.icount + count if count is not None else ICOUNT_MAX
        # Python may have changed devices between runs (a key press): their
        # deadlines are posted by a clock service
        self.clock.service()
        self._set_icount_limit()
        self._set_debug_flags(0)
        if (self.engine == "auto" or self.jit_baseline) and self.compile_thread is None \
                and not self.jit_sync:
            self._start_compile_thread()
        t0 = time.perf_counter()
        try:
            return self._exec()
        finally:
            self.stats["exec_s"] += time.perf_counter() - t0

    def step_block(self, max_blocks=1):
        """Run one translation block (interrupts and exceptions due before
        it are taken first, as in run()); an exception entered without a
        block running (a prefetch abort at translation) is a step too, so a
        step always ends.  Returns a StopReason when the guest stopped,
        else None.  Used by armtcg compare."""
        if not 1 <= max_blocks <= ICOUNT_MAX:
            raise EmulatorError("block count must be 1..%d, not %d" % (ICOUNT_MAX, max_blocks))
        self._run_limit = ICOUNT_MAX
        self._set_icount_limit()
        self._set_debug_flags(self.step_debug_flags)
        return self._exec(max_blocks)

    def _set_debug_flags(self, extra):
        flags = extra
        if self.debug_noirq:
            flags |= DEBUG_NOIRQ
        if self.on_exception is not None:
            flags |= DEBUG_EXC
        if self.on_block is not None:
            flags |= DEBUG_EXEC
        interp.set_debug_flags(self.cpu, flags)

    def _exec(self, max_blocks=0):
        """The one Python side of the exec loop: run C (interp.cpu_exec)
        and serve its exits until a StopReason or, with max_blocks, until
        that many steps (blocks run, or exceptions entered at translation)
        are done (then None)."""
        cpu = self.cpu
        steps = 0
        resume = False
        while True:
            thread = self.compile_thread
            if thread is not None and thread.error is not None:
                err, thread.error = thread.error, None
                raise EmulatorError("JIT compile failed: %s" % err) from err
            if cpu.pending_error is not None:
                err, cpu.pending_error = cpu.pending_error, None
                cpu.exit_request = cpu.exit_request & ~EXIT_REQ_STOP
                raise err
            if self.jit_sync:
                self.compile_queued()
            self.in_guest = True
            try:
                r, ran = interp.cpu_exec(cpu, max_blocks - steps if max_blocks else 0, resume)
            finally:
                self.in_guest = False
            resume = False
            steps += ran
            if r == interp.RUN_TB_MISS:
                if cpu.miss[0] in self.breakpoints and not self.breakpoints_suspended:
                    return StopReason("breakpoint", 0, cpu.miss[0], cpu.icount)
                if self.tb_bytes > self.tb_cache_bytes or self._jit_full():
                    self.flush_tbs()    # the TB cache is full (QEMU: code buffer full)
                if self._translate(*cpu.miss) is None:
                    steps += 1          # a prefetch abort was entered instead
            elif r == interp.RUN_DEBUG:
                self.on_block(self, cpu.reg_read(15))
                resume = True           # now run the block it was told about
                continue
            elif r != interp.RUN_BLOCKS:
                stop = self._handle(r)
                if stop is not None:
                    return stop
            if max_blocks and steps >= max_blocks:
                return None

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
            if req & EXIT_REQ_FLUSH:
                self.flush_tbs()
                return None
            return StopReason("stop", 0, cpu.reg_read(15), cpu.icount)
        if r == interp.RUN_EXCEPTION:
            return self._serve_exception(cpu.exception_index)
        raise EmulatorError("unexpected exec-loop code %r" % r)

    def _serve_exception(self, excp):
        cpu = self.cpu
        if excp == EXCP_HALTED:
            cpu.exception_index = EXCP_NONE
            if self.idle_handler is not None and self.idle_handler(self):
                return None
            # sleep (host time) or skip (icount) to the next deadline or
            # input; nothing to wait for: the guest halted
            if self.clock.idle():
                self._set_icount_limit()
                return None
            return StopReason("halt", 0, cpu.reg_read(15), cpu.icount)
        if excp == EXCP_DEBUG:
            # a watchpoint hit before the access: the instruction did not
            # execute (it was counted as an exception-raising one)
            cpu.exception_index = EXCP_NONE
            cpu.icount -= 1
            return StopReason("watchpoint", 0, cpu.exception_pc, cpu.icount)
        if excp == EXCP_SEMIHOST:
            cpu.exception_index = EXCP_NONE
            # SVC 0x123456 (A32) or SVC 0xAB (T32, 16-bit)
            cpu.reg_write(15, cpu.exception_pc + (2 if cpu.reg_read("cpsr") & CPSR_T else 4))
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
                    cpu.exception_index = EXCP_NONE
                    return handled
                if handled:
                    cpu.exception_index = EXCP_NONE
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


def virt_emulator(ram_size, engine="interp", semihosting=False, uart_out=None, no_reboot=False,
                  semihost_out=None, semihost_err=None, board=None, **emu_options):
    """A new Emulator set up as QEMU's virt board (runtime.boards.virt.build_virt;
    emu.board is the VirtBoard).  board: more MachineConfig fields (kernel,
    initrd, drives, devices...); emu_options (jit_threshold, jit_opt,
    icount_shift, ...) go to the Emulator; engine None: the interpreter."""
    emu = Emulator(semihosting=semihosting, engine=engine or "interp", **emu_options)
    return build_virt(ram_size, semihosting=semihosting, uart_out=uart_out, no_reboot=no_reboot,
                      semihost_out=semihost_out, semihost_err=semihost_err, emu=emu,
                      **(board or {}))


class _FnDevice:
    __slots__ = ("read", "write")

    def __init__(self, read, write):
        self.read = read or (lambda off, size: 0)
        self.write = write or (lambda off, size, value: None)
