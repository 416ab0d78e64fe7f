"""`armtcg profile`: where a guest spends its instructions and its time.

    armtcg profile [-M virt] [-m 128M] [--engine interp|jit|auto] [--top N]
                   [--by block|function] [--json | --csv] [--sort time|insns|execs]
                   [--max-insns N] [--sample-us US] [-o FILE] guest.elf

Per translation block (keyed by (pc, flags), as the TB cache is): the guest
pc, its ELF symbol+offset, guest instructions in the block, executions,
instructions executed, times translated, tier (interpreted / compiled) and
two shares: of run time (statistical, see below) and of executed
instructions (exact).  Below, totals: translation, LLVM compile and
execution time, guest instructions and effective MIPS (instructions / wall
time of the run).  `--by function` adds the blocks up per ELF symbol.

Counters.  Every TB counts its executions and the instructions they
completed (the exec loop does that whether or not we profile); the
profiler reads them after the run from the live TBs and from the TBs that
invalidation (self-modifying code) or a flush dropped on the way, so their
counts are not lost.  Nothing is added to the guest's path: the guest
computes the same thing, to the instruction, with or without the profiler.

Time.  Compiled code does not time itself, so time is sampled: a thread
wakes every --sample-us microseconds and reads the guest pc, which the
exec loop leaves at the start of the block it is running (it runs with the
GIL released, so the sampler gets to run).  A block's time share is its
sampled time over all sampled time; time sampled while a block was being
translated or compiled, or while the run loop did other host work, is
charged to that (see PcSampler).  The time of blocks that share a pc
(other flags) is split in proportion to their instructions.

Totals: translation and execution time are measured here the same way for
every engine (execution = the run's wall time outside translation and
compiles done during it); LLVM compile time and block counts are the
engine's (Emulator.stats).

The emulator interface used: Emulator.hooks (translate, compile, TB drop
and flush events), .in_guest (the run thread is inside the exec loop),
.tbs, .translations, .stats, .tb_cache_bytes; CPU.tb_counters,
.tb_is_native.  Nothing of the Emulator is replaced or read as source.
"""

import csv
import io
import json
import os
import sys
import threading
import time
from collections import Counter

from runtime.boards.base import BoardError, board_class
from runtime.boards.virt import build_virt, parse_ram_size
from runtime.loader import LoaderError
from tcg.emulator import Emulator, EmulatorError, JIT_THRESHOLD_MAX

SORT_KEYS = ("time", "insns", "execs")
GROUPINGS = ("block", "function")
DEFAULT_TOP = 20
DEFAULT_SAMPLE_US = 1000
NO_SYMBOL = "?"

BLOCK_COLUMNS = ("pc", "flags", "location", "symbol", "offset", "function", "ninsns", "size",
                 "execs", "insns", "translations", "tier", "time_s", "time_share",
                 "insn_share")
FUNCTION_COLUMNS = ("function", "addr", "blocks", "ninsns", "execs", "insns", "translations",
                    "tier", "time_s", "time_share", "insn_share")


# ---- sampling -------------------------------------------------------------------

class RunState:
    """What the run thread is doing, as far as the sampler needs to know:
    `phase` names host work in progress ("translate", "compile" for a
    compile done during translation) or is None; `phase_end` /
    `last_phase` say when the last such work ended and what it was; `tid`
    is the run thread's id once known."""

    __slots__ = ("phase", "phase_end", "last_phase", "tid")

    def __init__(self):
        self.phase = None
        self.phase_end = 0.0
        self.last_phase = None
        self.tid = None

    def enter(self, name):
        previous = self.phase
        self.phase = name
        return previous

    def leave(self, previous=None):
        self.last_phase = self.phase
        self.phase_end = time.perf_counter()
        self.phase = previous


class PcSampler:
    """A thread that looks, every `interval_s`, at what the run thread is
    doing and charges the time since its previous look to it: to the
    guest pc (the start of the block being run) while guest code runs --
    including device callbacks the block makes -- or else to a host phase:
    "translate", "compile" (done during translation) or "host" (other
    Python work of the run loop: exceptions served in Python, JIT set-up,
    flushes, the time before and after the guest runs).  It only reads
    CPU state and frames.

    The sampler needs the GIL, so while the run thread holds it (a
    translation) a sample is late, and what it would see once the GIL
    comes back is the block entered right after that work.  So a sample
    whose due time falls in or before host work that has just ended
    (state.phase_end >= due) is charged to that work; samples are weighted
    by the time since the previous one, so a long hold of the GIL is not
    under-counted."""

    def __init__(self, cpu, interval_s, state, in_guest=None):
        self.cpu = cpu
        self.interval_s = interval_s
        self.state = state
        self.in_guest = in_guest       # fn() -> bool: the run thread is inside the exec loop
        self.pcs = Counter()           # pc -> seconds
        self.phases = Counter()        # phase name -> seconds
        self.count = 0
        self.total_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="armtcg-profile-sampler",
                                        daemon=True)

    def _run_thread_state(self):
        """None when the run thread is in guest code -- inside the exec
        loop, device callbacks of a running block included -- (or we
        cannot tell), else "host"."""
        if self.in_guest is None or self.in_guest():
            return None
        return "host"

    def _loop(self):
        read = self.cpu.reg_read
        wait = self._stop.wait
        clock = time.perf_counter
        interval = self.interval_s
        state = self.state
        pcs, phases = self.pcs, self.phases
        prev = clock()
        while not wait(interval):
            now = clock()
            due = prev + interval
            weight = now - prev
            prev = now
            phase = state.phase
            if phase is None and state.phase_end >= due:
                phase = state.last_phase
            if phase is None:
                phase = self._run_thread_state()
            if phase is not None:
                phases[phase] += weight
            else:
                pcs[read(15)] += weight
            self.count += 1
            self.total_s += weight

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()


# ---- collecting ---------------------------------------------------------------------

def _tier_of(native):
    return "compiled" if native else "interpreted"


class Profiler:
    """Attach to an Emulator before it runs, run the guest through
    `run(fn)`, then `collect()` the per-block records and totals."""

    def __init__(self, emu, sample_us=DEFAULT_SAMPLE_US):
        self.emu = emu
        self.cpu = emu.cpu
        self.sample_us = sample_us
        self.state = RunState()
        self.sampler = None
        self.wall_s = 0.0
        self.translate_s = 0.0         # time translating (compiles inside included)
        self.translate_calls = 0
        self.sync_compile_s = 0.0      # time in compiles done during translation
        self.translations = Counter()  # (pc, flags) -> times translated while attached
        self.dropped = []              # (TBInfo, execs, insns, native) of TBs dropped
        self.tb_flushes = 0
        self.icount_start = emu.icount
        self._attached = False

    # -- the Emulator's hooks
    def attach(self):
        if self._attached:
            return
        self._attached = True
        hooks = self.emu.hooks
        hooks.on_translate_start.append(self._translate_start)
        hooks.on_translate.append(self._translated)
        hooks.on_compile_start.append(self._compile_start)
        hooks.on_compile.append(self._compiled)
        hooks.on_tb_drop.append(self._tb_dropped)
        hooks.on_tb_flush.append(self._tb_flush)

    def _translate_start(self, pc, flags):
        self.state.tid = threading.get_ident()
        self._outer = self.state.enter("translate")

    def _translated(self, pc, flags, info, seconds):
        self.translate_s += seconds
        self.translate_calls += 1
        if info is not None:
            self.translations[(pc, flags)] += 1
        self.state.leave(self._outer)

    def _compile_start(self, infos):
        # compiling on the run thread (engine jit) is its own phase
        self._outer_compile = self.state.enter("compile")

    def _compiled(self, infos, seconds):
        self.sync_compile_s += seconds
        self.state.leave(self._outer_compile)

    def _tb_dropped(self, info, execs, insns, native):
        self.dropped.append((info, execs, insns, native))

    def _tb_flush(self, ntbs, nbytes):
        self.tb_flushes += 1

    def _is_native(self, addr):
        return bool(self.cpu.tb_is_native(addr))

    # -- running
    def run(self, fn):
        """Call fn() (which runs the guest) with the sampler going; the
        sampler is stopped and joined whatever happens."""
        self.attach()
        self.icount_start = self.emu.icount
        if self.sample_us and self.sample_us > 0:
            emu = self.emu
            self.sampler = PcSampler(self.cpu, self.sample_us / 1e6, self.state,
                                     lambda: emu.in_guest)
            self.sampler.start()
        t0 = time.perf_counter()
        try:
            return fn()
        finally:
            self.wall_s += time.perf_counter() - t0
            if self.sampler is not None:
                self.sampler.stop()

    # -- results
    def tb_records(self):
        """[(TBInfo, execs, insns, native)] for every TB of the run, live or dropped."""
        records = []
        for info in list(self.emu.tbs.values()):
            execs, insns = self.cpu.tb_counters(info.addr)
            records.append((info, execs, insns, self._is_native(info.addr)))
        return records + self.dropped

    def collect(self, symbols=None, stop=None):
        return Profile.build(self, symbols, stop)


class Profile:
    """The result: `blocks` (one dict per (pc, flags)), `totals`, and the
    stop reason of the run.  Rows are dicts with BLOCK_COLUMNS /
    FUNCTION_COLUMNS keys."""

    def __init__(self, blocks, totals, stop):
        self.blocks = blocks
        self.totals = totals
        self.stop = stop

    @classmethod
    def build(cls, profiler, symbols=None, stop=None):
        emu = profiler.emu
        translations = dict(profiler.translations or getattr(emu, "translations", {}) or {})
        by_key = {}
        for info, execs, insns, native in profiler.tb_records():
            key = (info.pc, info.flags)
            row = by_key.get(key)
            block = info.block
            if row is None:
                row = by_key[key] = {
                    "pc": info.pc, "flags": info.flags, "ninsns": 0, "size": 0, "execs": 0,
                    "insns": 0, "_tiers": set()}
            row["ninsns"] = max(row["ninsns"], getattr(block, "ninsns", 0))
            row["size"] = max(row["size"], getattr(block, "size", 0))
            row["execs"] += execs
            row["insns"] += insns
            row["_tiers"].add(_tier_of(native))
        for (pc, flags), row in by_key.items():
            tiers = row.pop("_tiers")
            row["tier"] = tiers.pop() if len(tiers) == 1 else "mixed"
            row["translations"] = translations.get((pc, flags), 1)
            hit = symbols.lookup(pc) if symbols is not None and len(symbols) else None
            if hit is None:
                row["symbol"], row["offset"], row["function"] = None, None, NO_SYMBOL
                row["location"] = ""
            else:
                name, off = hit
                row["symbol"], row["offset"], row["function"] = name, off, name
                row["location"] = "%s+0x%x" % (name, off) if off else name
        blocks = list(by_key.values())

        # sampled time: by pc, split over the blocks at that pc by executed instructions
        sampler = profiler.sampler
        sampled_s = sampler.total_s if sampler is not None else 0.0
        elsewhere_s = 0.0
        at_pc = {}
        for row in blocks:
            at_pc.setdefault(row["pc"], []).append(row)
            row["time_s"] = 0.0
        if sampler is not None:
            for pc, t in sampler.pcs.items():
                rows = at_pc.get(pc)
                if not rows:
                    elsewhere_s += t
                    continue
                weight = sum(r["insns"] for r in rows)
                for r in rows:
                    r["time_s"] += t * (r["insns"] / weight if weight else 1.0 / len(rows))
        total_insns = sum(r["insns"] for r in blocks)
        for row in blocks:
            row["time_share"] = row["time_s"] / sampled_s if sampled_s > 0 else None
            row["insn_share"] = row["insns"] / total_insns if total_insns else 0.0

        totals = cls._totals(profiler, blocks, total_insns, sampled_s, elsewhere_s)
        return cls(blocks, totals, stop)

    @staticmethod
    def _totals(profiler, blocks, total_insns, sampled_s, elsewhere_s):
        """Times: translation and execution are measured here, on the run
        thread, the same way for every engine (execution = the run's wall
        time outside translation and outside compiles done during
        translation); LLVM compile time and the block counts come from
        Emulator.stats (kept whole in "engine_stats")."""
        emu = profiler.emu
        stats = dict(getattr(emu, "stats", None) or {})
        guest_insns = emu.icount - profiler.icount_start
        wall = profiler.wall_s
        translations = profiler.translations or getattr(emu, "translations", None) or {}
        if profiler.translate_calls or "translate_s" not in stats:
            host_s = profiler.translate_s
            translate_s = host_s - profiler.sync_compile_s
        else:                           # the engine translates without emu._translate
            host_s = translate_s = float(stats["translate_s"])
        translated = int(stats.get("translated_blocks", sum(translations.values())))
        compiled = int(stats["compiled_blocks"]) if "compiled_blocks" in stats else \
            sum(1 for b in blocks if b["tier"] != "interpreted")
        sampler = profiler.sampler
        phases = dict(sampler.phases) if sampler is not None else {}
        return {
            "guest_insns": guest_insns,
            "block_insns": total_insns,
            "unattributed_insns": guest_insns - total_insns,
            "blocks": len(blocks),
            "functions": len({b["function"] for b in blocks}),
            "wall_s": wall,
            "translate_s": translate_s,
            "compile_s": float(stats.get("compile_s", 0.0)),
            "compile_on_run_thread_s": profiler.sync_compile_s,
            "exec_s": max(0.0, wall - host_s),
            "mips": guest_insns / wall / 1e6 if wall > 0 else None,
            "translated_blocks": translated,
            "compiled_blocks": compiled,
            "compile_batches": int(stats.get("compile_batches", 0)),
            "tb_flushes": profiler.tb_flushes,
            "tb_cache_bytes": getattr(emu, "tb_cache_bytes", None),
            "engine": getattr(emu, "engine", None),
            "sample_us": profiler.sample_us if sampler is not None else 0,
            "samples": sampler.count if sampler is not None else 0,
            "sampled_s": sampled_s,
            "sampled_translate_s": phases.get("translate", 0.0),
            "sampled_compile_s": phases.get("compile", 0.0),
            "sampled_host_s": phases.get("host", 0.0),
            "sampled_elsewhere_s": elsewhere_s,
            "engine_stats": stats,
        }

    # -- views
    def by_function(self):
        funcs = {}
        for b in self.blocks:
            name = b["function"]
            f = funcs.get(name)
            if f is None:
                f = funcs[name] = {"function": name, "addr": None, "blocks": 0, "ninsns": 0,
                                   "execs": 0, "insns": 0, "translations": 0, "time_s": 0.0,
                                   "_tiers": set(), "time_share": None, "insn_share": 0.0}
            if b["symbol"] is not None:
                f["addr"] = b["pc"] - b["offset"]
            f["blocks"] += 1
            f["ninsns"] += b["ninsns"]
            f["execs"] += b["execs"]
            f["insns"] += b["insns"]
            f["translations"] += b["translations"]
            f["time_s"] += b["time_s"]
            f["_tiers"].add(b["tier"])
            if b["time_share"] is not None:
                f["time_share"] = (f["time_share"] or 0.0) + b["time_share"]
            f["insn_share"] += b["insn_share"]
        for f in funcs.values():
            tiers = f.pop("_tiers")
            f["tier"] = tiers.pop() if len(tiers) == 1 else "mixed"
        return list(funcs.values())

    def rows(self, by="block", sort="time", top=DEFAULT_TOP):
        rows = self.by_function() if by == "function" else [dict(b) for b in self.blocks]
        primary = {"time": "time_s", "insns": "insns", "execs": "execs"}[sort]
        rows.sort(key=lambda r: (-r[primary], -r["insns"], -r["execs"],
                                 r.get("pc", r.get("addr")) or 0, r.get("flags", 0),
                                 r.get("function", "")))
        if top:
            rows = rows[:top]
        columns = FUNCTION_COLUMNS if by == "function" else BLOCK_COLUMNS
        return [{c: r[c] for c in columns} for r in rows]

    def to_dict(self, by="block", sort="time", top=DEFAULT_TOP):
        stop = self.stop
        return {
            "by": by, "sort": sort, "top": top,
            "stop": None if stop is None else {
                "kind": stop.kind, "exit_code": stop.exit_code, "pc": stop.pc,
                "icount": stop.icount},
            "totals": self.totals,
            "rows": self.rows(by, sort, top),
        }


# ---- output ---------------------------------------------------------------------------

def _round(value, places=6):
    return round(value, places) if isinstance(value, float) else value


def write_json(profile, out, by, sort, top):
    data = profile.to_dict(by, sort, top)
    for row in data["rows"]:
        for k, v in row.items():
            row[k] = _round(v)
    json.dump(data, out, indent=1)
    out.write("\n")


def write_csv(profile, out, by, sort, top):
    columns = FUNCTION_COLUMNS if by == "function" else BLOCK_COLUMNS
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    for row in profile.rows(by, sort, top):
        w.writerow(["" if row[c] is None else _round(row[c]) for c in columns])


def _pct(share):
    return "-" if share is None else "%.1f%%" % (100.0 * share)


def _table_cells(row, by):
    if by == "function":
        addr = "" if row["addr"] is None else "0x%08x" % row["addr"]
        return [row["function"], addr, str(row["blocks"]), str(row["ninsns"]),
                str(row["execs"]), str(row["insns"]), str(row["translations"]), row["tier"],
                _pct(row["time_share"]), _pct(row["insn_share"])]
    flags = "" if not row["flags"] else "%x" % row["flags"]
    return ["0x%08x" % row["pc"], flags, row["location"] or NO_SYMBOL, str(row["ninsns"]),
            str(row["execs"]), str(row["insns"]), str(row["translations"]), row["tier"],
            _pct(row["time_share"]), _pct(row["insn_share"])]


BLOCK_HEADERS = ("pc", "flags", "symbol+offset", "insns/blk", "execs", "insns exec",
                 "transl", "tier", "time", "insn share")
FUNCTION_HEADERS = ("function", "addr", "blocks", "insns", "execs", "insns exec", "transl",
                    "tier", "time", "insn share")
LEFT_COLUMNS = {"pc", "flags", "symbol+offset", "tier", "function", "addr"}


def _seconds(s):
    if s is None:
        return "-"
    return "%.3f s" % s if s >= 0.1 else "%.2f ms" % (s * 1e3)


def _bytes(n):
    if n is None:
        return "-"
    return "%d MiB" % (n >> 20) if n >= 1 << 20 else "%d bytes" % n


def totals_lines(totals):
    t = totals
    compiled = t["compiled_blocks"]
    if not compiled and not t["compile_s"]:
        where = ""
    elif t["compile_on_run_thread_s"] >= 0.5 * t["compile_s"]:
        where = " (during translation)"
    else:
        where = " (background thread, overlaps execution)"
    sampled = t["sampled_s"]

    def share(key):
        return _pct(t[key] / sampled if sampled else None)
    return [
        ("translation", "%s for %d blocks" % (_seconds(t["translate_s"]),
                                              t["translated_blocks"])),
        ("LLVM compile", "%s for %d blocks in %d batches%s" % (
            _seconds(t["compile_s"]), compiled, t["compile_batches"], where)),
        ("TB cache", "%d flushes (budget %s)" % (
            t["tb_flushes"], _bytes(t.get("tb_cache_bytes")))),
        ("execution", "%s (the run outside translation and compiles)" % _seconds(t["exec_s"])),
        ("wall time", _seconds(t["wall_s"])),
        ("guest insns", "%d in %d blocks, %d functions%s" % (
            t["guest_insns"], t["blocks"], t["functions"],
            "" if not t["unattributed_insns"] else
            " (%d outside any block)" % t["unattributed_insns"])),
        ("guest MIPS", "-" if t["mips"] is None else "%.2f (effective: insns / wall time)"
         % t["mips"]),
        ("sampling", "off" if not t["sample_us"] else
         "%d every %d us over %s; translating %s, compiling %s, host %s, no block %s" % (
             t["samples"], t["sample_us"], _seconds(sampled), share("sampled_translate_s"),
             share("sampled_compile_s"), share("sampled_host_s"),
             share("sampled_elsewhere_s"))),
        ("engine", str(t["engine"])),
    ]


def write_table(profile, out, by, sort, top, use_rich=True):
    rows = profile.rows(by, sort, top)
    headers = FUNCTION_HEADERS if by == "function" else BLOCK_HEADERS
    cells = [_table_cells(r, by) for r in rows]
    n_all = len(profile.by_function()) if by == "function" else len(profile.blocks)
    title = "armtcg profile: %s of %d %s, by %s" % (
        "top %d" % len(rows) if top and len(rows) < n_all else "all %d" % len(rows), n_all,
        "functions" if by == "function" else "blocks", "time" if sort == "time" else sort)
    console = None
    if use_rich:
        try:
            from rich.console import Console
            from rich.table import Table
        except ImportError:
            console = None
        else:
            console = Console(file=out, highlight=False, soft_wrap=False,
                              width=None if out.isatty() else 160)
    if console is not None:
        table = Table(title=title, title_justify="left")
        for h in headers:
            table.add_column(h, justify="left" if h in LEFT_COLUMNS else "right",
                             no_wrap=True)
        for c in cells:
            table.add_row(*c)
        console.print(table)
        totals = Table(show_header=False, box=None, padding=(0, 2))
        totals.add_column(justify="left", style="bold")
        totals.add_column(justify="left")
        for k, v in totals_lines(profile.totals):
            totals.add_row(k, v)
        console.print(totals)
        return
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(headers)]

    def line(values):
        return "  ".join(v.ljust(w) if h in LEFT_COLUMNS else v.rjust(w)
                         for v, w, h in zip(values, widths, headers)).rstrip()
    out.write(title + "\n")
    out.write(line(headers) + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for c in cells:
        out.write(line(c) + "\n")
    out.write("\n")
    for k, v in totals_lines(profile.totals):
        out.write("%-14s%s\n" % (k, v))


def write_report(profile, out, fmt="table", by="block", sort="time", top=DEFAULT_TOP):
    if fmt == "json":
        write_json(profile, out, by, sort, top)
    elif fmt == "csv":
        write_csv(profile, out, by, sort, top)
    else:
        write_table(profile, out, by, sort, top)


# ---- the command ---------------------------------------------------------------------------

def add_arguments(parser, flag):
    """The `profile` subcommand's options; flag() is cli._flag (QEMU
    single-dash spellings plus the double-dash forms)."""
    flag(parser, "-M", "-machine", dest="machine", default="virt", metavar="MACHINE",
         help="board (only 'virt')")
    flag(parser, "-m", dest="memory", default=None, metavar="SIZE",
         help="RAM size: 128M, 1G, or a number of MiB (default 128M)")
    flag(parser, "-kernel", dest="kernel", metavar="IMAGE", help="the image (or give it last)")
    parser.add_argument("image", nargs="?", metavar="guest.elf",
                        help="image: ELF or raw kernel, as for `armtcg run`")
    flag(parser, "-semihosting", dest="semihosting", action="store_true",
         help="serve ARM semihosting calls (its console output goes with the UART's)")
    default_engine = _default_engine()
    parser.add_argument("--engine", default=default_engine, choices=("interp", "jit", "auto"),
                        help="execution engine (default %s, as for `armtcg run`)"
                        % default_engine)
    parser.add_argument("--jit-threshold", dest="jit_threshold", type=int, metavar="N",
                        help="executions before a block is compiled (engines jit/auto)")
    parser.add_argument("--max-insns", dest="max_insns", type=int, metavar="N",
                        help="stop the guest after N instructions (the profile is still "
                             "written)")
    parser.add_argument("--top", type=int, default=DEFAULT_TOP, metavar="N",
                        help="rows to show (default %d; 0 = all)" % DEFAULT_TOP)
    parser.add_argument("--by", choices=GROUPINGS, default="block",
                        help="one row per translation block (default) or per ELF symbol")
    parser.add_argument("--sort", choices=SORT_KEYS, default="time",
                        help="order rows by sampled time (default; ties by instructions), "
                             "executed instructions or executions")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", dest="format", action="store_const", const="json",
                     help="machine-readable report: totals and rows")
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv",
                     help="rows only, with a header line")
    parser.set_defaults(format="table")
    parser.add_argument("--sample-us", dest="sample_us", type=int, default=DEFAULT_SAMPLE_US,
                        metavar="US", help="pc sampling period in microseconds (default %d; "
                        "0 = no sampling, no time shares)" % DEFAULT_SAMPLE_US)
    flag(parser, "-o", dest="output", metavar="FILE", help="write the report to FILE, not stdout")
    parser.add_argument("--serial-out", dest="serial_out", default="stderr", metavar="FILE",
                        help="the guest's UART (and semihosting) output: stderr (default), "
                             "null, or a file")


def _default_engine():
    return "auto" if "auto" in getattr(Emulator, "ENGINES", ()) else "interp"


def _open_sink(spec, usage_error):
    if spec in ("stderr", "-"):
        return sys.stderr.buffer, False
    if spec == "null":
        return open(os.devnull, "wb"), True
    try:
        return open(spec, "wb"), True
    except OSError as e:
        raise usage_error("cannot open serial output '%s': %s" % (spec, e.strerror)) from None


def _new_emulator(args, usage_error):
    kw = {"semihosting": args.semihosting}
    if args.engine != "interp":
        kw["engine"] = args.engine
    if args.jit_threshold is not None:
        kw["jit_threshold"] = args.jit_threshold
    try:
        return Emulator(**kw)
    except EmulatorError as e:
        raise usage_error(str(e)) from None
    except TypeError:
        raise usage_error("this emulator has no --jit-threshold") from None


def cmd_profile(args, cli):
    """`armtcg profile`; cli is the calling tcg.cli module (it may be
    __main__, whose UsageError is the one main() catches): passed in, so
    that this module does not import the command line back."""
    UsageError = cli.UsageError
    try:
        board_class(args.machine.split(",")[0])
    except BoardError as e:
        raise UsageError(str(e)) from None
    memory = args.memory or cli.DEFAULT_RAM
    try:
        ram_size = parse_ram_size(memory)
    except ValueError as e:
        raise UsageError("-m %s: %s" % (memory, e)) from None
    if args.kernel and args.image and args.kernel != args.image:
        raise UsageError("two images given ('%s' and '%s')" % (args.kernel, args.image))
    path = args.kernel or args.image
    if not path:
        raise UsageError("no image given (armtcg profile guest.elf)")
    cli.check_count("--max-insns", args.max_insns)
    cli.check_count("--jit-threshold", args.jit_threshold, JIT_THRESHOLD_MAX)
    if args.top < 0:
        raise UsageError("--top must be 0 (all) or a positive number")
    if args.sample_us < 0:
        raise UsageError("--sample-us must be 0 (off) or a positive number")

    report_out, close_report = sys.stdout, False
    if args.output:
        try:
            report_out, close_report = open(args.output, "w"), True
        except OSError as e:
            raise UsageError("cannot open output file '%s': %s" % (args.output, e.strerror))
    sink, close_sink = _open_sink(args.serial_out, UsageError)
    emu = None
    try:
        emu = _new_emulator(args, UsageError)
        build_virt(ram_size, semihosting=args.semihosting, uart_out=sink,
                   semihost_out=sink, semihost_err=sink, emu=emu)
        try:
            image = emu.board.load(path)
        except LoaderError as e:
            raise UsageError(str(e)) from None
        profiler = Profiler(emu, sample_us=args.sample_us)
        profiler.attach()
        box = {}

        def body():
            box["run"] = cli.run_guest(emu.board, args.max_insns)

        profiler.run(body)
        reason, interrupted = box["run"]
        sink.flush()
        profile = profiler.collect(image.symbols, reason)
        write_report(profile, report_out, args.format, args.by, args.sort, args.top)
        report_out.flush()
        return cli.report_stop(emu, reason, interrupted, args.max_insns)
    finally:
        close = getattr(emu, "close", None)
        if close is not None:
            close()             # the background compiler, if any
        if close_sink:
            sink.close()
        if close_report:
            report_out.close()


def profile_image(path, engine="interp", ram_size=128 << 20, max_insns=None,
                  sample_us=DEFAULT_SAMPLE_US, semihosting=False, uart_out=None, **emu_kw):
    """Library use: run an image on the virt board under the profiler;
    returns (Profile, emu).  uart_out: binary stream (default: discarded)."""
    if engine != "interp":
        emu_kw["engine"] = engine
    emu = Emulator(semihosting=semihosting, **emu_kw)
    sink = uart_out if uart_out is not None else io.BytesIO()
    build_virt(ram_size, semihosting=semihosting, uart_out=sink, semihost_out=sink,
               semihost_err=sink, emu=emu)
    image = emu.board.load(path)
    profiler = Profiler(emu, sample_us=sample_us)
    reason = profiler.run(lambda: emu.board.run(max_insns))
    return profiler.collect(image.symbols, reason), emu
