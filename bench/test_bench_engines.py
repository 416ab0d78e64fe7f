"""Each guest kernel under each execution engine (pytest-benchmark).

`make bench` runs these.  pytest-benchmark times whole runs (a fresh
virt board, ELF load, translation, compilation and the kernel) at the
kernels' small default sizes (bench.guests.KERNELS); extra_info carries the
run-only time, guest MIPS over it and, for the JIT engines, the LLVM
compile statistics.  Engines this build does not offer (Emulator.ENGINES)
are skipped.  For marginal per-iteration figures against QEMU and native
code use `python -m bench.compare_qemu`.
"""

import pytest

from bench.guests import KERNELS, engines, run_guest
from tests.guestlib import build_guest, native_output

ALL_ENGINES = ("interp", "jit", "auto")


@pytest.mark.parametrize("engine", ALL_ENGINES)
@pytest.mark.parametrize("name", sorted(KERNELS))
def test_kernel_on_engine(benchmark, name, engine):
    if engine not in engines():
        pytest.skip("engine %r is not in Emulator.ENGINES %r" % (engine, engines()))
    iters = KERNELS[name]
    elf = build_guest(name, iters)
    want = native_output(name, iters)
    benchmark.group = name
    r = benchmark.pedantic(run_guest, args=(elf, engine), rounds=3, iterations=1)
    assert r.output == want, "%s on %s: output differs from the native build" % (name, engine)
    info = benchmark.extra_info
    info["engine"] = engine
    info["guest_insns"] = r.insns
    info["run_s"] = round(r.seconds, 4)
    info["run_mips"] = round(r.insns / r.seconds / 1e6, 1)
    for key in ("translate_s", "translated_blocks", "compile_s", "compiled_blocks"):
        if key in r.stats:
            value = r.stats[key]
            info[key] = round(value, 4) if isinstance(value, float) else value
    if r.stats.get("compiled_blocks"):
        info["compile_ms_per_block"] = round(r.stats["compile_s"] * 1e3 / r.stats["compiled_blocks"], 2)
