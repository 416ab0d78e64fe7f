"""Whole-system boot times: armtcg (each engine) next to qemu-system-arm,
on the same images in one run.

    python -m bench.compare_boot [--engines auto,jit,interp] [--runs N]

Linux: Debian's armmp kernel with tests/linux/init.S as /init; the times
are wall seconds from process start to the kernel's "Run /init" line and to
the power-off (process exit).  u-boot: Debian's qemu_arm u-boot.bin under
-bios, to its "=>" prompt.  Ratios are armtcg / QEMU (lower is better);
these machines are shared and noisy, so compare ratios, and take the best
of --runs.  The images come from Debian's archive (tests/linuxlib.py).
"""

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import linuxlib  # noqa: E402

COMMON = ["-M", "virt", "-cpu", "cortex-a15", "-m", "256M", "-nographic", "-no-reboot"]


def timed_run(cmd, markers, stdin_text=None, timeout=1800):
    """Run cmd; returns ({marker: seconds until it appeared}, total seconds,
    exit status).  stdin_text is typed once a marker named 'type' appears."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd=REPO)
    seen, buf = {}, bytearray()

    def reader():
        while True:
            chunk = proc.stdout.read1(4096)
            if not chunk:
                return
            buf.extend(chunk)
            for m in markers:
                if m not in seen and m.encode() in buf:
                    seen[m] = time.monotonic() - t0
                    if stdin_text and m == markers[-1]:
                        proc.stdin.write(stdin_text.encode())
                        proc.stdin.flush()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    if stdin_text:
        proc.stdin.write(b"\n")          # stop u-boot's autoboot
        proc.stdin.flush()
    try:
        status = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = None
    t.join(5)
    return seen, time.monotonic() - t0, status


def armtcg(engine):
    return [sys.executable, "-m", "tcg.cli", *COMMON, "--engine", engine]


def best(runs, fn):
    results = [fn() for _ in range(runs)]
    return min(results, key=lambda r: r[1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default="auto,jit,interp")
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args(argv)
    engines = [e for e in args.engines.split(",") if e]
    vmlinuz = linuxlib.linux_kernel()[0]
    initrd = REPO / "bench" / ".initrd.gz"
    initrd.write_bytes(linuxlib.make_initramfs({
        "init": linuxlib.build_init("init").read_bytes(), "dev": None,
        "dev/console": ("chr", 5, 1)}))
    linux_args = ["-kernel", str(vmlinuz), "-initrd", str(initrd), "-append", "console=ttyAMA0"]
    uboot = linuxlib.uboot_qemu_arm()
    rows = []
    for name, base in [("qemu", ["qemu-system-arm", *COMMON])] + \
            [("armtcg " + e, armtcg(e)) for e in engines]:
        seen, total, status = best(args.runs, lambda: timed_run(
            base + linux_args, ["Run /init", "reboot: Power down"]))
        useen, _, _ = best(args.runs, lambda: timed_run(
            base + ["-bios", str(uboot)], ["=> "], stdin_text="poweroff\n", timeout=600))
        rows.append((name, seen.get("Run /init"), total if status == 0 else None,
                     useen.get("=> ")))
    qemu = rows[0]
    print("%-16s %12s %8s %12s %8s %12s %8s" % ("", "Run /init s", "x QEMU", "power-off s",
                                                 "x QEMU", "u-boot => s", "x QEMU"))
    for name, init_s, off_s, ub_s in rows:
        cells = []
        for value, ref in ((init_s, qemu[1]), (off_s, qemu[2]), (ub_s, qemu[3])):
            cells += ["%12.2f" % value if value else "%12s" % "-",
                      "%8.2f" % (value / ref) if value and ref else "%8s" % "-"]
        print("%-16s %s" % (name, " ".join(cells)))


if __name__ == "__main__":
    main()
