"""Split virtqueues (virtio 1.2 section 2.7), the device side.

The driver owns three areas in guest memory, all little-endian:

    descriptor table  num x {le64 addr, le32 len, le16 flags, le16 next}  (2.7.5)
    available ring    le16 flags, le16 idx, le16 ring[num], le16 used_event  (2.7.6)
    used ring         le16 flags, le16 idx, {le32 id, le32 len}[num], le16 avail_event (2.7.8)

The device walks chains from the available ring (`pop`), serves them, and
returns them through the used ring (`push`).  Everything a guest writes is
untrusted: a malformed chain, a ring or buffer outside RAM raises
`VirtqError`, which the transport turns into DEVICE_NEEDS_RESET (2.1.2)
instead of touching host state.

Guest memory is reached through a `dma` object with `read(paddr, n) ->
bytes` and `write(paddr, data)` (the board passes the Emulator's physical
accessors, which also invalidate translated code on writes).
"""

import struct
from collections import namedtuple

# descriptor flags (2.7.5)
VIRTQ_DESC_F_NEXT = 1
VIRTQ_DESC_F_WRITE = 2
VIRTQ_DESC_F_INDIRECT = 4
# available ring flags (2.7.6) / used ring flags (2.7.8)
VIRTQ_AVAIL_F_NO_INTERRUPT = 1
VIRTQ_USED_F_NO_NOTIFY = 1

DESC_SIZE = 16
MAX_CHAIN = 1024              # QEMU's VIRTQUEUE_MAX_SIZE: most buffers in one chain
USED_ELEM_SIZE = 8
ADDR_LIMIT = 1 << 32          # our guest physical address space is 32 bits

DMA = namedtuple("DMA", "read write")   # what the board passes: DMA(emu.mem_read, emu.mem_write)

# One buffer of a chain: guest address, length, device-writable?
Buffer = namedtuple("Buffer", "addr len writable")


class VirtqError(Exception):
    """The driver broke the virtqueue rules (or pointed outside RAM)."""


def dma_read(dma, addr, n):
    if addr < 0 or addr + n > ADDR_LIMIT:
        raise VirtqError("DMA read 0x%x+%d is outside the 32-bit address space" % (addr, n))
    try:
        return dma.read(addr, n)
    except (ValueError, OverflowError) as e:
        raise VirtqError("DMA read 0x%x+%d: %s" % (addr, n, e)) from None


def dma_write(dma, addr, data):
    if addr < 0 or addr + len(data) > ADDR_LIMIT:
        raise VirtqError("DMA write 0x%x+%d is outside the 32-bit address space"
                         % (addr, len(data)))
    try:
        dma.write(addr, data)
    except (ValueError, OverflowError) as e:
        raise VirtqError("DMA write 0x%x+%d: %s" % (addr, len(data), e)) from None


def vring_need_event(event_idx, new_idx, old_idx):
    """2.7.10: notify iff event_idx lies in [old_idx, new_idx) (mod 2^16)."""
    return (new_idx - event_idx - 1) & 0xFFFF < (new_idx - old_idx) & 0xFFFF


class Chain:
    """One descriptor chain popped from the available ring: its head index
    and its buffers, readable ones first (2.7.4.2).  `read_all()` gathers
    the device-readable bytes, `write(data)` scatters into the writable
    ones and counts what was written (the used length)."""

    def __init__(self, dma, head, buffers):
        self.dma = dma
        self.head = head
        self.readable = [b for b in buffers if not b.writable]
        self.writable = [b for b in buffers if b.writable]
        self.written = 0

    @property
    def in_size(self):
        """Total length of the device-writable buffers."""
        return sum(b.len for b in self.writable)

    @property
    def out_size(self):
        return sum(b.len for b in self.readable)

    def read_all(self):
        return b"".join(dma_read(self.dma, b.addr, b.len) for b in self.readable)

    def write(self, data, offset=None):
        """Write data into the writable buffers at byte `offset` of their
        concatenation (default: right after what was written so far)."""
        pos = self.written if offset is None else offset
        data = bytes(data)
        if pos + len(data) > self.in_size:
            raise VirtqError("device response of %d bytes at %d overflows %d writable bytes"
                             % (len(data), pos, self.in_size))
        done = 0
        start = 0
        for b in self.writable:
            if done == len(data):
                break
            if pos < start + b.len:
                skip = pos - start
                take = min(b.len - skip, len(data) - done)
                dma_write(self.dma, b.addr + skip, data[done:done + take])
                done += take
                pos += take
            start += b.len
        self.written = max(self.written, pos)


class VirtQueue:
    """One split virtqueue: the transport's per-queue registers (num, ready,
    ring addresses) and the device's position in the rings."""

    # state as data, for snapshots (the transport saves each queue's STATE)
    STATE = ("num", "ready", "desc", "driver", "device", "align", "last_avail_idx",
             "used_idx", "signalled_used", "signalled_used_valid")

    def __init__(self, num_max):
        self.num_max = num_max
        self.reset()

    def reset(self):
        self.num = 0                 # QueueNum: the driver writes it before QueueReady
        self.ready = 0
        self.desc = 0                # descriptor area (QueueDescLow/High)
        self.driver = 0              # available ring (QueueDriverLow/High)
        self.device = 0              # used ring (QueueDeviceLow/High)
        self.align = 0               # legacy transport only: QueueAlign
        self.last_avail_idx = 0      # next available-ring entry the device reads
        self.used_idx = 0            # next used-ring entry the device writes
        self.signalled_used = 0      # used_idx at the last interrupt (EVENT_IDX)
        self.signalled_used_valid = False

    def state(self):
        return {name: getattr(self, name) for name in self.STATE}

    def load_state(self, state):
        for name in self.STATE:
            setattr(self, name, state[name])

    # -- checks done when the driver enables the queue
    def check(self):
        """Raise VirtqError unless num and the ring addresses are valid (2.7:
        size a power of 2 at most QueueNumMax; alignment 16/2/4)."""
        if not 0 < self.num <= self.num_max or self.num & (self.num - 1):
            raise VirtqError("queue size %d is not a power of 2 in 1..%d"
                             % (self.num, self.num_max))
        for name, addr, align in (("descriptor table", self.desc, 16),
                                  ("available ring", self.driver, 2),
                                  ("used ring", self.device, 4)):
            if addr % align:
                raise VirtqError("%s at 0x%x is not %d-byte aligned" % (name, addr, align))

    # -- ring accessors
    def _u16(self, dma, addr):
        return struct.unpack("<H", dma_read(dma, addr, 2))[0]

    def avail_idx(self, dma):
        return self._u16(dma, self.driver + 2)

    def avail_flags(self, dma):
        return self._u16(dma, self.driver)

    def used_event(self, dma):
        return self._u16(dma, self.driver + 4 + 2 * self.num)

    def set_avail_event(self, dma, value):
        dma_write(dma, self.device + 4 + USED_ELEM_SIZE * self.num, struct.pack("<H", value))

    def pending(self, dma):
        """How many chains the driver has made available and we have not
        taken; more than num means the driver corrupted its index."""
        n = (self.avail_idx(dma) - self.last_avail_idx) & 0xFFFF
        if n > self.num:
            raise VirtqError("driver moved the available index %d entries ahead (queue size %d)"
                             % (n, self.num))
        return n

    def pop(self, dma, indirect_ok):
        """The next available chain, or None when the ring is empty."""
        if not self.pending(dma):
            return None
        slot = self.driver + 4 + 2 * (self.last_avail_idx % self.num)
        head = self._u16(dma, slot)
        if head >= self.num:
            raise VirtqError("available ring entry %d >= queue size %d" % (head, self.num))
        self.last_avail_idx = (self.last_avail_idx + 1) & 0xFFFF
        return Chain(dma, head, self._walk(dma, head, indirect_ok))

    def _walk(self, dma, head, indirect_ok):
        buffers = []
        table, size, index = self.desc, self.num, head
        indirect = False
        seen = 0                     # descriptors visited in the current table
        while True:
            seen += 1
            if seen > size:
                raise VirtqError("descriptor chain from head %d loops" % head)
            addr, length, flags, nxt = struct.unpack(
                "<QIHH", dma_read(dma, table + DESC_SIZE * index, DESC_SIZE))
            if flags & VIRTQ_DESC_F_INDIRECT:
                if not indirect_ok:
                    raise VirtqError("indirect descriptor without VIRTIO_F_INDIRECT_DESC")
                if indirect:
                    raise VirtqError("indirect descriptor inside an indirect table (2.7.5.3.1)")
                if length == 0 or length % DESC_SIZE:
                    raise VirtqError("indirect table length %d is not a multiple of 16" % length)
                # the indirect table replaces the rest of the chain (2.7.5.3)
                table, size, index, indirect, seen = addr, length // DESC_SIZE, 0, True, 0
                continue
            writable = bool(flags & VIRTQ_DESC_F_WRITE)
            if buffers and buffers[-1].writable and not writable:
                raise VirtqError("device-readable descriptor after a writable one (2.7.4.2)")
            if len(buffers) == MAX_CHAIN:
                raise VirtqError("chain from head %d has more than %d buffers" % (head, MAX_CHAIN))
            buffers.append(Buffer(addr, length, writable))
            if not flags & VIRTQ_DESC_F_NEXT:
                return buffers
            if nxt >= size:
                raise VirtqError("descriptor next %d >= table size %d" % (nxt, size))
            index = nxt

    def push(self, dma, chain):
        """Return a served chain through the used ring."""
        elem = self.device + 4 + USED_ELEM_SIZE * (self.used_idx % self.num)
        dma_write(dma, elem, struct.pack("<II", chain.head, chain.written))
        self.used_idx = (self.used_idx + 1) & 0xFFFF
        dma_write(dma, self.device + 2, struct.pack("<H", self.used_idx))

    def should_interrupt(self, dma, event_idx):
        """After pushing: does the driver want a used-buffer notification?
        (2.7.7: VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with EVENT_IDX)."""
        if not event_idx:
            return not self.avail_flags(dma) & VIRTQ_AVAIL_F_NO_INTERRUPT
        valid, old = self.signalled_used_valid, self.signalled_used
        self.signalled_used_valid, self.signalled_used = True, self.used_idx
        return not valid or vring_need_event(self.used_event(dma), self.used_idx, old)
