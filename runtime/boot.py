"""The boot protocol: where images go in RAM and how the CPU starts.

This follows QEMU 7.2's hw/arm/boot.c for a board without EL2/EL3 (virt):

  * `-kernel` ELF: a bare-metal program.  Its segments are loaded at their
    physical addresses and the CPU starts at e_entry straight out of reset
    (registers 0).  A DTB, if the board has one, goes to the RAM base when
    it does not overlap the segments (as QEMU does for ELF kernels).
  * `-kernel` uImage (legacy u-boot header, magic 0x27051956): loaded at the
    header's load address (gzip payloads decompressed), entered at its entry
    point; a Linux uImage gets the Linux boot registers.
  * `-kernel` zImage (magic 0x016f2818 at 0x24) or any other raw image (an
    uncompressed Image): loaded at RAM base + 0x10000 (KERNEL_LOAD_ADDR) and
    entered there as Linux.
  * Linux boot registers (Documentation/arm/booting.rst): r0 = 0, r1 = the
    machine type (0xffffffff: none, a DTB describes the machine), r2 = the
    DTB's physical address; SVC mode, IRQ/FIQ masked, MMU and caches off.
  * `-initrd` goes to RAM base + min(RAM/2, 128 MiB); the DTB follows it,
    4 KiB aligned (at the initrd's place when there is none).
  * `-bios`: the firmware runs from flash at 0; the DTB is at the RAM base.

Every problem with an image is a BootError with a message naming the file
and the reason; nothing is read beyond what can fit in guest memory.
"""

import gzip
import struct
import zlib
from collections import namedtuple

from runtime.loader import ELF_EXTRA_BYTES, LoaderError, is_elf, load_elf, read_image

KERNEL_LOAD_OFFSET = 0x10000
LINUX_MACHINE_NONE = 0xFFFFFFFF
DTB_ALIGN = 0x1000
INITRD_MAX_OFFSET = 128 << 20

ZIMAGE_MAGIC_OFFSET = 0x24
ZIMAGE_MAGIC = 0x016F2818
ZIMAGE_START_END = 0x28        # start, end addresses of the zImage (LE words)

UIMAGE_MAGIC = 0x27051956
UIMAGE_HEADER = struct.Struct(">7I4B32s")   # magic hcrc time size load ep dcrc os arch type comp name
UIMAGE_HEADER_SIZE = UIMAGE_HEADER.size     # 64
IH_OS_LINUX = 5
IH_ARCH_ARM = 2
IH_TYPE_KERNEL, IH_TYPE_RAMDISK, IH_TYPE_KERNEL_NOLOAD = 2, 3, 14
IH_COMP_NONE, IH_COMP_GZIP = 0, 1
KERNEL_NOLOAD_OFFSET = 0x02000000


class BootError(LoaderError):
    """An image that cannot be booted: the message says which and why."""


Kernel = namedtuple("Kernel", "kind load entry payload is_linux")
Placement = namedtuple("Placement", "entry regs loads dtb_addr initrd image")


def _u32le(data, off):
    return struct.unpack_from("<I", data, off)[0]


def is_zimage(data):
    return len(data) >= ZIMAGE_START_END + 8 and \
        _u32le(data, ZIMAGE_MAGIC_OFFSET) == ZIMAGE_MAGIC


def is_uimage(data):
    return len(data) >= 4 and struct.unpack_from(">I", data)[0] == UIMAGE_MAGIC


def parse_uimage(path, data, limit):
    """(header fields, payload) of a legacy u-boot image, CRCs checked."""
    if len(data) < UIMAGE_HEADER_SIZE:
        raise BootError("uImage '%s' is truncated (%d bytes, the header alone is %d)"
                        % (path, len(data), UIMAGE_HEADER_SIZE))
    (magic, hcrc, _time, size, load, ep, dcrc, os_, arch, itype, comp,
     _name) = UIMAGE_HEADER.unpack_from(data)
    header = bytearray(data[:UIMAGE_HEADER_SIZE])
    header[4:8] = b"\0\0\0\0"
    if zlib.crc32(header) != hcrc:
        raise BootError("uImage '%s': bad header CRC (0x%08x, computed 0x%08x)"
                        % (path, hcrc, zlib.crc32(header)))
    payload = data[UIMAGE_HEADER_SIZE:UIMAGE_HEADER_SIZE + size]
    if len(payload) < size:
        raise BootError("uImage '%s' is truncated: the header says %d data bytes, the file "
                        "has %d" % (path, size, len(payload)))
    if zlib.crc32(payload) != dcrc:
        raise BootError("uImage '%s': bad data CRC (0x%08x, computed 0x%08x)"
                        % (path, dcrc, zlib.crc32(payload)))
    if arch != IH_ARCH_ARM:
        raise BootError("uImage '%s' is for architecture %d, not ARM (%d)"
                        % (path, arch, IH_ARCH_ARM))
    if comp == IH_COMP_GZIP:
        payload = _gunzip(path, payload, limit)
    elif comp != IH_COMP_NONE:
        raise BootError("uImage '%s': compression type %d is not supported (none or gzip)"
                        % (path, comp))
    return dict(load=load, entry=ep, os=os_, type=itype), payload


def _gunzip(path, payload, limit):
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(payload, limit + 1)
    except zlib.error as e:
        raise BootError("uImage '%s': corrupt gzip data (%s)" % (path, e)) from None
    if len(out) > limit:
        raise BootError("uImage '%s' decompresses to more than the %d bytes of RAM"
                        % (path, limit))
    return out


def identify_kernel(path, data, ram_base, ram_size):
    """What -kernel is and where it goes (ELF files are loaded by the caller)."""
    if is_uimage(data):
        hdr, payload = parse_uimage(path, data, ram_size)
        if hdr["type"] == IH_TYPE_KERNEL_NOLOAD:
            load = ram_base + KERNEL_NOLOAD_OFFSET
            entry = load + hdr["entry"] - hdr["load"]
        elif hdr["type"] == IH_TYPE_KERNEL:
            load, entry = hdr["load"], hdr["entry"]
        else:
            raise BootError("uImage '%s' is of type %d, not a kernel" % (path, hdr["type"]))
        return Kernel("uimage", load, entry, payload, hdr["os"] == IH_OS_LINUX)
    if not data:
        raise BootError("kernel image '%s' is empty" % path)
    load = ram_base + KERNEL_LOAD_OFFSET
    if is_zimage(data):
        start, end = _u32le(data, ZIMAGE_START_END), _u32le(data, ZIMAGE_START_END + 4)
        if end <= start or end - start > len(data):
            raise BootError("zImage '%s' is truncated or corrupt: its header says %d bytes, "
                            "the file has %d" % (path, end - start, len(data)))
        return Kernel("zimage", load, load, data, True)
    return Kernel("raw", load, load, data, True)


def read_initrd(path, limit):
    """An initrd's bytes; a u-boot ramdisk uImage loses its header as QEMU
    does (load_ramdisk)."""
    data = read_image(path, limit, what="initrd")
    if is_uimage(data):
        hdr, payload = parse_uimage(path, data, limit)
        if hdr["type"] != IH_TYPE_RAMDISK:
            raise BootError("initrd '%s' is a uImage of type %d, not a ramdisk"
                            % (path, hdr["type"]))
        return payload
    return data


def _check_inside(what, path, addr, size, ram_base, ram_size):
    if not (ram_base <= addr and addr + size <= ram_base + ram_size):
        raise BootError("%s '%s' (%d bytes at 0x%08x) does not fit in RAM "
                        "(0x%08x-0x%08x): use a larger -m"
                        % (what, path, size, addr, ram_base, ram_base + ram_size - 1))


def _overlaps(a, alen, b, blen):
    return a < b + blen and b < a + alen


def place_linux(kernel_path, ram_base, ram_size, initrd_path=None, make_dtb=None):
    """Where a Linux-style boot puts everything.  make_dtb(initrd_range)
    returns the DTB bytes (None: no DTB, r2 = 0).  Returns a Placement;
    nothing is written yet."""
    data = read_image(kernel_path, ram_size, what="kernel image")
    if is_elf(data):
        raise BootError("internal: ELF kernels are loaded by load_elf")
    kernel = identify_kernel(kernel_path, data, ram_base, ram_size)
    _check_inside("kernel image", kernel_path, kernel.load, len(kernel.payload),
                  ram_base, ram_size)
    loads = [(kernel.load, kernel.payload)]
    kernel_end = kernel.load + len(kernel.payload)
    slot = ram_base + min(ram_size // 2, INITRD_MAX_OFFSET)
    initrd = None
    if initrd_path is not None:
        blob = read_initrd(initrd_path, ram_size)
        _check_inside("initrd", initrd_path, slot, len(blob), ram_base, ram_size)
        if _overlaps(slot, len(blob), kernel.load, len(kernel.payload)):
            raise BootError("initrd '%s' at 0x%08x would overlap the kernel (0x%08x-0x%08x)"
                            % (initrd_path, slot, kernel.load, kernel_end - 1))
        initrd = (slot, slot + len(blob))
        loads.append((slot, blob))
        slot = (slot + len(blob) + DTB_ALIGN - 1) & ~(DTB_ALIGN - 1)
    dtb_addr = 0
    if make_dtb is not None:
        dtb = make_dtb(initrd)
        _check_inside("device tree", "(generated)" if dtb is None else "dtb", slot, len(dtb),
                      ram_base, ram_size)
        loads.append((slot, dtb))
        dtb_addr = slot
    regs = {0: 0, 1: LINUX_MACHINE_NONE, 2: dtb_addr} if kernel.is_linux else {}
    return Placement(kernel.entry, regs, loads, dtb_addr, initrd, kernel)


def load_bare_elf(path, write, ram_regions, entry_regions=None):
    """A bare-metal ELF (loaded now, through write)."""
    ram = sum(size for _, size in ram_regions)
    data = read_image(path, ram, ram + ELF_EXTRA_BYTES, what="kernel image")
    return load_elf(path, write, ram_regions, entry_regions=entry_regions, data=data)


def gzip_bytes(data):
    """gzip with a fixed timestamp (reproducible test images)."""
    return gzip.compress(data, mtime=0)


def make_uimage(payload, load, entry, itype=IH_TYPE_KERNEL, comp=IH_COMP_NONE,
                os_=IH_OS_LINUX, name=b"armtcg"):
    """A legacy u-boot image (for tests and for users who need one)."""
    body = gzip_bytes(payload) if comp == IH_COMP_GZIP else payload
    fields = [UIMAGE_MAGIC, 0, 0, len(body), load, entry, zlib.crc32(body),
              os_, IH_ARCH_ARM, itype, comp, name.ljust(32, b"\0")[:32]]
    header = bytearray(UIMAGE_HEADER.pack(*fields))
    struct.pack_into(">I", header, 4, zlib.crc32(header))
    return bytes(header) + body
