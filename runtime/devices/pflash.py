"""CFI parallel flash, Intel/Sharp command set (the `virt` board's two
64 MiB banks at 0x00000000 and 0x04000000).

Geometry as QEMU 7.2's virt_flash_create1 (hw/arm/virt.c): 256 KiB
sectors, a 32-bit bank (width 4) of two 16-bit chips (device-width 2)
side by side, little-endian, Intel ID 0x89/0x18.  The command state
machine follows QEMU's hw/block/pflash_cfi01.c, which guests (u-boot's
cfi_flash, Linux's cfi_cmdset_0001) are run against; where QEMU departs
from the Intel/CFI specification without a guest depending on it, the
specification wins and the comment says so.

Commands (first cycle; "status" = reads return the status register):

    0xFF, 0xF0, 0x00   read array (0x00 is QEMU's own reset value)
    0x70               read status          0x50  clear status
    0x90               read identifier      0x98  CFI query (until 0xFF)
    0x20 .. 0xD0       block erase          0x10 / 0x40 .. data: program word
    0xE8 .. n .. n+1 words .. 0xD0          buffered program
    0x60 .. 0xD0 / 0x01                     block unlock / lock (not enforced,
                                            as QEMU: blocks read as unlocked)

Reads in read-array mode see the storage as ROM.  So that code can run from
flash (u-boot starts at 0), the board maps the storage as host memory and
the device's MMIO only while in a command mode: `romd` is true in
read-array mode and `on_romd(flag)` is called when it changes (QEMU's
memory_region_rom_device_set_romd).  `map_pflash` does the mapping.
"""

import mmap

from runtime.devices.base import Device

BANK_SIZE = 64 << 20
SECTOR_SIZE = 256 << 10
BANK_WIDTH = 4
DEVICE_WIDTH = 2
IDENT = (0x89, 0x18, 0x00, 0x00)     # Intel, as virt sets id0..id3

# status register bits (Intel 3 Volt StrataFlash datasheet, table "Status
# Register Definitions")
SR_READY = 0x80          # WSMS: write state machine ready
SR_ERASE_ERR = 0x20
SR_PROGRAM_ERR = 0x10

CMD_READ_ARRAY = 0x00    # QEMU's name for "read array" after reset
STATUS_CMDS = (0x10, 0x20, 0x28, 0x40, 0x50, 0x60, 0x70, 0xE8)


def cfi_table(bank_size=BANK_SIZE, sector_size=SECTOR_SIZE, bank_width=BANK_WIDTH,
              device_width=DEVICE_WIDTH):
    """The CFI query table of one chip (JESD68-01: 0x10 "QRY", 0x13 command
    set, 0x1B.. system interface, 0x27.. geometry; 0x31 "PRI" Intel
    extended table), byte per query address, for chips that each hold
    their share of every sector (QEMU 7.2: old-multiple-chip-handling off)."""
    chips = bank_width // device_width
    blocks = bank_size // sector_size
    chip_sector = sector_size // chips
    t = bytearray(0x52)
    t[0x10:0x13] = b"QRY"
    t[0x13] = 0x01                      # primary command set: Intel/Sharp extended
    t[0x15] = 0x31                      # primary extended table at 0x31
    t[0x1B] = 0x45                      # Vcc min 4.5 V
    t[0x1C] = 0x55                      # Vcc max 5.5 V
    t[0x1F] = 0x07                      # typical word program 2^7 us
    t[0x20] = 0x07                      # typical buffer write 2^7 us
    t[0x21] = 0x0A                      # typical block erase 2^10 ms
    t[0x23] = 0x04                      # max word program 2^4 x typical
    t[0x24] = 0x04                      # max buffer write
    t[0x25] = 0x04                      # max block erase
    t[0x27] = (chip_sector * blocks).bit_length() - 1     # chip size 2^n bytes
    t[0x28] = 0x02                      # interface: x8/x16
    t[0x2A] = 0x0B if bank_width > 1 else 0x08            # write buffer 2^n bytes
    t[0x2C] = 0x01                      # one erase block region
    t[0x2D] = (blocks - 1) & 0xFF       # blocks - 1
    t[0x2E] = (blocks - 1) >> 8
    t[0x2F] = (chip_sector >> 8) & 0xFF  # block size / 256
    t[0x30] = chip_sector >> 16
    t[0x31:0x36] = b"PRI10"             # Intel primary extended query, version 1.0
    t[0x3F] = 0x01                      # protection register fields
    return bytes(t)


class FlashError(Exception):
    """A backing file that does not fit the bank (message says why)."""


class PFlash(Device):
    """One bank.  `storage`: a writable buffer of `size` bytes (zeroed by
    default, as QEMU's flash without a drive) -- map_pflash passes the
    host memory it maps.  `backing`: a file object written through on
    every program/erase (None: changes stay in memory).  `readonly`:
    program/erase fail with the status error bits, as QEMU's read-only
    drives."""

    NAME = "pflash"
    STATE = ("cmd", "wcycle", "status", "counter", "erase_offset", "buffer")

    def __init__(self, size=BANK_SIZE, sector_size=SECTOR_SIZE, storage=None,
                 backing=None, readonly=False, name="pflash"):
        self.SIZE = size
        self.sector_size = sector_size
        # anonymous memory: zero pages cost nothing until written
        self.storage = storage if storage is not None else mmap.mmap(-1, size)
        self.backing = backing
        self.readonly = readonly
        self.name = name
        self.cfi = cfi_table(size, sector_size)
        self.writeblock = (1 << self.cfi[0x2A]) * (BANK_WIDTH // DEVICE_WIDTH)
        self.on_romd = None
        self.store_hook = None           # fn(offset, bytes): the board's store
        self.romd = True
        super().__init__()

    def reset_state(self):
        self.status = SR_READY           # QEMU: WSM ready at reset
        self.counter = 0
        self.erase_offset = 0
        self.buffer = {}
        self._read_array()

    # ---- modes ----------------------------------------------------------------
    def _read_array(self):
        self.cmd = CMD_READ_ARRAY
        self.wcycle = 0
        self._set_romd(True)

    def _set_romd(self, flag):
        if flag != self.romd:
            self.romd = flag
            if self.on_romd is not None:
                self.on_romd(flag)

    # ---- storage --------------------------------------------------------------
    def _store(self, offset, data):
        if self.store_hook is not None:
            self.store_hook(offset, data)   # the board's write: invalidates code
        else:
            self.storage[offset:offset + len(data)] = data
        if self.backing is not None:
            self.backing.seek(offset)
            self.backing.write(data)

    def flush(self):
        if self.backing is not None:
            self.backing.flush()

    def close(self):
        if self.backing is not None:
            self.backing.close()
            self.backing = None

    # ---- reads ----------------------------------------------------------------
    def read(self, offset, size):
        cmd = self.cmd
        if cmd == CMD_READ_ARRAY:
            return int.from_bytes(self.storage[offset:offset + size], "little")
        if cmd in STATUS_CMDS:
            value = self.status
        elif cmd == 0x90:
            value = self._ident(offset)
        elif cmd == 0x98:
            value = self._query(offset)
        else:
            value = 0
        return _replicate(value) & ((1 << (8 * size)) - 1)

    def _chip_address(self, offset):
        # both chips see bank address / bank width (QEMU: offset >> (ctz(bank
        # width) + ctz(max device width) - ctz(device width)))
        return offset >> 2

    def _query(self, offset):
        boff = self._chip_address(offset)
        return self.cfi[boff] if boff < len(self.cfi) else 0

    def _ident(self, offset):
        boff = self._chip_address(offset) & 0xFF
        if boff < 2:
            return IDENT[boff]               # manufacturer, device
        return 0                             # 2: block lock status: unlocked

    # ---- writes ---------------------------------------------------------------
    def write(self, offset, size, value):
        value &= (1 << (8 * size)) - 1
        if self.wcycle == 0:
            self._set_romd(False)
            self._first_cycle(offset, size, value)
        elif self.wcycle == 1:
            self._second_cycle(offset, size, value)
        elif self.wcycle == 2:
            self._buffer_data(offset, size, value)
        else:
            self._buffer_confirm(value)

    def _first_cycle(self, offset, size, value):
        cmd = value & 0xFF
        if cmd in (0x00, 0xF0, 0xFF):
            self._read_array()
        elif cmd in (0x10, 0x40, 0x60, 0x98):
            self.cmd, self.wcycle = cmd, 1
        elif cmd in (0x20, 0x28):
            self.cmd, self.wcycle = cmd, 1
            self.erase_offset = offset & ~(self.sector_size - 1)
        elif cmd == 0x50:
            # Intel: clears the error bits; the ready bit shows the WSM and
            # stays set (QEMU zeroes the whole register)
            self.status &= SR_READY
            self._read_array()
        elif cmd in (0x70, 0x90):
            self.cmd = cmd
        elif cmd == 0xE8:
            self.cmd, self.wcycle = cmd, 1
            self.status |= SR_READY          # XSR: a write buffer is free
            self.buffer = {}
        else:
            self._read_array()               # unknown command: back to array mode

    def _second_cycle(self, offset, size, value):
        cmd = self.cmd
        if cmd in (0x10, 0x40):
            self._program(offset, value.to_bytes(size, "little"))
            self.wcycle = 0
        elif cmd in (0x20, 0x28):
            if value & 0xFF == 0xD0:       # Intel: the erase starts on confirm
                self._erase(self.erase_offset)   # (QEMU 7.2 erases at the 0x20)
                self.wcycle = 0
            else:
                self._read_array()           # cancelled (Intel: "invalid sequence")
        elif cmd == 0xE8:
            count = value & 0xFFFF           # words - 1, per chip (device width)
            if (count + 1) * BANK_WIDTH > self.writeblock:
                # Intel: a count beyond the buffer is an improper command
                # sequence -- SR.4 and SR.5 set, nothing programmed
                self.status |= SR_PROGRAM_ERR | SR_ERASE_ERR
                self._read_array()
                return
            self.counter = count
            self.wcycle = 2
        elif cmd == 0x60:
            if value & 0xFF in (0xD0, 0x01):
                self.status |= SR_READY
                self.wcycle = 0
            else:
                self._read_array()
        elif cmd == 0x98:
            if value & 0xFF == 0xFF:
                self._read_array()           # other writes stay in query mode (QEMU)
        else:
            self._read_array()

    def _buffer_data(self, offset, size, value):
        for i in range(size):
            self.buffer[offset + i] = (value >> (8 * i)) & 0xFF
        if self.counter == 0:
            self.wcycle = 3
        else:
            self.counter -= 1

    def _buffer_confirm(self, value):
        if value & 0xFF != 0xD0:
            self.buffer = {}
            self._read_array()               # aborted: nothing programmed
            return
        if self.buffer:
            start, end = min(self.buffer), max(self.buffer) + 1
            data = bytearray(self.storage[start:end])
            for off, byte in self.buffer.items():
                data[off - start] = byte
            self._program(start, bytes(data))
        self.buffer = {}
        self.status |= SR_READY
        self.wcycle = 0

    def _program(self, offset, data):
        if self.readonly:
            self.status |= SR_PROGRAM_ERR
        else:
            # QEMU stores the data as given (real cells can only go 1 -> 0)
            self._store(offset, data)
        self.status |= SR_READY

    def _erase(self, offset):
        if self.readonly:
            self.status |= SR_ERASE_ERR
        else:
            self._store(offset, b"\xff" * self.sector_size)
        self.status |= SR_READY


def _replicate(value):
    """The same 16-bit answer from both chips of the bank."""
    return (value & 0xFFFF) | (value & 0xFFFF) << 16


# ---- backing files and mapping ------------------------------------------------

def load_bios(flash, path):
    """-bios FILE: the file's bytes at the start of the bank; the rest stays
    zero, as QEMU's load_image_mr (an image larger than the bank is an
    error)."""
    data = _read_file(path, "-bios")
    if len(data) > flash.SIZE:
        raise FlashError("-bios '%s' is %d bytes: larger than the %d MiB flash bank"
                         % (path, len(data), flash.SIZE >> 20))
    flash.storage[:len(data)] = data


def open_drive(flash, path, readonly=False):
    """-drive if=pflash,format=raw,file=PATH[,readonly=on]: the bank's
    contents from the file, written back on program/erase unless readonly.
    QEMU requires the file to be exactly the bank's size (truncate -s 64M)."""
    data = _read_file(path, "pflash drive")
    if len(data) != flash.SIZE:
        raise FlashError("pflash drive '%s' is %d bytes; the flash bank needs exactly %d "
                         "(%d MiB: truncate -s %dM '%s')"
                         % (path, len(data), flash.SIZE, flash.SIZE >> 20,
                            flash.SIZE >> 20, path))
    flash.storage[:] = data
    flash.readonly = readonly
    if not readonly:
        try:
            flash.backing = open(path, "r+b")
        except OSError as e:
            raise FlashError("cannot open pflash drive '%s' for writing: %s"
                             % (path, e.strerror)) from None


def _read_file(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise FlashError("cannot read %s '%s': %s" % (what, path, e.strerror)) from None


def map_pflash(emu, base, flash, rom=None):
    """Map a bank at `base`.  With a core that has ROM-device regions
    (cpu.map_romd(base, size, device) -> host buffer, reads from the buffer
    while cpu.set_romd(base, True), writes always to the device) the bank
    runs code and takes commands.  Without it: rom=True maps it as
    read-only host memory (code runs; command writes are dropped),
    rom=False as MMIO (commands work; code cannot run from it).
    Default: ROM when the bank holds code (an image and no writable file:
    -bios, or a readonly drive), else MMIO (a writable variables bank)."""
    cpu = emu.cpu
    if hasattr(cpu, "map_romd"):
        buf = cpu.map_romd(base, flash.SIZE, flash)
        _adopt(emu, base, flash, buf)
        flash.on_romd = lambda flag: cpu.set_romd(base, flag)
        return
    if rom is None:
        head = flash.storage[:4096]
        rom = flash.backing is None and head.count(0) != len(head)
    if rom:
        buf = emu.map_ram(base, flash.SIZE, readonly=True)
        _adopt(emu, base, flash, buf)
    else:
        emu.map_mmio(base, flash.SIZE, device=flash)


_CHUNK = 1 << 20


def _adopt(emu, base, flash, buf):
    """Move the bank's contents into the mapped host buffer and store
    through the bus from now on (so translated code is invalidated)."""
    data = flash.storage
    for off in range(0, len(data), _CHUNK):    # copy only what is not zero
        chunk = data[off:off + _CHUNK]
        if chunk.count(0) != len(chunk):
            buf[off:off + len(chunk)] = chunk
    flash.storage = buf
    flash.store_hook = lambda offset, chunk: emu.mem_write(base + offset, chunk)


def parse_drive(spec):
    """A -drive argument for a flash bank: 'if=pflash,format=raw,file=F
    [,unit=N][,readonly=on]' -> (unit or None, path, readonly); None when
    the drive is not if=pflash.  ',,' is a literal comma (QEMU's option
    syntax).  Raises FlashError for what we cannot serve."""
    opts = {}
    for item in spec.replace(",,", "\0").split(","):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise FlashError("-drive %s: '%s' is not key=value" % (spec, item.replace("\0", ",")))
        opts[key] = value.replace("\0", ",")
    if opts.get("if") != "pflash":
        return None
    unknown = set(opts) - {"if", "format", "file", "unit", "index", "readonly"}
    if unknown:
        raise FlashError("-drive %s: unsupported option '%s'" % (spec, sorted(unknown)[0]))
    if opts.get("format", "raw") != "raw":
        raise FlashError("-drive %s: only format=raw flash images are supported" % spec)
    if not opts.get("file"):
        raise FlashError("-drive %s: no file=" % spec)
    unit = opts.get("unit", opts.get("index"))
    if unit is not None:
        if unit not in ("0", "1"):
            raise FlashError("-drive %s: virt has flash units 0 and 1" % spec)
        unit = int(unit)
    readonly = opts.get("readonly", "off")
    if readonly not in ("on", "off", "true", "false", "yes", "no"):
        raise FlashError("-drive %s: readonly=%s (use on or off)" % (spec, readonly))
    return unit, opts["file"], readonly in ("on", "true", "yes")
