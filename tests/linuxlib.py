"""Real guest images from Debian's archive, and initramfs building.

Debian packages are fetched with apt in the tests' set-up (never committed):
`dpkg --add-architecture armhf`, `apt-get update`, `apt-get download`, then
`dpkg -x`, cached under tests/.debian-cache/.  Where the archive cannot be
reached, `debian_package()` raises Unavailable and the tests skip with that
reason.

    debian_package(name) -> Path of the extracted package tree
    linux_kernel() -> (vmlinuz, System.map, modules dir, version)
    kernel_symbols(vmlinuz, system_map) -> {name: address}
    uboot_qemu_arm() -> Path of u-boot.bin
    build_init() -> Path of tests/linux/init.S built as a static ARM ELF
    make_initramfs(files) -> gzip'd newc cpio bytes
"""

import contextlib
import fcntl
import gzip
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".debian-cache"
LINUX_DIR = HERE / "linux"
ARCH = "armhf"


class Unavailable(Exception):
    """The Debian archive (or apt) cannot be used here."""


def _apt(*args):
    r = subprocess.run(["apt-get", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise Unavailable("apt-get %s failed: %s" % (" ".join(args), r.stderr.strip()[-300:]))
    return r.stdout


_updated = False


def _apt_update():
    global _updated
    if _updated:
        return
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        raise Unavailable("apt-get/dpkg not installed")
    arches = subprocess.run(["dpkg", "--print-foreign-architectures"],
                            capture_output=True, text=True).stdout.split()
    if ARCH not in arches:
        r = subprocess.run(["dpkg", "--add-architecture", ARCH], capture_output=True, text=True)
        if r.returncode != 0:
            raise Unavailable("dpkg --add-architecture armhf failed: %s" % r.stderr.strip())
    _apt("update", "-qq")
    _updated = True


def _newest(pattern):
    """The newest package whose name matches a regex (apt-cache search)."""
    _apt_update()
    out = _apt_cache("search", "--names-only", pattern)
    names = sorted({line.split(" - ")[0] for line in out.splitlines() if line.strip()},
                   key=_version_key)
    if not names:
        raise Unavailable("no package matches %r in the archive" % pattern)
    return names[-1]


def _apt_cache(*args):
    r = subprocess.run(["apt-cache", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise Unavailable("apt-cache %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def _version_key(name):
    return [int(p) if p.isdigit() else p for p in name.replace("-", ".").split(".")]


def debian_package(name, arch=ARCH):
    """Download and extract a package (cached); returns the extracted tree."""
    dest = CACHE / name
    if (dest / ".done").exists():
        return dest
    _apt_update()
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        spec = name if arch is None else "%s:%s" % (name, arch)
        r = subprocess.run(["apt-get", "download", "-qq", spec], cwd=tmp,
                           capture_output=True, text=True)
        if r.returncode != 0 and arch is not None:   # Architecture: all packages
            r = subprocess.run(["apt-get", "download", "-qq", name], cwd=tmp,
                               capture_output=True, text=True)
        if r.returncode != 0:
            raise Unavailable("apt-get download %s failed: %s" % (name, r.stderr.strip()[-300:]))
        debs = list(Path(tmp).glob("*.deb"))
        if len(debs) != 1:
            raise Unavailable("apt-get download %s gave %d files" % (name, len(debs)))
        out = Path(tmp) / "x"
        subprocess.run(["dpkg", "-x", str(debs[0]), str(out)], check=True)
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(out, dest)
    (dest / ".done").write_text(name + "\n")
    return dest


@contextlib.contextmanager
def _cache_lock():
    """One apt user at a time: parallel test workers share the cache (and
    apt's own lock would make a second `apt-get update` fail)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def linux_kernel():
    """Debian's newest non-LPAE armmp kernel: (vmlinuz, System.map, modules dir, version)."""
    with _cache_lock():
        name = _newest(r"^linux-image-[0-9.]+-[0-9]+-armmp$")
        tree = debian_package(name)
    version = name[len("linux-image-"):]
    boot = tree / "boot"
    return (boot / ("vmlinuz-" + version), boot / ("System.map-" + version),
            tree / "lib" / "modules" / version, version)


def kernel_symbols(vmlinuz, system_map):
    """{name: address} of the kernel's symbols.  Debian's System.map is a
    placeholder (the real one is in the huge -dbg package): then the
    kernel's own kallsyms table, recovered from the image by
    kallsyms-finder (PyPI vmlinux-to-elf), cached beside it."""
    def parse(path):
        out = {}
        for line in open(path, errors="replace"):
            f = line.split()
            if len(f) == 3 and len(f[0]) == 8:
                try:
                    out.setdefault(f[2], int(f[0], 16))
                except ValueError:
                    pass
        return out

    syms = parse(system_map)
    if len(syms) > 1:
        return syms
    cached = Path(str(system_map) + ".kallsyms")
    if not cached.exists():
        finder = shutil.which("kallsyms-finder")
        if finder is None:
            raise RuntimeError("the System.map is a placeholder and kallsyms-finder "
                               "(pip install vmlinux-to-elf) is not installed")
        out = subprocess.run([finder, str(vmlinuz)], capture_output=True, check=True).stdout
        tmp = cached.with_suffix(".tmp%d" % os.getpid())
        tmp.write_bytes(out)
        tmp.replace(cached)
    return parse(cached)


def uboot_qemu_arm():
    with _cache_lock():
        tree = debian_package("u-boot-qemu", arch=None)
    return tree / "usr" / "lib" / "u-boot" / "qemu_arm" / "u-boot.bin"


def build_init(name="init"):
    """tests/linux/<name>.S as a static EABI executable (no libc)."""
    src = LINUX_DIR / (name + ".S")
    out = LINUX_DIR / "build" / name
    deps = [src, LINUX_DIR / "common.inc"]
    if out.exists() and all(out.stat().st_mtime >= d.stat().st_mtime for d in deps):
        return out
    out.parent.mkdir(exist_ok=True)
    tmp = out.with_suffix(".tmp%d" % os.getpid())
    subprocess.run(["arm-none-eabi-gcc", "-nostdlib", "-static", "-marm", "-march=armv7-a",
                    "-I", str(LINUX_DIR), "-Wl,-Ttext=0x10000", "-Wl,--build-id=none",
                    "-o", str(tmp), str(src)], check=True)
    os.replace(tmp, out)
    return out


def _cpio_entry(name, mode, data=b"", ino=1, rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
    header = b"070701" + b"".join(b"%08X" % f for f in fields)
    pad = lambda n: b"\0" * (-n % 4)
    return header + name_b + pad(len(header) + len(name_b)) + data + pad(len(data))


def make_initramfs(files):
    """files: {path in the archive: bytes (an executable file), None (a
    directory) or ("chr", major, minor) (a character device)};
    returns a gzip'd cpio in the kernel's "newc" format
    (Documentation/driver-api/early-userspace/buffer-format.rst)."""
    out = []
    for ino, (path, data) in enumerate(sorted(files.items()), start=1):
        if data is None:
            out.append(_cpio_entry(path, 0o040755, ino=ino))
        elif isinstance(data, tuple):
            out.append(_cpio_entry(path, 0o020600, ino=ino, rdev=data[1:]))
        else:
            out.append(_cpio_entry(path, 0o100755, data, ino=ino))
    out.append(_cpio_entry("TRAILER!!!", 0, ino=0))
    return gzip.compress(b"".join(out), mtime=0)
