"""`armtcg profile`: counts consistent with the emulator's icount, symbols
checked against the ELF independently, the three output formats, --by
function, errors, and that profiling does not change what the guest does.
No timing assertions: time shares are only checked to add up."""

import csv
import io
import json
import os
import subprocess
import sys
import threading

import pytest

from test_board import GCC, build_guest as build_asm_guest, emulator_available

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
needs_emu = pytest.mark.skipif(not emulator_available() or GCC is None,
                               reason="emulator not built or no arm-none-eabi-gcc")


def engines():
    if not emulator_available():
        return ["interp"]
    from tcg.emulator import Emulator
    return list(Emulator.ENGINES)


ENGINES = engines()


def armtcg(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "tcg.cli"] + [str(a) for a in args], cwd=REPO,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def assert_clean_error(r, *fragments):
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert "Traceback" not in err
    lines = err.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("armtcg: "), err
    for f in fragments:
        assert f in lines[0], err


@pytest.fixture(scope="module")
def crc32_elf():
    from guestlib import build_guest
    return str(build_guest("crc32", iters=1))


def profile_json(elf, *args):
    r = armtcg("profile", "--json", "--serial-out", "null", *args, elf)
    assert r.returncode == 0, r.stderr.decode()
    return json.loads(r.stdout)


def elf_function_at(path, pc):
    """The STT_FUNC symbol whose [value, value+size) holds pc, read with
    pyelftools directly (not through runtime.loader)."""
    from elftools.elf.elffile import ELFFile
    with open(path, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        for sym in symtab.iter_symbols():
            if sym["st_info"]["type"] != "STT_FUNC":
                continue
            start = sym["st_value"] & ~1
            if start <= pc < start + sym["st_size"]:
                return sym.name
    return None


# ---- counts ---------------------------------------------------------------------------

@needs_emu
@pytest.mark.parametrize("engine", ENGINES)
def test_json_counts_are_consistent(crc32_elf, engine):
    data = profile_json(crc32_elf, "--engine", engine, "--top", "0")
    totals, rows = data["totals"], data["rows"]
    assert data["stop"]["kind"] == "shutdown" and data["stop"]["exit_code"] == 0
    assert len(rows) == totals["blocks"] > 10
    # every executed instruction is in exactly one block
    assert sum(r["insns"] for r in rows) == totals["guest_insns"] == data["stop"]["icount"]
    assert totals["block_insns"] == totals["guest_insns"]
    assert totals["unattributed_insns"] == 0
    for r in rows:
        assert 0 < r["ninsns"] and r["size"] == 4 * r["ninsns"]
        assert r["insns"] <= r["execs"] * r["ninsns"], r
        assert r["translations"] >= 1
        assert r["tier"] in ("interpreted", "compiled", "mixed")
        if engine == "interp":
            assert r["tier"] == "interpreted"
        elif engine == "jit":               # every block is compiled before it first runs
            assert r["tier"] == "compiled", r
    assert len({(r["pc"], r["flags"]) for r in rows}) == len(rows)
    assert abs(sum(r["insn_share"] for r in rows) - 1.0) < 1e-3
    # the sampled time of blocks, translation and elsewhere adds up (also
    # when no sample fell in this short run: then every part is 0; the
    # case with samples guaranteed is test_profiling_does_not_change_the_guest)
    assert_sampled_time_adds_up(totals, rows)
    assert totals["translated_blocks"] >= totals["blocks"]
    assert totals["engine"] == engine
    for key in ("wall_s", "translate_s", "compile_s", "exec_s"):
        assert totals[key] >= 0
    assert totals["translate_s"] + totals["compile_on_run_thread_s"] + totals["exec_s"] \
        <= totals["wall_s"] + 1e-6


def assert_sampled_time_adds_up(totals, rows):
    parts = (sum(r["time_s"] for r in rows) + totals["sampled_translate_s"]
             + totals["sampled_compile_s"] + totals["sampled_host_s"]
             + totals["sampled_elsewhere_s"])
    assert abs(parts - totals["sampled_s"]) < 1e-3, (parts, totals)
    if totals["sampled_s"]:
        assert sum(r["time_share"] for r in rows) <= 1.0 + 1e-3


@needs_emu
def test_hottest_block_is_in_the_crc_loop(crc32_elf):
    data = profile_json(crc32_elf, "--sort", "insns", "--top", "3")
    hot = data["rows"][0]
    assert data["rows"][0]["insns"] >= data["rows"][1]["insns"] >= data["rows"][2]["insns"]
    expected = elf_function_at(crc32_elf, hot["pc"])
    assert hot["symbol"] == hot["function"] == expected
    # the bit-by-bit loop (gcc inlines crc32_bitwise into main at -O2)
    assert expected in ("crc32_bitwise", "main")
    assert hot["location"] == (expected if not hot["offset"] else
                               "%s+0x%x" % (expected, hot["offset"]))
    assert hot["insn_share"] > 0.3


@needs_emu
def test_csv_matches_json(crc32_elf):
    # tiers under auto depend on when the background compiler gets to a block
    data = profile_json(crc32_elf, "--engine", "interp", "--sort", "insns", "--top", "7")
    r = armtcg("profile", "--engine", "interp", "--csv", "--serial-out", "null", "--sort",
               "insns", "--top", "7", crc32_elf)
    assert r.returncode == 0, r.stderr.decode()
    table = list(csv.reader(io.StringIO(r.stdout.decode())))
    header, body = table[0], table[1:]
    assert header[:3] == ["pc", "flags", "location"] and "insn_share" in header
    assert len(body) == len(data["rows"]) == 7
    for line, row in zip(body, data["rows"]):
        rec = dict(zip(header, line))
        assert len(line) == len(header)
        assert int(rec["pc"]) == row["pc"] and int(rec["insns"]) == row["insns"]
        assert int(rec["execs"]) == row["execs"] and rec["tier"] == row["tier"]


@needs_emu
def test_csv_by_function_has_header_and_top_rows(crc32_elf):
    r = armtcg("profile", "--csv", "--by", "function", "--top", "2", "--serial-out", "null",
               crc32_elf)
    assert r.returncode == 0, r.stderr.decode()
    lines = r.stdout.decode().strip().split("\n")
    assert lines[0].startswith("function,addr,blocks,") and len(lines) == 3


@needs_emu
@pytest.mark.parametrize("engine", ENGINES)
def test_by_function_adds_up(crc32_elf, engine):
    blocks = profile_json(crc32_elf, "--engine", engine, "--top", "0")
    funcs = profile_json(crc32_elf, "--engine", engine, "--top", "0", "--by", "function")
    rows = funcs["rows"]
    assert funcs["by"] == "function"
    assert sum(f["insns"] for f in rows) == funcs["totals"]["guest_insns"]
    assert sum(f["blocks"] for f in rows) == funcs["totals"]["blocks"]
    names = {f["function"] for f in rows}
    assert names == {b["function"] for b in blocks["rows"]}
    assert len(names) == len(rows) == funcs["totals"]["functions"]
    assert {"main", "printf", "uart_putc"} <= names
    for f in rows:
        if f["function"] != "?":
            assert f["addr"] is not None
            assert elf_function_at(crc32_elf, f["addr"]) in (f["function"], None)
    # the function views agree with the block view of the same run kind
    by_name = {}
    for b in blocks["rows"]:
        by_name[b["function"]] = by_name.get(b["function"], 0) + b["execs"]
    assert by_name == {f["function"]: f["execs"] for f in rows}


@needs_emu
def test_max_insns_still_reports(crc32_elf):
    r = armtcg("profile", "--json", "--serial-out", "null", "--max-insns", "5000", crc32_elf)
    assert r.returncode == 124
    data = json.loads(r.stdout)
    assert data["stop"]["kind"] == "count"
    assert data["totals"]["guest_insns"] == 5000
    assert sum(row["insns"] for row in data["rows"]) <= 5000


# ---- the human table ------------------------------------------------------------------

@needs_emu
@pytest.mark.parametrize("by", ["block", "function"])
def test_table(crc32_elf, by, tmp_path):
    out = tmp_path / "report.txt"
    r = armtcg("profile", "--top", "5", "--by", by, "-o", out, crc32_elf)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == b""                          # the report went to the file
    assert b"pass  0 len 16384" in r.stderr         # the guest's UART went to stderr
    text = out.read_text()
    for word in ("main", "tier", "translation", "LLVM compile", "execution",
                 "guest MIPS", "insn share"):
        assert word in text, text
    assert ("0x401" in text) and ("symbol+offset" in text if by == "block" else True)


def test_plain_table_without_rich():
    from tcg.profile import Profile, write_table
    blocks = [{"pc": 0x40000000, "flags": 0x93, "location": "f+0x4", "symbol": "f",
               "offset": 4, "function": "f", "ninsns": 3, "size": 12, "execs": 10,
               "insns": 30, "translations": 1, "tier": "interpreted", "time_s": 0.0,
               "time_share": None, "insn_share": 1.0}]
    totals = {"guest_insns": 30, "block_insns": 30, "unattributed_insns": 0, "blocks": 1,
              "functions": 1, "wall_s": 0.5, "translate_s": 0.1, "compile_s": 0.0,
              "compile_on_run_thread_s": 0.0, "exec_s": 0.4, "mips": 0.00006,
              "translated_blocks": 1, "compiled_blocks": 0, "compile_batches": 0,
              "tb_flushes": 2, "tb_cache_bytes": 256 << 20, "engine": "interp", "sample_us": 0, "samples": 0, "sampled_s": 0.0,
              "sampled_translate_s": 0.0, "sampled_compile_s": 0.0, "sampled_host_s": 0.0,
              "sampled_elsewhere_s": 0.0, "engine_stats": {}}
    out = io.StringIO()
    write_table(Profile(blocks, totals, None), out, "block", "time", 20, use_rich=False)
    text = out.getvalue()
    assert "0x40000000" in text and "f+0x4" in text and "100.0%" in text
    assert "sampling" in text and "off" in text
    assert "TB cache" in text and "2 flushes (budget 256 MiB)" in text


# ---- the guest is not changed by the profiler --------------------------------------------

@needs_emu
@pytest.mark.parametrize("engine", ENGINES)
def test_profiling_does_not_change_the_guest(crc32_elf, engine, monkeypatch):
    from runtime.boards.virt import build_virt
    from tcg.emulator import Emulator
    from tcg.profile import profile_image

    kw = {} if engine == "interp" else {"engine": engine}
    plain_out = io.BytesIO()
    emu = build_virt(128 << 20, uart_out=plain_out, emu=Emulator(**kw))
    emu.board.load(crc32_elf)
    plain = emu.board.run()

    # The guest's first UART write waits (inside the device callback, so
    # the run thread is in guest code) until the sampler has taken two
    # samples: the profiled run is known to have been sampled, whatever
    # the host's speed.
    from tcg import profile as profile_mod
    samplers = []

    class RecordingSampler(profile_mod.PcSampler):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            samplers.append(self)

    class WaitForSamples(io.BytesIO):
        def write(self, b):
            never = threading.Event()
            # bounded only so a broken sampler fails below instead of hanging
            for _ in range(60000):
                if self.tell() or samplers[0].count >= 2:
                    break
                never.wait(0.001)
            return super().write(b)

    monkeypatch.setattr(profile_mod, "PcSampler", RecordingSampler)
    prof_out = WaitForSamples()
    profile, pemu = profile_image(crc32_elf, engine=engine, uart_out=prof_out, sample_us=50)
    assert prof_out.getvalue() == plain_out.getvalue()
    assert b"0 mismatches" in prof_out.getvalue()
    assert pemu.icount == emu.icount == plain.icount == profile.stop.icount
    assert (profile.stop.kind, profile.stop.exit_code) == (plain.kind, plain.exit_code)
    for r in range(16):
        assert pemu.reg_read(r) == emu.reg_read(r)
    assert not [t for t in threading.enumerate() if t.name == "armtcg-profile-sampler"]
    assert len(samplers) == 1 and profile.totals["samples"] == samplers[0].count >= 2
    assert profile.totals["sampled_s"] > 0
    assert_sampled_time_adds_up(profile.totals, profile.blocks)


@needs_emu
def test_cli_uart_output_identical_to_run(crc32_elf, tmp_path):
    run = armtcg("run", "-kernel", crc32_elf)
    serial = tmp_path / "uart.txt"
    prof = armtcg("profile", "--json", "--serial-out", serial, crc32_elf)
    assert run.returncode == prof.returncode == 0
    assert serial.read_bytes() == run.stdout
    json.loads(prof.stdout)      # stdout holds only the report


# ---- self-modifying code: counts of dropped blocks are kept ---------------------------

SMC_GUEST = """
    mov r0, #0
    mov r4, #0
    ldr r5, =patch
    ldr r6, =0xe2800001          @ add r0, r0, #1
1:  add r7, r6, r4               @ add r0, r0, #(1 + i)
    str r7, [r5]
    bl patch
    add r4, r4, #1
    cmp r4, #50
    blt 1b
    ldr r1, =1275
    cmp r0, r1
    bne .
    ldr r0, =0x84000008          @ PSCI SYSTEM_OFF
    hvc #0
    b .
    .balign 64
patch:
    add r0, r0, #1
    bx lr
"""


@needs_emu
@pytest.mark.parametrize("engine", ENGINES)
def test_self_modifying_code_keeps_counts(tmp_path, engine):
    from elftools.elf.elffile import ELFFile
    from tcg.profile import profile_image

    elf = build_asm_guest(tmp_path, SMC_GUEST)
    with open(elf, "rb") as f:
        patch = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name("patch")[0]
    profile, emu = profile_image(elf, engine=engine)
    assert profile.stop.kind == "shutdown", profile.stop
    assert emu.reg_read("r4") == 50
    blocks = {(b["pc"], b["flags"]): b for b in profile.blocks}
    assert sum(b["insns"] for b in blocks.values()) == emu.icount
    at_patch = [b for b in blocks.values() if b["pc"] == patch["st_value"]]
    assert len(at_patch) == 1
    b = at_patch[0]
    assert b["translations"] == 50 and b["execs"] == 50 and b["insns"] == 100
    assert b["location"] == "patch"


# ---- errors ---------------------------------------------------------------------------------

def test_missing_image():
    assert_clean_error(armtcg("profile", "/no/such/guest.elf"), "/no/such/guest.elf")


def test_malformed_elf(tmp_path):
    bad = tmp_path / "bad.elf"
    bad.write_bytes(b"\x7fELF" + b"\x01" * 20)
    assert_clean_error(armtcg("profile", "--json", bad), "bad.elf")


def test_no_image():
    assert_clean_error(armtcg("profile", "--json"), "no image")


def test_two_images(tmp_path):
    assert_clean_error(armtcg("profile", "-kernel", "a.elf", "b.elf"), "two images")


def test_json_and_csv_exclusive(crc32_elf):
    r = armtcg("profile", "--json", "--csv", crc32_elf)
    assert r.returncode == 2 and b"not allowed" in r.stderr


def test_help():
    r = armtcg("profile", "--help")
    assert r.returncode == 0
    out = r.stdout.decode()
    for opt in ("--top", "--by", "--json", "--csv", "--sort", "--max-insns", "--engine",
                "--sample-us", "-kernel", "--serial-out"):
        assert opt in out


# ---- the engine interface (hooks: dropped TBs, flushes; tiers, stats), with a stand-in ------

class _Block:
    def __init__(self, ninsns):
        self.ninsns, self.size = ninsns, 4 * ninsns


class _TB:
    def __init__(self, tb_id, pc, ninsns, flags=0x13):
        self.id, self.addr, self.pc, self.flags = tb_id, 0x1000 + tb_id, pc, flags
        self.phys, self.block = pc, _Block(ninsns)


class _CPU:
    def __init__(self, counters, native):
        self.counters, self.native = counters, native

    def tb_counters(self, addr):
        return self.counters[addr]

    def tb_is_native(self, addr):
        return addr in self.native

    def reg_read(self, r):
        return 0


class _Emu:
    engine = "jit"

    def __init__(self):
        live = [_TB(0, 0x40000000, 4), _TB(1, 0x40000010, 2), _TB(2, 0x40000100, 3)]
        self.tbs = {tb.id: tb for tb in live}
        self.cpu = _CPU({0x1000: (10, 40), 0x1001: (5, 9), 0x1002: (1, 3)}, native={0x1000})
        from tcg.emulator import Hooks
        self.hooks = Hooks()
        self.in_guest = False
        old = _TB(7, 0x40000000, 4)              # an earlier translation, dropped
        self.dropped = [(old, 3, 12, False), (_TB(8, 0x40000200, 1), 2, 2, True)]
        self.translations = {(0x40000000, 0x13): 2, (0x40000010, 0x13): 1,
                             (0x40000100, 0x13): 1, (0x40000200, 0x13): 1}
        self.stats = {"translate_s": 0.25, "compile_s": 0.5, "exec_s": 1.0,
                      "translated_blocks": 5, "compiled_blocks": 2, "compile_batches": 1}
        self.icount = 0

    def drop_tbs(self):
        """What Emulator.flush_tbs tells its hooks."""
        for fn in self.hooks.on_tb_flush:
            fn(len(self.dropped), 0)
        for record in self.dropped:
            for fn in self.hooks.on_tb_drop:
                fn(*record)


def test_profile_uses_dropped_tbs_tiers_and_stats():
    from runtime.loader import SymbolTable
    from tcg.profile import Profiler

    emu = _Emu()
    prof = Profiler(emu, sample_us=0)
    emu.icount = 0

    def body():
        emu.drop_tbs()
        emu.icount = 66
    prof.run(body)
    symbols = SymbolTable([(0x40000000, 0x20, "f"), (0x40000100, 0x10, "g")])
    profile = prof.collect(symbols)
    blocks = {b["pc"]: b for b in profile.blocks}
    assert len(blocks) == 4
    b0 = blocks[0x40000000]
    assert (b0["execs"], b0["insns"], b0["translations"]) == (13, 52, 2)
    assert b0["tier"] == "mixed" and b0["location"] == "f"
    assert blocks[0x40000010]["location"] == "f+0x10"
    assert blocks[0x40000010]["tier"] == "interpreted"
    assert blocks[0x40000200]["tier"] == "compiled" and blocks[0x40000200]["function"] == "?"
    t = profile.totals
    assert t["guest_insns"] == 66 == t["block_insns"] and t["unattributed_insns"] == 0
    # no translate events: translation time is the engine's
    assert (t["translate_s"], t["compile_s"]) == (0.25, 0.5) and t["exec_s"] >= 0
    assert (t["translated_blocks"], t["compiled_blocks"], t["compile_batches"]) == (5, 2, 1)
    assert t["engine_stats"] == emu.stats and t["samples"] == 0 and t["engine"] == "jit"
    assert t["tb_flushes"] == 1
    assert all(b["time_share"] is None for b in profile.blocks)
    funcs = {f["function"]: f for f in profile.by_function()}
    assert set(funcs) == {"f", "g", "?"}
    assert (funcs["f"]["blocks"], funcs["f"]["insns"], funcs["f"]["addr"]) == (2, 61, 0x40000000)
    rows = profile.rows("block", "execs", 2)
    assert [r["pc"] for r in rows] == [0x40000000, 0x40000010]
