"""Build and run the bare-metal guest programs of tests/guest/.

Each guest is tests/guest/<name>.c (plus <name>_asm.S when it needs
assembly) linked with tests/guest/common/ for QEMU's `virt` board.
Expected outputs come from the same C sources compiled natively with
common/host_shim.c (stdout stands in for the UART); `exceptions` is
architecture-specific and has a hand-written tests/guest/exceptions.expected.

    build_guest(name, iters=None) -> path of the ELF (cached)
    native_output(name, iters=None) -> bytes the guest should print
    expected_output(name) -> bytes (native or hand-written)
    run_qemu(elf, timeout) -> (uart bytes, exit status or None on timeout)
    run_armtcg(elf, timeout, engine) -> (uart bytes, exit status or None, stderr)
    armtcg_engines() -> the engines Emulator.ENGINES offers
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

GUEST_DIR = Path(__file__).resolve().parent / "guest"
COMMON_DIR = GUEST_DIR / "common"
BUILD_DIR = GUEST_DIR / "build"

GUESTS = ["crc32", "quicksort", "sieve", "matmul", "printf", "arith64", "exceptions",
          "calls", "memcpy", "smc", "vfp"]
# guests whose expected output is a hand-written file instead of a native run
HANDWRITTEN = {"exceptions"}

CROSS = "arm-none-eabi-"
# soft-float: no VFP/NEON code; no unaligned accesses (the MMU is off, so
# memory is Strongly-ordered); no calls gcc invents (memset for loops)
GUEST_CFLAGS = [
    "-O2", "-marm", "-mcpu=cortex-a15", "-mfloat-abi=soft", "-mno-unaligned-access",
    "-ffreestanding", "-fno-builtin", "-fno-tree-loop-distribute-patterns",
    "-fno-unwind-tables", "-fno-asynchronous-unwind-tables", "-fno-common",
    "-Wall", "-Werror",
]
# libgcc multilib: the default one is ARM state (armv4t, soft float); the
# -mcpu=cortex-a15 one would be Thumb-2.
LIBGCC_FLAGS = ["-marm", "-march=armv4t", "-mfloat-abi=soft"]
# Thumb builds (-mthumb: the C code is T32, start.S stays ARM and the linker
# interworks with BLX/BX): the Thumb-2 soft-float libgcc (thumb/v7-a/nofp).
LIBGCC_THUMB_FLAGS = ["-mthumb", "-march=armv7-a", "-mfloat-abi=soft"]
LIBGCC_THUMB_FP_FLAGS = ["-mthumb", "-march=armv7-a+fp", "-mfloat-abi=hard"]
# the guests that are plain C (no assembly of their own, output from a
# native build): each also runs built with -mthumb
THUMB_GUESTS = ["crc32", "quicksort", "sieve", "matmul", "printf", "arith64", "calls",
                "memcpy", "vfp"]
# the gdbstub's guests (tests/test_gdbstub.py): built in both states, run
# under a debugger only
DEBUG_GUESTS = ["gdbtarget"]
HOST_CFLAGS = [
    "-O2", "-funsigned-char", "-fno-builtin", "-Wall", "-Werror",
    "-Dmain=guest_main", "-ffp-contract=off", "-fno-math-errno",
]
# Guests built for the VFP (hard-float ABI, VFPv4 instructions): the same
# IEEE operations as the native build, so no contraction of a * b + c into
# a fused multiply-add (explicit __builtin_fma only) and no errno calls
# around sqrt; start.S enables the VFP (CPACR, FPEXC) before main.  Their
# libgcc is the ARM-state hard-float multilib (VFPv2 code, a subset).
FP_GUESTS = {"vfp"}
FP_CFLAGS = ["-mfloat-abi=hard", "-mfpu=vfpv4", "-ffp-contract=off", "-fno-math-errno"]
FP_LIBGCC_FLAGS = ["-marm", "-march=armv5te+fp", "-mfloat-abi=hard"]
GUEST_COMMON = ["start.S", "uart.c", "string.c", "format.c"]
HOST_COMMON = ["host_shim.c", "format.c"]

QEMU = "qemu-system-arm"
QEMU_ARGS = ["-M", "virt", "-cpu", "cortex-a15", "-m", "128M", "-nographic"]


def program_sources(name):
    """The program's own sources: <name>.c and, if present, <name>_asm.S."""
    if name not in GUESTS + DEBUG_GUESTS:
        raise ValueError(f"unknown guest {name!r}; known: {GUESTS + DEBUG_GUESTS}")
    srcs = [GUEST_DIR / f"{name}.c"]
    asm = GUEST_DIR / f"{name}_asm.S"
    if asm.exists():
        srcs.append(asm)
    return srcs


def _stem(name, iters):
    return name if iters is None else f"{name}-iters{int(iters)}"


def _up_to_date(target, deps):
    if not target.exists():
        return False
    t = target.stat().st_mtime
    return all(d.stat().st_mtime <= t for d in deps)


def _dependencies(srcs, common):
    deps = list(srcs) + [COMMON_DIR / c for c in common]
    deps += [COMMON_DIR / "guest.h", COMMON_DIR / "link.ld", Path(__file__)]
    return deps


def _run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"command failed: {' '.join(map(str, cmd))}\n{r.stdout}{r.stderr}")
    return r.stdout


def _build_atomically(target, build):
    """build(tmp_path) writes the file; it then replaces target in one step,
    so that parallel test workers never see a half-written file."""
    BUILD_DIR.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=BUILD_DIR, prefix=target.name + ".")
    os.close(fd)
    try:
        build(Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def libgcc_path(thumb=False, fp=False):
    flags = {(False, False): LIBGCC_FLAGS, (False, True): FP_LIBGCC_FLAGS,
             (True, False): LIBGCC_THUMB_FLAGS, (True, True): LIBGCC_THUMB_FP_FLAGS}[thumb, fp]
    return _run([CROSS + "gcc", *flags, "-print-libgcc-file-name"]).strip()


def guest_cflags(name, thumb=False):
    flags = GUEST_CFLAGS
    if thumb:
        flags = [("-mthumb" if f == "-marm" else f) for f in flags]
    if name in FP_GUESTS:
        flags = [f for f in flags if f != "-mfloat-abi=soft"] + FP_CFLAGS
    return flags


def build_guest(name, iters=None, thumb=False):
    """Cross-compile guest `name` (ITERS=iters if given; its C code as T32
    with thumb=True); returns the ELF path."""
    srcs = program_sources(name)
    if thumb and name not in THUMB_GUESTS + DEBUG_GUESTS:
        raise ValueError(f"{name} has no Thumb build; those that do: {THUMB_GUESTS}")
    elf = BUILD_DIR / f"{_stem(name, iters)}{'-thumb' if thumb else ''}.elf"
    if _up_to_date(elf, _dependencies(srcs, GUEST_COMMON)):
        return elf
    defs = [] if iters is None else [f"-DITERS={int(iters)}"]

    def build(out):
        fp = name in FP_GUESTS
        _run([CROSS + "gcc", *guest_cflags(name, thumb), *defs, "-I", str(COMMON_DIR),
              "-nostdlib", "-T", str(COMMON_DIR / "link.ld"), "-o", str(out),
              *[str(COMMON_DIR / c) for c in GUEST_COMMON], *map(str, srcs),
              libgcc_path(thumb, fp)])
        if thumb:
            check_thumb_main(out, allow_vfp=fp)
        else:
            check_arm_only(out, allow_vfp=fp)

    return _build_atomically(elf, build)


def build_native(name, iters=None):
    """Compile guest `name` for the host with the stdout shim."""
    if name in HANDWRITTEN:
        raise ValueError(f"{name} is architecture-specific: no native build")
    srcs = [s for s in program_sources(name) if s.suffix == ".c"]
    exe = BUILD_DIR / f"{_stem(name, iters)}.host"
    if _up_to_date(exe, _dependencies(srcs, HOST_COMMON)):
        return exe
    defs = [] if iters is None else [f"-DITERS={int(iters)}"]

    def build(out):
        _run(["gcc", *HOST_CFLAGS, *defs, "-I", str(COMMON_DIR), "-o", str(out),
              *[str(COMMON_DIR / c) for c in HOST_COMMON], *map(str, srcs), "-lm"])

    return _build_atomically(exe, build)


def native_output(name, iters=None):
    """What guest `name` prints, from running its native build."""
    r = subprocess.run([str(build_native(name, iters))], capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"native {name} exited {r.returncode}: {r.stderr!r}")
    return r.stdout


def expected_output(name, iters=None):
    """The output the guest must produce on a correct ARMv7 CPU."""
    if name in HANDWRITTEN:
        return (GUEST_DIR / f"{name}.expected").read_bytes()
    return native_output(name, iters)


# An ELF for a Cortex-A15 in ARM state, with soft float: any Thumb function
# (odd symbol address) or VFP/NEON instruction means a wrong flag or multilib.
_VFP_INSN = re.compile(
    r"^\s*[0-9a-f]+:\s+[0-9a-f]{8}\s+"
    r"(v[a-z]|f(ld|st|mx|mdr|mrd|cpy|add|sub|mul|div|cmp)|(mcr|mrc|ldc|stc|cdp)2?l?\w*\s+(p10|p11|10|11),)")


# Advanced SIMD in ARM state (ARM ARM A7.4, A7.7): the unconditional
# 0xF2/0xF3 (data processing) and 0xF4 (element and structure loads and
# stores) spaces, VDUP, and anything on a Q register
_NEON_INSN = re.compile(
    r"^\s*[0-9a-f]+:\s+(f[234][0-9a-f]{6}\s|[0-9a-f]{8}\s+(vdup|v\S*\s.*\bq\d))")


def check_arm_only(elf, allow_vfp=False):
    """Raise RuntimeError if the ELF holds Thumb or VFP/NEON code (with
    allow_vfp: Thumb or NEON code)."""
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        for sym in symtab.iter_symbols() if symtab else ():
            thumb_func = sym["st_info"]["type"] == "STT_FUNC" and sym["st_value"] & 1
            if thumb_func or sym.name.startswith("$t"):
                raise RuntimeError(f"{elf}: Thumb code: {sym.name} at {sym['st_value']:#x}")
    for line in _run([CROSS + "objdump", "-d", str(elf)]).splitlines():
        if _NEON_INSN.match(line) if allow_vfp else _VFP_INSN.match(line):
            raise RuntimeError(f"{elf}: VFP/NEON instruction: {line.strip()}")


def check_thumb_main(elf, allow_vfp=False):
    """Raise RuntimeError unless main is a Thumb function (odd address) and
    the ELF holds no VFP/NEON instruction (with allow_vfp: no NEON)."""
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        mains = [s for s in symtab.iter_symbols() if s.name == "main"] if symtab else []
    if not mains or not mains[0]["st_value"] & 1:
        raise RuntimeError(f"{elf}: main is not Thumb code")
    for line in _run([CROSS + "objdump", "-d", str(elf)]).splitlines():
        if allow_vfp:
            bad = _NEON_INSN.match(line) or _NEON_INSN_T.match(line)
        else:
            bad = _VFP_INSN_T.match(line) or _VFP_INSN.match(line)
        if bad:
            raise RuntimeError(f"{elf}: VFP/NEON instruction: {line.strip()}")


# objdump prints T32 instructions as one or two 4-hex-digit halfwords
_VFP_INSN_T = re.compile(
    r"^\s*[0-9a-f]+:\s+[0-9a-f]{4}( [0-9a-f]{4})?\s+"
    r"(v[a-z]|(mcr|mrc|ldc|stc|cdp)2?l?\w*\s+(p10|p11|10|11),)")


# T32 Advanced SIMD (A7.4): data processing 111U1111, element and structure
# loads/stores 11111001, or anything on a Q register
_NEON_INSN_T = re.compile(
    r"^\s*[0-9a-f]+:\s+([ef]f[0-9a-f]{2}|f9[0-9a-f]{2}) [0-9a-f]{4}\s|"
    r"^\s*[0-9a-f]+:\s+[0-9a-f]{4}( [0-9a-f]{4})?\s+v\S*\s.*\bq\d")


def have_qemu():
    return shutil.which(QEMU) is not None


def run_qemu(elf, timeout=30):
    """Run an ELF on QEMU's virt board; returns (UART bytes, exit status),
    exit status None if it did not power off within `timeout` seconds."""
    out, status, _ = run_command([QEMU, *QEMU_ARGS, "-kernel", str(elf)], timeout)
    return out, status


ARMTCG_ARGS = ["-M", "virt", "-m", "128M", "-nographic"]


def armtcg_engines():
    """The execution engines this build of armtcg offers (Emulator.ENGINES:
    "interp", and "jit" and "auto" once the JIT is there)."""
    from tcg.emulator import Emulator
    return tuple(Emulator.ENGINES)


def armtcg_command(elf, engine=None):
    """The CLI command line for an ELF; engine None = the CLI's default."""
    import sys
    cmd = [sys.executable, "-m", "tcg.cli", "run", *ARMTCG_ARGS, "-kernel", str(elf)]
    if engine is not None:
        cmd += ["--engine", engine]
    return cmd


def run_armtcg(elf, timeout=300, engine=None):
    """Run an ELF on our emulator's CLI; returns (UART bytes, exit status
    or None on timeout, stderr bytes)."""
    return run_command(armtcg_command(elf, engine), timeout, cwd=GUEST_DIR.parent.parent)


def run_command(cmd, timeout, cwd=None):
    """Run cmd with stdin closed; (stdout, status or None on timeout, stderr)."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=cwd)
    try:
        out, err = p.communicate(timeout=timeout)
        return out, p.returncode, err
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return out, None, err


def output_diff(got, want, context=3, limit=40):
    """A short unified diff of two outputs, for assertion messages."""
    import difflib
    lines = difflib.unified_diff(
        want.decode(errors="replace").splitlines(), got.decode(errors="replace").splitlines(),
        "expected", "got", n=context, lineterm="")
    lines = list(lines)
    more = f"\n... {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


# ---- system-test guests (tests/sysguest/) ----------------------------------
# Bare-metal programs that test one part of the machine (MMU, GIC, timers,
# devices) against the architecture specs.  Each is tests/sysguest/<name>.c
# and/or <name>.S (either may be absent), linked with common/ like the
# guests above, so they print through the UART and exit through PSCI.
SYSGUEST_DIR = GUEST_DIR.parent / "sysguest"


def sysguest_sources(name):
    srcs = [p for p in (SYSGUEST_DIR / f"{name}.c", SYSGUEST_DIR / f"{name}.S") if p.exists()]
    if not srcs:
        raise ValueError(f"no system guest {name!r} in {SYSGUEST_DIR}")
    return srcs


def build_sysguest(name, defines=()):
    """Cross-compile tests/sysguest/<name>.{c,S} (with -D defines); returns the ELF."""
    srcs = sysguest_sources(name)
    stem = "sys-" + name + "".join("-" + d.replace("=", "_") for d in defines)
    elf = BUILD_DIR / f"{stem}.elf"
    headers = sorted(SYSGUEST_DIR.glob("*.h"))
    if _up_to_date(elf, _dependencies(srcs, GUEST_COMMON) + headers):
        return elf

    def build(out):
        _run([CROSS + "gcc", *GUEST_CFLAGS, *["-D" + d for d in defines],
              "-I", str(COMMON_DIR), "-I", str(SYSGUEST_DIR),
              "-nostdlib", "-T", str(COMMON_DIR / "link.ld"), "-o", str(out),
              *[str(COMMON_DIR / c) for c in GUEST_COMMON], *map(str, srcs),
              libgcc_path()])
        check_arm_only(out)

    return _build_atomically(elf, build)


def sysguest_tests(name, check, expected, qemu_differs, timeout=300):
    """The three tests every system-test guest has: on armtcg (interp, in
    the default run), under the other engines (slow) and on QEMU.  `check`
    compares the guest's output with a list of (key, value) rows: `expected`
    (what the spec says), on QEMU with qemu_differs {key: QEMU's answer}
    for the rows where QEMU is wrong.  Assign the returned functions to
    test_* names in the test module."""
    import pytest

    def expected_on(qemu=False):
        return [(k, qemu_differs.get(k, v)) if qemu else (k, v) for k, v in expected]

    def on_armtcg():
        out, status, err = run_armtcg(build_sysguest(name), timeout)
        check(out, expected_on())
        assert status == 0, err[-2000:]

    @pytest.mark.slow
    @pytest.mark.parametrize("engine", [e for e in armtcg_engines() if e != "interp"])
    def on_armtcg_engines(engine):
        out, status, err = run_armtcg(build_sysguest(name), 2 * timeout, engine)
        check(out, expected_on())
        assert status == 0, err[-2000:]

    @pytest.mark.qemu
    @pytest.mark.skipif(not have_qemu(), reason="qemu-system-arm not installed")
    def on_qemu():
        out, status = run_qemu(build_sysguest(name), 60)
        check(out, expected_on(qemu=True))
        assert status == 0

    return on_armtcg, on_armtcg_engines, on_qemu
