"""Debian's userland: busybox-static (armhf, Thumb-2 and VFP code built by
Debian's toolchain, glibc's static start-up and string functions) as /init's
shell on Debian's armmp kernel, `-M virt`.

The script (SCRIPT below) runs arithmetic, awk's floating-point formatting,
text tools, compression round trips and checksums, printing one
"BB: name value" line each.  Every value is also computed here on the host
(EXPECTED), not taken from a run of ours; and the lines equal what the same
initramfs prints under qemu-system-arm.
"""

import base64
import bz2
import gzip
import hashlib
import re
import sys

import pytest

from tests import linuxlib
from tests.guestlib import have_qemu, run_command

pytestmark = pytest.mark.slow

BOOT_TIMEOUT = 900

SCRIPT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /sbin /usr/bin /usr/sbin /tmp
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
echo "BB: start"
echo "BB: arith $((123456789 * 7 % 1000003)) $((-17 / 5)) $((-17 % 5)) $((0x7fffffff + 2))"
echo "BB: expr $(expr 1000000 \* 4321 / 77)"
echo "BB: awkfloat $(awk 'BEGIN { printf "%.6f %.3e %.10g %.17g", 22/7, 1e10/3, 0.1+0.2, 1/3 }')"
echo "BB: awksum $(seq 1 1000 | awk '{ s += $1 * $1 / 7 } END { printf "%.6f", s }')"
echo "BB: awkint $(seq 1 100 | awk '{ s += $1 } END { print s }')"
echo "BB: factor $(factor 1234567 | cut -d: -f2)"
echo "BB: sed $(echo 'hello world' | sed 's/o/0/g')"
echo "BB: tr $(echo 'Thumb2 VFP' | tr 'a-z' 'A-Z')"
echo "BB: sort $(printf '10\n9\n100\n-3\n' | sort -n | tr '\n' ',')"
echo "BB: uniq $(printf 'a\na\nb\nc\nc\nc\n' | uniq -c | awk '{ printf "%s%s;", $1, $2 }')"
echo "BB: wc $(seq 1 10000 | wc -c)"
echo "BB: md5 $(echo -n hello | md5sum | cut -d' ' -f1)"
echo "BB: sha1 $(seq 1 10000 | sha1sum | cut -d' ' -f1)"
echo "BB: sha256 $(seq 1 10000 | sha256sum | cut -d' ' -f1)"
echo "BB: sha512 $(echo -n armtcg | sha512sum | cut -d' ' -f1)"
echo "BB: gzip $(seq 1 5000 | gzip -9 | gunzip | md5sum | cut -d' ' -f1)"
echo "BB: bzip2 $(seq 1 5000 | bzip2 -9 | bunzip2 | md5sum | cut -d' ' -f1)"
echo "BB: gunzip $(echo %(GZIP_BLOB)s | base64 -d | gunzip)"
echo "BB: gzsize $(seq 1 5000 | gzip -9 | wc -c)"
echo "BB: cpus $(grep -c ^processor /proc/cpuinfo)"
echo "BB: done"
poweroff -f
"""
# made on the host: gzip of "made on the host\n" (mtime 0), base64
GZIP_BLOB = "H4sIAAAAAAACA8tNTElVyM9TKMlIVcjILy7hAgCOybMcEQAAAA=="
SCRIPT = SCRIPT.replace("%(GZIP_BLOB)s", GZIP_BLOB)
# compared with QEMU's output only: the compressed size is busybox's own
QEMU_ONLY = {"gzsize"}


def _md5(data):
    return hashlib.md5(data).hexdigest()


def _seq(a, b):
    return b"".join(b"%d\n" % i for i in range(a, b + 1))


def _c_div(a, b):
    """C's (and the shell's) truncating division and remainder."""
    q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    return q, a - q * b


def _factor(n):
    out, p = [], 2
    while p * p <= n:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out + ([n] if n > 1 else [])


def _expected():
    q, r = _c_div(-17, 5)
    awksum = 0.0
    for i in range(1, 1001):
        awksum += i * i / 7
    uniq = {}
    for w in "a a b c c c".split():
        uniq[w] = uniq.get(w, 0) + 1
    return {
        "start": "",
        "arith": "%d %d %d %d" % (123456789 * 7 % 1000003, q, r, 0x7FFFFFFF + 2),
        "expr": str(1000000 * 4321 // 77),
        "awkfloat": "%.6f %.3e %.10g %.17g" % (22 / 7, 1e10 / 3, 0.1 + 0.2, 1 / 3),
        "awksum": "%.6f" % awksum,
        "awkint": str(sum(range(1, 101))),
        "factor": " ".join(map(str, _factor(1234567))),
        "sed": "hell0 w0rld",
        "tr": "THUMB2 VFP",
        "sort": ",".join(map(str, sorted([10, 9, 100, -3]))) + ",",
        "uniq": "".join("%d%s;" % (n, w) for w, n in uniq.items()),
        "wc": str(len(_seq(1, 10000))),
        "md5": _md5(b"hello"),
        "sha1": hashlib.sha1(_seq(1, 10000)).hexdigest(),
        "sha256": hashlib.sha256(_seq(1, 10000)).hexdigest(),
        "sha512": hashlib.sha512(b"armtcg").hexdigest(),
        "gzip": _md5(_seq(1, 5000)),
        "bzip2": _md5(bz2.decompress(bz2.compress(_seq(1, 5000)))),
        "gunzip": gzip.decompress(base64.b64decode(GZIP_BLOB)).decode().strip(),
        "cpus": "1",
        "done": "",
    }


_LINE = re.compile(r"^BB: (\w+) ?(.*)$")


def results(output):
    """{name: value} of the script's BB: lines, in order."""
    found = {}
    for line in output.decode(errors="replace").replace("\r", "").splitlines():
        m = _LINE.match(line)
        if m:
            found[m.group(1)] = m.group(2).strip()
    return found


@pytest.fixture(scope="module")
def busybox_initrd(tmp_path_factory):
    try:
        with linuxlib._cache_lock():
            tree = linuxlib.debian_package("busybox-static")
    except linuxlib.Unavailable as e:
        pytest.skip("Debian's archive cannot be used here: %s" % e)
    path = tmp_path_factory.mktemp("busybox") / "initrd.gz"
    path.write_bytes(linuxlib.make_initramfs({
        "bin": None, "bin/busybox": (tree / "bin" / "busybox").read_bytes(),
        "init": SCRIPT.encode(), "dev": None, "dev/console": ("chr", 5, 1)}))
    return path


def _boot(cmd):
    out, status, err = run_command(cmd, BOOT_TIMEOUT, cwd=linuxlib.HERE.parent)
    assert status == 0, (out[-3000:] + err[-2000:]).decode(errors="replace")
    return out


def armtcg_busybox(engine, kernel, initrd):
    return _boot([sys.executable, "-m", "tcg.cli", "-M", "virt", "-cpu", "cortex-a15",
                  "-m", "256M", "-nographic", "-no-reboot", "--engine", engine,
                  "-kernel", str(kernel[0]), "-initrd", str(initrd), "-append", "console=ttyAMA0"])


def test_expected_values_cover_every_line():
    assert set(_expected()) | QEMU_ONLY == set(re.findall(r'echo "BB: (\w+)', SCRIPT))


@pytest.mark.parametrize("engine", ["interp", "auto"])
def test_busybox_userland_results(kernel, busybox_initrd, engine):
    got = results(armtcg_busybox(engine, kernel, busybox_initrd))
    assert {k: v for k, v in got.items() if k not in QEMU_ONLY} == _expected()
    assert got["gzsize"].isdigit()


@pytest.mark.qemu
def test_busybox_output_equals_qemu(kernel, busybox_initrd):
    if not have_qemu():
        pytest.skip("qemu-system-arm missing")
    ours = results(armtcg_busybox("auto", kernel, busybox_initrd))
    qemu = results(_boot(["qemu-system-arm", "-M", "virt", "-cpu", "cortex-a15", "-m", "256M",
                          "-nographic", "-no-reboot", "-kernel", str(kernel[0]),
                          "-initrd", str(busybox_initrd), "-append", "console=ttyAMA0"]))
    assert "done" in qemu
    assert ours == qemu
