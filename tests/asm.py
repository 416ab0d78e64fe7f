"""Assemble small A32 snippets with Debian's arm-none-eabi toolchain, for tests."""

import functools
import os
import shutil
import subprocess
import tempfile

AS = shutil.which("arm-none-eabi-as")
OBJCOPY = shutil.which("arm-none-eabi-objcopy")


def have_toolchain():
    return AS is not None and OBJCOPY is not None


@functools.lru_cache(maxsize=None)
def assemble(source, march="armv7ve", fpu=None):
    """Raw little-endian bytes of an ARM-state assembly snippet (fpu: e.g.
    "vfpv4" to accept VFP instructions)."""
    if not have_toolchain():
        raise RuntimeError("arm-none-eabi-as is not installed (make deps)")
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "t.s")
        obj = os.path.join(d, "t.o")
        out = os.path.join(d, "t.bin")
        with open(src, "w") as f:
            f.write(".syntax unified\n.arm\n.text\n" + source + "\n")
        fpu_opt = ["-mfpu=" + fpu] if fpu else []
        subprocess.run([AS, "-march=" + march] + fpu_opt + ["-o", obj, src], check=True,
                       capture_output=True, text=True)
        subprocess.run([OBJCOPY, "-O", "binary", "-j", ".text", obj, out], check=True)
        with open(out, "rb") as f:
            return f.read()
