"""QEMU's firmware configuration device, MMIO flavour (virt: 0x09020000,
0x18 bytes), as docs/specs/fw_cfg.rst describes it:

    0x00  data      1-8 bytes per read, in the item's byte order ("string
                    preserving": the first byte at the lowest address)
    0x08  selector  16 bits, big-endian; selecting rewinds the item
    0x10  DMA       64-bit big-endian address of a FWCfgDmaAccess; the write
                    of the low half (0x14) starts it; reads give "QEMU CFG"

Items are byte strings under 16-bit keys; the file directory (key 0x19) lists
named items from key 0x20 up, sorted by name as QEMU sorts them.  The board
adds what it has with add_bytes/add_i16/add_i32/add_file/add_kernel;
`FwCfg()` alone holds what every QEMU 7.2 virt machine has that we can
produce: the signature, the ID (traditional + DMA interfaces), CPU count,
UUID, nographic/boot-menu flags and the files bios-geometry, bootorder and
etc/boot-fail-wait.  (QEMU also lists ACPI, SMBIOS and TPM files: not
modelled, so our selectors after etc/boot-fail-wait differ from QEMU's.)

DMA reaches guest physical memory through `mem_read(addr, n)` and
`mem_write(addr, data)` (the Emulator's); a failed access sets the error bit.
"""

import struct

from runtime.devices.base import Device

SIZE = 0x18

# keys (docs/specs/fw_cfg.rst "Selector Register ... Keys")
FW_CFG_SIGNATURE = 0x00
FW_CFG_ID = 0x01
FW_CFG_UUID = 0x02
FW_CFG_RAM_SIZE = 0x03
FW_CFG_NOGRAPHIC = 0x04
FW_CFG_NB_CPUS = 0x05
FW_CFG_KERNEL_SIZE = 0x08
FW_CFG_INITRD_SIZE = 0x0B
FW_CFG_BOOT_MENU = 0x0E
FW_CFG_KERNEL_DATA = 0x11
FW_CFG_INITRD_DATA = 0x12
FW_CFG_CMDLINE_SIZE = 0x14
FW_CFG_CMDLINE_DATA = 0x15
FW_CFG_FILE_DIR = 0x19
FW_CFG_FILE_FIRST = 0x20
FW_CFG_WRITE_CHANNEL = 0x4000      # ignored: no item is writable
FILE_NAME_LEN = 56

ID_TRADITIONAL = 1 << 0
ID_DMA = 1 << 1

# FWCfgDmaAccess.control bits
DMA_ERROR, DMA_READ, DMA_SKIP, DMA_SELECT, DMA_WRITE = 0x01, 0x02, 0x04, 0x08, 0x10
DMA_SIGNATURE = b"QEMU CFG"
DMA_ZERO_CHUNK = 1 << 16

DATA, SELECTOR, DMA_HI, DMA_LO = 0x00, 0x08, 0x10, 0x14


class FwCfg(Device):
    NAME = "fw_cfg"
    SIZE = SIZE
    STATE = ("key", "offset", "dma_hi")

    def __init__(self, mem_read=None, mem_write=None, cpus=1, uuid=bytes(16)):
        self.mem_read = mem_read
        self.mem_write = mem_write
        self.items = {}
        self.files = {}                  # name -> data; keys from FW_CFG_FILE_FIRST
        self.add_bytes(FW_CFG_SIGNATURE, b"QEMU")
        self.add_i32(FW_CFG_ID, ID_TRADITIONAL | ID_DMA)
        self.add_bytes(FW_CFG_UUID, uuid)
        self.add_i16(FW_CFG_NOGRAPHIC, 0)
        self.add_i16(FW_CFG_BOOT_MENU, 0)
        self.add_i16(FW_CFG_NB_CPUS, cpus)
        self.add_file("bios-geometry", b"")
        self.add_file("bootorder", b"")
        self.add_file("etc/boot-fail-wait", struct.pack("<i", -1))   # -boot reboot-timeout
        super().__init__()

    def reset_state(self):
        self.key = FW_CFG_SIGNATURE
        self.offset = 0
        self.dma_hi = 0

    # ---- items (board side) ------------------------------------------------------
    def add_bytes(self, key, data):
        self.items[key] = bytes(data)

    def add_i16(self, key, value):
        self.add_bytes(key, struct.pack("<H", value))     # fw_cfg_add_i16: little-endian

    def add_i32(self, key, value):
        self.add_bytes(key, struct.pack("<I", value))

    def add_file(self, name, data):
        if len(name.encode()) >= FILE_NAME_LEN:
            raise ValueError("fw_cfg file name %r is longer than %d bytes"
                             % (name, FILE_NAME_LEN - 1))
        self.files[name] = bytes(data)
        self._rebuild_dir()

    def add_kernel(self, kernel=None, initrd=None, cmdline=None):
        """What QEMU's arm_load_kernel gives firmware (u-boot `qfw load`)
        when -bios and -kernel are both given (hw/arm/boot.c)."""
        if kernel is not None:
            self.add_i32(FW_CFG_KERNEL_SIZE, len(kernel))
            self.add_bytes(FW_CFG_KERNEL_DATA, kernel)
        if initrd is not None:
            self.add_i32(FW_CFG_INITRD_SIZE, len(initrd))
            self.add_bytes(FW_CFG_INITRD_DATA, initrd)
        if cmdline is not None:
            text = cmdline.encode() + b"\0"
            self.add_i32(FW_CFG_CMDLINE_SIZE, len(text))
            self.add_bytes(FW_CFG_CMDLINE_DATA, text)

    def _rebuild_dir(self):
        """FWCfgFiles: be32 count, then per file be32 size, be16 select,
        be16 reserved, char name[56] (sorted by name, as QEMU)."""
        for key in [k for k in self.items if k >= FW_CFG_FILE_FIRST]:
            del self.items[key]
        entries = [struct.pack(">I", len(self.files))]
        for i, name in enumerate(sorted(self.files)):
            key = FW_CFG_FILE_FIRST + i
            self.items[key] = self.files[name]
            entries.append(struct.pack(">IHH56s", len(self.files[name]), key, 0, name.encode()))
        self.items[FW_CFG_FILE_DIR] = b"".join(entries)

    # ---- the traditional interface ----------------------------------------------
    def _select(self, key):
        self.key = key & ~FW_CFG_WRITE_CHANNEL
        self.offset = 0

    def _take(self, n):
        """The next n bytes of the item (zeros past its end)."""
        data = self.items.get(self.key, b"")
        chunk = data[self.offset:self.offset + n]
        self.offset += len(chunk)
        return chunk + bytes(n - len(chunk))

    def read(self, offset, size):
        if offset < 8:
            return int.from_bytes(self._take(size), "little")     # string order
        if DMA_HI <= offset < SIZE:
            chunk = DMA_SIGNATURE[offset - DMA_HI:offset - DMA_HI + size]
            return int.from_bytes(chunk, "little")
        return 0

    def write(self, offset, size, value):
        if offset == SELECTOR and size == 2:
            self._select(int.from_bytes(value.to_bytes(2, "little"), "big"))
        elif offset == DMA_HI and size == 4:
            self.dma_hi = _be32(value)
        elif offset == DMA_LO and size == 4:
            addr = (self.dma_hi << 32) | _be32(value)
            self.dma_hi = 0
            self._dma(addr)
        # data writes are ignored (QEMU >= 2.4), other sizes too

    # ---- DMA ------------------------------------------------------------------------
    def _dma(self, addr):
        try:
            control, length, address = struct.unpack(">IIQ", self._guest_read(addr, 16))
        except (ValueError, TypeError):
            return                       # the descriptor itself is unreadable
        if control & DMA_SELECT:
            self._select(control >> 16)
        status = 0
        if control & DMA_READ:
            try:
                self._dma_read(address, length)
            except (ValueError, TypeError):
                status = DMA_ERROR
        elif control & DMA_SKIP:
            self.offset = min(self.offset + length, len(self.items.get(self.key, b"")))
        elif control & DMA_WRITE:
            status = DMA_ERROR           # no writable items
        try:
            self._guest_write(addr, struct.pack(">I", status))
        except (ValueError, TypeError):
            pass

    def _dma_read(self, address, length):
        """The item's next `length` bytes to guest memory, zeros past its
        end -- written in bounded chunks, whatever length the guest asks."""
        data = self.items.get(self.key, b"")
        chunk = data[self.offset:self.offset + length]
        self.offset += len(chunk)
        self._guest_write(address, chunk)
        done = len(chunk)
        while done < length:
            n = min(length - done, DMA_ZERO_CHUNK)
            self._guest_write(address + done, bytes(n))
            done += n

    def _guest_read(self, addr, n):
        if self.mem_read is None or addr + n > 1 << 32:
            raise ValueError("no guest memory")
        return self.mem_read(addr, n)

    def _guest_write(self, addr, data):
        if not data:
            return
        if self.mem_write is None or addr + len(data) > 1 << 32:
            raise ValueError("no guest memory")
        self.mem_write(addr, data)


def _be32(value):
    return int.from_bytes((value & 0xFFFFFFFF).to_bytes(4, "little"), "big")
