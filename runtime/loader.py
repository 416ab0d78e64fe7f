"""Loading guest images into board memory: ELF executables and raw binaries.

ELF: every PT_LOAD segment is copied to its physical address (p_paddr, as
QEMU does; the MMU is off at reset), filesz bytes from the file and the
rest of memsz zeroed; the entry point is e_entry.  The symbol table is kept
(sorted by address) for profiles and traces.
Raw: the file's bytes at a given address, entered at that address.

Every failure is a LoaderError whose message names the file and the
problem, so the CLI can print it as one line.
"""

import bisect
import io
import os

from elftools.common.exceptions import ELFError, ELFParseError
from elftools.elf.elffile import ELFFile

ELF_MAGIC = b"\x7fELF"


class LoaderError(Exception):
    """The image cannot be loaded; str() is a one-line explanation."""


class SymbolTable:
    """Guest symbols: address -> (name, offset) for the nearest symbol at
    or below the address (within its size when the size is known)."""

    def __init__(self, symbols=()):
        entries = sorted((addr, size, name) for addr, size, name in symbols)
        self.addrs = [e[0] for e in entries]
        self.entries = entries

    def __len__(self):
        return len(self.entries)

    def lookup(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0:
            return None
        start, size, name = self.entries[i]
        if size and addr >= start + size:
            return None
        return name, addr - start

    def format(self, addr):
        """'name+0x10' or '' when no symbol covers addr."""
        hit = self.lookup(addr)
        if hit is None:
            return ""
        name, off = hit
        return "%s+0x%x" % (name, off) if off else name

    def address_of(self, name):
        for addr, _, sym in self.entries:
            if sym == name:
                return addr
        return None


class LoadedImage:
    """What the board needs after loading: entry, extent, symbols."""

    def __init__(self, path, kind, entry, segments, symbols):
        self.path = path
        self.kind = kind            # 'elf' or 'raw'
        self.entry = entry
        self.segments = segments    # [(addr, memsz)]
        self.symbols = symbols
        self.end = max((a + n for a, n in segments), default=entry)

    def __repr__(self):
        return "LoadedImage(%r, %s, entry=0x%08x, end=0x%08x)" % (
            self.path, self.kind, self.entry, self.end)


def _inside(addr, size, regions):
    return any(base <= addr and addr + size <= base + rsize for base, rsize in regions)


def _describe_regions(regions):
    return ", ".join("0x%08x-0x%08x" % (b, b + s - 1) for b, s in regions)


def read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise LoaderError("cannot read image '%s': %s" % (path, e.strerror or e)) from None


# An ELF file may carry symbols and debug information beyond what it loads:
# it may be this much larger than the RAM its segments must fit in.
ELF_EXTRA_BYTES = 512 << 20


def read_image(path, limit, elf_limit=None, what="image"):
    """The bytes of a file (what: 'image', 'initrd', 'device tree'...),
    reading at most `limit` bytes (an ELF file, by its magic number: at most
    `elf_limit`): a file larger than that (a huge file, a device such as
    /dev/zero, an endless pipe) is refused with the reason instead of
    filling host memory."""
    if os.path.isdir(path):
        raise LoaderError("%s '%s' is a directory" % (what, path))
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
            cap = limit
            if len(data) > limit and elf_limit is not None and is_elf(data):
                cap = elf_limit
                data += f.read(elf_limit - len(data) + 1)
    except OSError as e:
        raise LoaderError("cannot read %s '%s': %s" % (what, path, e.strerror or e)) from None
    except MemoryError:
        raise LoaderError("%s '%s' is too large to read into host memory" % (what, path)) from None
    if len(data) > cap:
        stream = "" if os.path.isfile(path) else " (a device or an endless stream?)"
        if cap == limit:
            raise LoaderError("%s '%s' does not fit in RAM: it is larger than the %d bytes "
                              "of RAM it must fit in%s" % (what, path, limit, stream))
        raise LoaderError("%s '%s' is larger than the %d bytes an ELF file may have here "
                          "(its segments must fit in %d bytes of RAM)%s"
                          % (what, path, cap, limit, stream))
    return data


def read_head(path, n=64, what="image"):
    """The first n bytes of a file (to tell its format without reading it all)."""
    if os.path.isdir(path):
        raise LoaderError("%s '%s' is a directory" % (what, path))
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError as e:
        raise LoaderError("cannot read %s '%s': %s" % (what, path, e.strerror or e)) from None


def is_elf(data):
    return data[:4] == ELF_MAGIC


# ---- ELF --------------------------------------------------------------------

ELF32_HEADER_SIZE = 52


def _open_elf(path, data):
    if len(data) < ELF32_HEADER_SIZE:
        raise LoaderError("'%s' is a truncated ELF file (%d bytes, shorter than an ELF header)"
                          % (path, len(data)))
    try:
        elf = ELFFile(io.BytesIO(data))
    except (ELFError, ELFParseError, ValueError, EOFError) as e:
        raise LoaderError("'%s' is not a valid ELF file (corrupt header: %s)" % (path, e)) from None
    if elf.elfclass != 32:
        raise LoaderError("'%s' is a %d-bit ELF; a 32-bit ARM executable is needed"
                          % (path, elf.elfclass))
    machine = elf["e_machine"]
    if machine != "EM_ARM":
        raise LoaderError("'%s' is an ELF for %s, not ARM" % (path, machine))
    if not elf.little_endian:
        raise LoaderError("'%s' is a big-endian ELF; only little-endian images are supported"
                          % path)
    if elf["e_type"] != "ET_EXEC":
        raise LoaderError("'%s' is an ELF of type %s; an executable (ET_EXEC) is needed"
                          % (path, elf["e_type"]))
    return elf


def _elf_segments(path, elf, data):
    """[(paddr, file bytes, memsz)] of the PT_LOAD segments."""
    out = []
    try:
        for seg in elf.iter_segments():
            if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
                continue
            off, filesz, memsz = seg["p_offset"], seg["p_filesz"], seg["p_memsz"]
            if off + filesz > len(data):
                raise LoaderError("'%s' is truncated: a segment needs bytes up to offset 0x%x, "
                                  "the file has 0x%x" % (path, off + filesz, len(data)))
            if filesz > memsz:
                raise LoaderError("'%s' has a segment with filesz > memsz" % path)
            out.append((seg["p_paddr"], data[off:off + filesz], memsz))
    except (ELFError, ELFParseError, ValueError, EOFError) as e:
        raise LoaderError("'%s' is not a valid ELF file (%s)" % (path, e)) from None
    if not out:
        raise LoaderError("'%s' has no loadable segments" % path)
    return out


def _elf_symbols(elf):
    symbols = []
    try:
        symtab = elf.get_section_by_name(".symtab")
        if symtab is None:
            return SymbolTable()
        for sym in symtab.iter_symbols():
            name = sym.name
            kind = sym["st_info"]["type"]
            if not name or name.startswith("$") or kind not in ("STT_FUNC", "STT_OBJECT",
                                                                 "STT_NOTYPE"):
                continue
            if sym["st_shndx"] in ("SHN_UNDEF", "SHN_ABS"):
                continue
            addr = sym["st_value"]
            if kind == "STT_FUNC":
                addr &= ~1  # Thumb functions have bit 0 set
            symbols.append((addr, sym["st_size"], name))
    except (ELFError, ELFParseError, ValueError, EOFError):
        return SymbolTable()  # symbols are a convenience: a broken table is not fatal
    return SymbolTable(symbols)


def load_elf(path, write, ram_regions, entry_regions=None, data=None):
    """Load an ELF file.  write(addr, bytes) stores into guest memory;
    segments must lie inside ram_regions [(base, size)], the entry point
    inside entry_regions (default: ram_regions)."""
    if data is None:
        data = read_file(path)
    elf = _open_elf(path, data)
    segments = _elf_segments(path, elf, data)
    for addr, payload, memsz in segments:
        if not _inside(addr, memsz, ram_regions):
            raise LoaderError("'%s': segment at 0x%08x-0x%08x is outside RAM (%s)"
                              % (path, addr, addr + memsz - 1, _describe_regions(ram_regions)))
    entry = elf["e_entry"]
    if not _inside(entry & ~1, 4, entry_regions or ram_regions):
        raise LoaderError("'%s': entry point 0x%08x is outside RAM/ROM (%s)"
                          % (path, entry, _describe_regions(entry_regions or ram_regions)))
    for addr, payload, memsz in segments:
        write(addr, payload)
        if memsz > len(payload):
            write(addr + len(payload), bytes(memsz - len(payload)))
    return LoadedImage(path, "elf", entry, [(a, m) for a, _, m in segments], _elf_symbols(elf))


# ---- raw binaries -------------------------------------------------------------

def load_raw(path, write, addr, ram_regions, data=None):
    """Load a raw binary at addr; it is entered at addr."""
    if data is None:
        data = read_file(path)
    if not data:
        raise LoaderError("image '%s' is empty" % path)
    if not _inside(addr, len(data), ram_regions):
        raise LoaderError("image '%s' (%d bytes at 0x%08x) does not fit in RAM (%s)"
                          % (path, len(data), addr, _describe_regions(ram_regions)))
    write(addr, data)
    return LoadedImage(path, "raw", addr, [(addr, len(data))], SymbolTable())


def load_image(path, write, ram_regions, raw_addr):
    """ELF files by their magic number, anything else as a raw binary."""
    if os.path.isdir(path):
        raise LoaderError("image '%s' is a directory" % path)
    ram = sum(size for _, size in ram_regions)
    data = read_image(path, ram, ram + ELF_EXTRA_BYTES)
    if is_elf(data):
        return load_elf(path, write, ram_regions, data=data)
    return load_raw(path, write, raw_addr, ram_regions, data=data)
