"""armtcg command line: a thin layer over the Emulator API and the boards.

    armtcg run -M virt -m 128M -kernel guest.elf [-semihosting] [-nographic]
               [-d in_asm,op,exec,int,cpu] [-D logfile] [--max-insns N]
               [--engine interp|jit|auto] [--jit-threshold N] [-icount shift=N]
    armtcg compare [-M virt -m 256M] -kernel IMAGE [-initrd F] [-append CMDLINE] [-dtb F]
                   [--max-blocks N] [--max-insns N] [-icount shift=N]
    armtcg profile [--top N] [--by block|function] [--json | --csv] guest.elf

Options use QEMU's spelling (single dash) where QEMU has the option; the
double-dash forms are accepted too.  Errors the user can fix (missing or
malformed image, unknown machine, bad -m) are one line on stderr and exit
status 1.  Also runnable as `python -m tcg.cli`.
"""

import argparse
import os
import signal
import sys
import threading

from runtime import abi, chardev
from runtime.abi import CPSR_M, CPSR_T, MODE_NAMES
from runtime.boards.base import BoardError, board_class
from runtime.boards import virt  # noqa: F401  (importing it registers the board)
from runtime.fdt import FdtError
from runtime.loader import LoaderError
from tcg import profile, qemu_args
from tcg.emulator import Emulator, EmulatorError, DEFAULT_JIT_THRESHOLD
from tcg.gdbstub import GdbStub, GdbError
from tcg.qemu_args import UsageError, flag as _flag

EXIT_ERROR = 1
EXIT_MAX_INSNS = 124        # as timeout(1)
EXIT_INTERRUPTED = 130      # 128 + SIGINT

DEFAULT_RAM = qemu_args.DEFAULT_RAM

LOG_ITEMS = {
    "in_asm": "guest disassembly of each block when it is translated",
    "op": "IR of each block when it is translated",
    "exec": "each block executed (slow: no chaining)",
    "int": "exceptions taken",
    "cpu": "registers before each block executed (slow)",
    "fpu": "with cpu: the VFP registers and FPSCR too",
}


EXCEPTION_NAMES = {abi.EXCP_UDEF: "Undefined Instruction", abi.EXCP_SWI: "SVC",
                   abi.EXCP_PREFETCH_ABORT: "Prefetch Abort", abi.EXCP_DATA_ABORT: "Data Abort",
                   abi.EXCP_IRQ: "IRQ", abi.EXCP_FIQ: "FIQ", abi.EXCP_BKPT: "Breakpoint",
                   abi.EXCP_HVC: "Hypervisor Call", abi.EXCP_SMC: "Secure Monitor Call",
                   abi.EXCP_SEMIHOST: "Semihosting call"}


def _note(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def _error(msg):
    sys.stderr.write("armtcg: %s\n" % msg)
    return EXIT_ERROR


# ---- argument parsing ---------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(
        prog="armtcg", allow_abbrev=False,
        description="ARMv7-A (Cortex-A15) system emulator built like QEMU's TCG.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser(
        "run", allow_abbrev=False, help="boot an image on a board (QEMU's options)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Boot an image on a board and run it until it exits.",
        epilog="exit status: the guest's exit code (PSCI SYSTEM_OFF: 0; semihosting\n"
               "SYS_EXIT: 0 for ADP_Stopped_ApplicationExit, else 1; SYS_EXIT_EXTENDED:\n"
               "its subcode); 124 when --max-insns stops the guest; 130 after Ctrl-C;\n"
               "1 for an error (bad image, machine, -m) or a guest the engine cannot run.\n"
               "A guest halted for good (WFI, nothing can wake it) exits 0.")
    qemu_args.add_machine_arguments(run)
    _flag(run, "-d", dest="debug", default="", metavar="ITEMS",
          help="log items, comma separated: %s ('help' lists them)" % ",".join(LOG_ITEMS))
    _flag(run, "-D", dest="logfile", metavar="FILE",
          help="write the -d log to FILE (default stderr)")
    run.add_argument("--max-insns", dest="max_insns", type=int, metavar="N",
                     help="stop after N guest instructions with exit status %d" % EXIT_MAX_INSNS)
    add_engine_arguments(run)
    prof = sub.add_parser(
        "profile", allow_abbrev=False, help="run an image and report its hot blocks",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run an image and report, per translation block (or per function), "
                    "executions,\nexecuted instructions, tier and shares of time and "
                    "instructions; totals below.",
        epilog="The report goes to stdout (or -o FILE), the guest's output to stderr\n"
               "(--serial-out).  Exit status as for `armtcg run`.")
    profile.add_arguments(prof, _flag)
    cmp_ = sub.add_parser(
        "compare", allow_abbrev=False, help="run the interpreter and the JIT in lockstep",
        description="Run an image under the interpreter and under the JIT side by side, "
                    "one block at a time, under an instruction-count clock; check the CPU "
                    "state and the memory each block stored to after every block.",
        epilog="exit status: 0 when both agree to the end, 1 on the first divergence "
               "(reported with the block's guest code, IR and LLVM IR) or an error.")
    cmp_.add_argument("image", nargs="?", help="guest image (ELF or raw), as -kernel IMAGE")
    qemu_args.add_machine_arguments(cmp_)
    cmp_.add_argument("--max-blocks", type=int, metavar="N", help="stop after N blocks")
    cmp_.add_argument("--max-insns", dest="max_insns", type=int, metavar="N",
                      help="stop after the block that reaches N guest instructions")
    _flag(cmp_, "-icount", dest="icount", default="shift=0", metavar="shift=N",
          help="the instruction-count clock both machines run under: 2**N ns per "
               "instruction (default shift=0)")
    return parser


def add_engine_arguments(p):
    p.add_argument("--engine", default="auto", choices=("interp", "jit", "auto"),
                   help="interp: the IR interpreter only; jit: compile every block before "
                        "its first run; auto (default): interpret, compile blocks that "
                        "become hot in a background thread")
    p.add_argument("--jit-threshold", type=int, default=None, metavar="N",
                   help="auto: executions before a block is compiled (default %d)"
                        % DEFAULT_JIT_THRESHOLD)
    _flag(p, "-icount", dest="icount", metavar="shift=N",
          help="deterministic time: the guest clock advances 2**N ns per instruction")


def parse_icount(spec):
    """QEMU's -icount: 'N' or 'shift=N' -> N (None when not given)."""
    if spec is None:
        return None
    text = spec.split(",")[0]
    if text.startswith("shift="):
        text = text[len("shift="):]
    if not text.isdigit() or int(text) > 10:
        raise UsageError("-icount %s: expected shift=N with N in 0..10" % spec)
    return int(text)


def engine_options(args):
    if args.jit_threshold is not None and args.jit_threshold <= 0:
        raise UsageError("--jit-threshold must be a positive number")
    opts = dict(engine=args.engine, icount_shift=parse_icount(args.icount))
    if args.jit_threshold is not None:
        opts["jit_threshold"] = args.jit_threshold
    return opts


MAX_COUNT = (1 << 64) - 1     # instruction and block counts are 64-bit in the engine


def check_count(option, value, limit=MAX_COUNT):
    """A count option: None (not given) or 1..limit; else one clear line."""
    if value is not None and not 0 < value <= limit:
        raise UsageError("%s must be a positive number (at most %d), not %d"
                         % (option, limit, value))


def cmd_compare(args):
    from tcg.compare import compare
    if args.image is not None and args.kernel is not None:
        raise UsageError("give the image once: as -kernel IMAGE or as the argument")
    args.kernel = args.kernel or args.image
    if args.serial is not None:
        raise UsageError("-serial: compare keeps each machine's UART output to compare it")
    check_count("--max-blocks", args.max_blocks)
    check_count("--max-insns", args.max_insns)
    shift = parse_icount(args.icount)
    name, config = qemu_args.machine_config(args, None)
    try:
        return compare(config=config, machine=name, max_blocks=args.max_blocks,
                       max_insns=args.max_insns, icount_shift=shift)
    except (LoaderError, FdtError, BoardError, EmulatorError) as e:
        raise UsageError(str(e)) from None


def parse_log_items(text):
    items = [i for i in text.split(",") if i]
    unknown = [i for i in items if i not in LOG_ITEMS]
    if unknown:
        raise UsageError("unknown -d item '%s' (known: %s)" % (unknown[0], ", ".join(LOG_ITEMS)))
    return set(items)


def open_serial(spec):
    try:
        return chardev.open_serial(spec)
    except chardev.SerialError as e:
        raise UsageError(str(e)) from None


# ---- the -d log -------------------------------------------------------------

def _install_hook(emu, name, fn):
    """Attach a callback the Emulator may offer as a method taking it or as
    an attribute to assign.  False when this Emulator has no such hook."""
    hook = getattr(emu, name, None)
    if hook is None and not hasattr(emu, name):
        return False
    if callable(hook) and getattr(hook, "__self__", None) is emu:
        hook(fn)
    else:
        setattr(emu, name, fn)
    return True


class TraceLog:
    """Formats the -d items in QEMU's style into one text stream."""

    def __init__(self, emu, out, symbols=None):
        self.emu = emu
        self.out = out
        self.symbols = symbols
        self._cs = None
        self.fpu = False            # -d fpu: cpu lines with the VFP registers

    def write(self, text):
        self.out.write(text)
        self.out.flush()

    def _symbol(self, pc):
        return self.symbols.format(pc) if self.symbols is not None else ""

    def _disassembler(self, thumb=False):
        if self._cs is None:
            import capstone
            self._cs = {False: capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM),
                        True: capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB)}
        return self._cs[thumb]

    def in_asm(self, block):
        from runtime.abi import TBF_THUMB
        thumb = bool(block.flags & TBF_THUMB)
        cs = self._disassembler(thumb)
        lines = ["----------------", "IN: %s" % self._symbol(block.pc)]
        for pc, word in block.insns:
            if not thumb:
                code, shown = word.to_bytes(4, "little"), "%08x" % word
            elif word > 0xFFFF:   # a 32-bit T32 instruction: hw1 then hw2
                code = (word >> 16).to_bytes(2, "little") + (word & 0xFFFF).to_bytes(2, "little")
                shown = "%04x %04x" % (word >> 16, word & 0xFFFF)
            else:
                code, shown = word.to_bytes(2, "little"), "%-9s" % ("%04x" % word)
            insn = next(cs.disasm(code, pc), None)
            text = "%-8s %s" % (insn.mnemonic, insn.op_str) if insn else "<undefined>"
            lines.append("0x%08x:  %s  %s" % (pc, shown, text.rstrip()))
        self.write("\n".join(lines) + "\n\n")

    def op(self, block):
        from tcg.ir import format_block
        b = block.builder
        self.write("OP: 0x%08x flags 0x%x\n%s\n\n" % (block.pc, block.flags,
                                                    format_block(b.ops, b.op_pc)))

    def exec_(self, pc, flags=0):
        self.write("Trace 0: [%08x/%08x] %s\n" % (pc, flags, self._symbol(pc)))

    def cpu(self, *_):
        self.write(format_registers(self.emu, self.fpu) + "\n")

    def exception(self, excp, pc=None, arg=None):
        name = EXCEPTION_NAMES.get(excp, "exception")
        where = "" if pc is None else " at pc=0x%08x" % pc
        extra = "" if arg is None else " arg=0x%x" % arg
        self.write("Taking exception %d [%s]%s%s\n" % (excp, name, where, extra))


def format_registers(emu, fpu=False):
    """As QEMU's -d cpu (and -d cpu,fpu: arm_cpu_dump_state's VFP lines)."""
    regs = [emu.reg_read("r%d" % i) for i in range(16)]
    lines = []
    for row in range(4):
        lines.append(" ".join("R%02d=%08x" % (i, regs[i]) for i in range(row * 4, row * 4 + 4)))
    cpsr = emu.reg_read("cpsr")
    flags = "".join(c if cpsr & (1 << b) else "-" for c, b in zip("NZCV", (31, 30, 29, 28)))
    state = "T" if cpsr & CPSR_T else "A"
    lines.append("PSR=%08x %s %s %s32" % (cpsr, flags, state, MODE_NAMES.get(cpsr & CPSR_M, "???")))
    if fpu:
        for i in range(32):
            v = emu.reg_read("d%d" % i)
            lines.append("s%02d=%08x s%02d=%08x d%02d=%016x" % (2 * i, v & 0xFFFFFFFF,
                                                               2 * i + 1, v >> 32, i, v))
        lines.append("FPSCR: %08x" % emu.reg_read("fpscr"))
    return "\n".join(lines)


def setup_log(emu, items, out, symbols):
    """Install the Emulator hooks serving the -d items."""
    log = TraceLog(emu, out, symbols)
    log.fpu = "fpu" in items
    if not items:
        return log
    translate_items = [getattr(log, i) for i in ("in_asm", "op") if i in items]
    if translate_items:
        def on_translate(tb):  # the Emulator passes a TBInfo (.block) or a Block
            block = getattr(tb, "block", tb)
            for fn in translate_items:
                fn(block)
        if not _install_hook(emu, "on_translate", on_translate):
            log.write("armtcg: -d in_asm/op: this Emulator has no on_translate hook\n")
    if "int" in items:
        def on_exception(emu_, excp):
            log.exception(excp, emu_.cpu.exception_pc, emu_.cpu.exception_arg)
        if not _install_hook(emu, "on_exception", on_exception):
            log.write("armtcg: -d int: this Emulator has no on_exception hook\n")
    exec_items = [fn for name, fn in (("exec", log.exec_), ("cpu", log.cpu)) if name in items]
    if exec_items:
        def on_block(emu_, pc):
            flags = emu_.cpu.tb_flags() if hasattr(emu_.cpu, "tb_flags") else 0
            for fn in exec_items:
                fn(pc, flags)
        if not _install_hook(emu, "on_block", on_block):
            log.write("armtcg: -d exec/cpu: this Emulator has no on_block hook\n")
    return log


# ---- running ------------------------------------------------------------------

def run_guest(board, max_insns, runner=None):
    """Run in a worker thread so Ctrl-C reaches us even while the engine
    holds no Python frame: the SIGINT handler asks the guest to stop; a
    second Ctrl-C gives up at once.  runner: what runs the guest instead
    of board.run(max_insns) (the gdbstub's serve)."""
    emu = board.emu
    result = {}
    runner = runner or (lambda: board.run(max_insns))

    def body():
        try:
            result["reason"] = runner()
        except BaseException as e:  # reported by the main thread
            result["error"] = e

    interrupts = []

    def on_sigint(signum, frame):
        interrupts.append(1)
        if len(interrupts) > 1:
            sys.stderr.write("armtcg: interrupted again, giving up\n")
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        emu.request_stop()

    worker = threading.Thread(target=body, name="armtcg-guest", daemon=True)
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
    finally:
        signal.signal(signal.SIGINT, previous)
    if "error" in result:
        raise result["error"]
    return result["reason"], bool(interrupts)


def _where(emu, reason):
    pc = reason.pc if reason.pc is not None else emu.reg_read("pc")
    mode = MODE_NAMES.get(emu.reg_read("cpsr") & CPSR_M, "???")
    return "pc=0x%08x mode=%s insns=%d" % (pc, mode, reason.icount if reason.icount is not None
                                            else emu.icount)


def cmd_run(args):
    if qemu_args.print_help_lists(args, sys.stdout):
        return 0
    if args.debug == "help":
        for name, text in LOG_ITEMS.items():
            print("%-10s %s" % (name, text))
        return 0
    check_count("--max-insns", args.max_insns)
    gdb = qemu_args.gdb_spec(args)
    if gdb is not None and args.max_insns is not None:
        raise UsageError("--max-insns cannot be combined with the gdbstub (-s, -gdb)")
    items = parse_log_items(args.debug)
    options = engine_options(args)
    name, config = qemu_args.machine_config(args, open_serial(qemu_args.serial_spec(args)))
    try:
        emu = Emulator(semihosting=config.semihosting, **options)
        board = board_class(name)(emu, config)
    except (EmulatorError, BoardError) as e:
        raise UsageError(str(e)) from None
    dumpdtb = config.properties.get("dumpdtb")
    if dumpdtb is not None:
        return dump_dtb(board, dumpdtb)
    try:
        image = board.load()
    except (LoaderError, FdtError) as e:
        raise UsageError(str(e)) from None

    log_out = sys.stderr
    if args.logfile:
        try:
            log_out = open(args.logfile, "w")
        except OSError as e:
            raise UsageError("cannot open log file '%s': %s" % (args.logfile, e.strerror))
    setup_log(emu, items, log_out, image.symbols)
    runner = None
    if gdb is not None:
        try:
            stub = GdbStub(board, *gdb, wait=args.gdb_wait, log=_note)
        except GdbError as e:
            raise UsageError(str(e)) from None
        runner = stub.serve
    reason, interrupted = run_guest(board, args.max_insns, runner)
    sys.stdout.flush()
    return report_stop(emu, reason, interrupted, args.max_insns)


def dump_dtb(board, path):
    """-M virt,dumpdtb=FILE: write the tree the board would boot with, exit."""
    try:
        with open(path, "wb") as f:
            f.write(board.device_tree())
    except OSError as e:
        raise UsageError("cannot write the device tree to '%s': %s" % (path, e.strerror))
    sys.stderr.write("armtcg: dtb dumped to %s. Exiting.\n" % path)
    return 0


def report_stop(emu, reason, interrupted, max_insns):
    """Exit status for a StopReason, with a line on stderr when the guest
    did not end by itself."""
    if reason.kind == "shutdown":
        return (reason.exit_code or 0) & 0xFF
    if reason.kind == "kill":
        sys.stderr.write("armtcg: killed by the debugger: %s\n" % _where(emu, reason))
        return 0
    if reason.kind == "quit":
        sys.stderr.write("armtcg: terminated at the console (Ctrl-A x)\n")
        return 0
    if reason.kind == "count":
        sys.stderr.write("armtcg: stopped after %d instructions (--max-insns): %s\n"
                         % (max_insns, _where(emu, reason)))
        return EXIT_MAX_INSNS
    if reason.kind == "stop":
        sys.stderr.write("armtcg: %s: %s\n" % ("interrupted" if interrupted else "stopped",
                                               _where(emu, reason)))
        return EXIT_INTERRUPTED
    if reason.kind == "halt":
        sys.stderr.write("armtcg: guest halted for good (nothing can wake it): %s\n"
                         % _where(emu, reason))
        return 0
    detail = getattr(reason, "message", None) or getattr(reason, "error", None) or reason.kind
    sys.stderr.write("armtcg: guest stopped with an error (%s): %s\n"
                     % (detail, _where(emu, reason)))
    return EXIT_ERROR


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["--version"], ["-version"]):
        sys.stdout.write(qemu_args.version_text())
        return 0
    if argv[:1] and argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["run"] + argv      # qemu-system-arm's command line as it is
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:        # a QEMU option armtcg does not have
        return _error(str(e))
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        if args.command == "profile":
            return profile.cmd_profile(args, sys.modules[__name__])
        if args.command == "compare":
            return cmd_compare(args)
        return cmd_run(args)
    except (UsageError, EmulatorError) as e:
        return _error(str(e))
    except KeyboardInterrupt:     # Ctrl-C before the guest ran (building, loading)
        sys.stderr.write("armtcg: interrupted\n")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
