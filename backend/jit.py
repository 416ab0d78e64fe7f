"""Native code for translation blocks: LLVM IR -> ORC LLJIT, batched.

`JIT.compile(sources)` lowers a batch of blocks into one LLVM module,
optimises it, links it into the process with the C runtime functions bound
by address, and returns each block's entry address.  LLVM work happens in
ctypes calls, which release the GIL, so `CompileThread` can compile hot
blocks while the guest keeps running in the (nogil) exec loop.

Installing code into a TB happens with the GIL held and only if the TB is
still live (not invalidated by a guest store, not freed by a flush): both
of those also need the GIL, so they cannot interleave with the install.
"""

import threading
import time

import llvmlite.binding as llvm

from backend.lower import BlockSource, module_text, function_name
from runtime import core
from tcg import interp

_init_lock = threading.Lock()
_initialised = False


def _init_llvm():
    global _initialised
    with _init_lock:
        if not _initialised:
            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            _initialised = True


class JITError(Exception):
    pass


# IR passes per optimisation level.  Blocks are straight-line code with
# side exits, so the full -O2 module pipeline (loop and inliner passes)
# buys nothing and costs ~5 ms a block; register promotion, combining and
# redundancy elimination are what matter.  Level 0 is for compiling many
# cold blocks cheaply (fast instruction selection, no register allocator
# search: ~4x quicker, ~1.7x more code) and runs no IR pass: the lowering
# is already SSA, and on 400 Linux-boot blocks sroa+instcombine+simplifycfg
# cost more than codegen (3.7 vs 3.2 ms a block) for 1% smaller objects.
PASSES = {
    0: [],
    2: ["sroa", "instruction_combine", "simplify_cfg", "new_gvn", "dead_store_elimination",
        "instruction_combine", "simplify_cfg"],
}


def module_budget(maps_limit_path="/proc/sys/vm/max_map_count"):
    """How many modules may be linked before the emulator must flush: each
    module takes ~3 memory mappings (code, read-only data, data) and the
    kernel refuses mmap beyond vm.max_map_count (65530 by default), which
    LLVM reports as "Unable to allocate section memory!" and aborts.  A
    quarter of the limit leaves room for the rest of the process."""
    try:
        with open(maps_limit_path) as f:
            limit = int(f.read())
    except (OSError, ValueError):
        limit = DEFAULT_MAX_MAP_COUNT
    return max(MIN_MODULE_BUDGET, limit // 4)


RUNTIME_LIBRARY = "armtcg_runtime"
DEFAULT_MAX_MAP_COUNT = 65530     # Linux's default vm.max_map_count
MIN_MODULE_BUDGET = 256


class JIT:
    """One LLJIT instance per emulator; modules stay loaded (their code
    valid) until release_all(), which the emulator calls when it flushes
    every TB -- under engine jit, one module per block, also when the live
    modules reach module_budget()."""

    def __init__(self, opt_level=2):
        if opt_level not in PASSES:
            raise JITError("JIT optimisation level must be one of %s" % sorted(PASSES))
        _init_llvm()
        target = llvm.Target.from_default_triple()
        self.opt_level = opt_level
        self.tm = target.create_target_machine(opt=opt_level, jit=True)
        self.lljit = llvm.create_lljit_compiler(self.tm)
        self.pto = llvm.create_pipeline_tuning_options(speed_level=opt_level)
        self.symbols = dict(core.runtime_symbols())
        self.symbols.update(interp.runtime_symbols())
        self.runtime_library = self._link_runtime_library()
        self.trackers = []
        self.lock = threading.Lock()        # one compile at a time
        self.n_modules = 0
        self.compile_s = 0.0
        self.compiled_blocks = 0

    def compile(self, sources):
        """Compile a batch of BlockSource; returns [entry address]."""
        if not sources:
            return []
        t0 = time.perf_counter()
        text = module_text(sources)
        with self.lock:
            self.n_modules += 1
            name = "armtcg_m%d" % self.n_modules
            try:
                mod = llvm.parse_assembly(text)
            except RuntimeError as e:
                raise JITError("LLVM rejected the IR of %s: %s" % (name, e)) from None
            self.optimise(mod)
            obj = self.tm.emit_object(mod)
            lib = llvm.JITLibraryBuilder().add_object_img(obj).add_jit_library(RUNTIME_LIBRARY)
            names = [function_name(s) for s in sources]
            for n in names:
                lib.export_symbol(n)
            tracker = lib.link(self.lljit, name)
            self.trackers.append(tracker)
        self.compile_s += time.perf_counter() - t0
        self.compiled_blocks += len(sources)
        return [tracker[n] for n in names]

    def _link_runtime_library(self):
        """The C runtime functions, bound by address once in a library of
        their own that every module links against (importing them into each
        module's library cost ~1.5 ms and ~100 KB a module)."""
        lib = llvm.JITLibraryBuilder()
        for sym, addr in self.symbols.items():
            lib.import_symbol(sym, addr)
        return lib.link(self.lljit, RUNTIME_LIBRARY)

    @property
    def live_modules(self):
        return len(self.trackers)

    def release_all(self):
        """Unload every module.  Only when no TB can reach their code: after
        the C TBs are freed (a flush), with no guest code running."""
        with self.lock:
            trackers, self.trackers = self.trackers, []
        for tracker in trackers:
            tracker.close()

    def optimise(self, mod):
        if not PASSES[self.opt_level]:
            return
        pb = llvm.create_pass_builder(self.tm, self.pto)
        fpm = llvm.create_new_function_pass_manager()
        for name in PASSES[self.opt_level]:
            getattr(fpm, "add_%s_pass" % name)()
        for fn in mod.functions:
            if not fn.is_declaration:
                fpm.run(fn, pb)


class CompileThread(threading.Thread):
    """Compiles the blocks the exec loop queued as hot, in batches."""

    def __init__(self, emu, batch_max=256, wait_s=0.002):
        super().__init__(name="armtcg-jit", daemon=True)
        self.emu = emu
        self.batch_max = batch_max
        self.wait_s = wait_s
        self.stopping = threading.Event()
        self.error = None

    def run(self):
        try:
            while not self.stopping.is_set():
                if not self.compile_pending():
                    self.stopping.wait(self.wait_s)
        except ReferenceError:          # the emulator is gone
            pass
        except BaseException as e:      # report in the guest thread
            self.error = e

    def compile_pending(self):
        """Compile one batch from the queue; False when it was empty."""
        emu = self.emu
        ids = emu.cpu.jit_queue_pop(self.batch_max)
        if not ids:
            return False
        infos = [emu.tbs.get(i) for i in ids]
        infos = [info for info in infos if info is not None and emu.cpu.tb_is_valid(info.addr)]
        emu.install_native(infos, emu.jit.compile([BlockSource.from_tbinfo(i) for i in infos]))
        return True

    def stop(self):
        self.stopping.set()
        if self.is_alive():
            self.join()
