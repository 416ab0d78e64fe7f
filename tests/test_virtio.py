"""virtio-mmio transport, split virtqueues, virtio-blk, virtio-rng and the
disk image backend, driven by a small Python 'driver' over a fake guest RAM.

Expected values come from the Virtual I/O Device (VIRTIO) Version 1.2 spec
(section numbers next to the assertions) and, for what the spec leaves to
the device, from QEMU 7.2 (hw/virtio/virtio-mmio.c, hw/block/virtio-blk.c,
hw/arm/virt.c) as cited.
"""

import os
import struct

import pytest

from runtime import blockdev
from runtime.blockdev import BlockDevice, BlockdevError, parse_drive, split_options
from runtime.devices import virtio_mmio
from runtime.devices import virtio_setup as vm
from runtime.devices.virtio_blk import VirtioBlk
from runtime.devices.virtio_rng import VirtioRng, deterministic_source
from runtime.devices.virtqueue import (DMA, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_DESC_F_INDIRECT,
                                       VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, vring_need_event)

RAM_BASE = 0x40000000
RAM_SIZE = 0x40000


class FakeRAM:
    """Guest RAM for DMA: outside it, ValueError like CPU.phys_read."""

    def __init__(self):
        self.buf = bytearray(RAM_SIZE)

    def _off(self, addr, n):
        if not (RAM_BASE <= addr and addr + n <= RAM_BASE + RAM_SIZE):
            raise ValueError("0x%08x+%d is not inside RAM" % (addr, n))
        return addr - RAM_BASE

    def read(self, addr, n):
        o = self._off(addr, n)
        return bytes(self.buf[o:o + n])

    def write(self, addr, data):
        o = self._off(addr, len(data))
        self.buf[o:o + len(data)] = data

    def dma(self):
        return DMA(self.read, self.write)


# where the test driver puts its rings and buffers
DESC, AVAIL, USED = RAM_BASE + 0x1000, RAM_BASE + 0x2000, RAM_BASE + 0x3000
INDIRECT = RAM_BASE + 0x4000
BUF = RAM_BASE + 0x8000
QSIZE = 8

# register offsets (4.2.2)
MAGIC, VERSION, DEVICE_ID, VENDOR_ID = 0x000, 0x004, 0x008, 0x00C
DEVICE_FEATURES, DEVICE_FEATURES_SEL = 0x010, 0x014
DRIVER_FEATURES, DRIVER_FEATURES_SEL = 0x020, 0x024
QUEUE_SEL, QUEUE_NUM_MAX, QUEUE_NUM, QUEUE_READY, QUEUE_NOTIFY = 0x030, 0x034, 0x038, 0x044, 0x050
INTERRUPT_STATUS, INTERRUPT_ACK, STATUS = 0x060, 0x064, 0x070
QUEUE_DESC_LOW, QUEUE_DESC_HIGH = 0x080, 0x084
QUEUE_DRIVER_LOW, QUEUE_DEVICE_LOW = 0x090, 0x0A0
CONFIG_GENERATION, CONFIG = 0x0FC, 0x100
# status bits (2.1)
ACK, DRIVER, DRIVER_OK, FEATURES_OK, NEEDS_RESET = 1, 2, 4, 8, 0x40


class Driver:
    """Just enough of a virtio driver (3.1.1 initialization, 2.7.13 posting)."""

    def __init__(self, transport, ram):
        self.t, self.ram = transport, ram
        self.avail_idx = 0
        self.used_seen = 0

    def r(self, off):
        return self.t.read(off, 4)

    def w(self, off, value):
        self.t.write(off, 4, value)

    def device_features(self):
        self.w(DEVICE_FEATURES_SEL, 0)
        lo = self.r(DEVICE_FEATURES)
        self.w(DEVICE_FEATURES_SEL, 1)
        return lo | self.r(DEVICE_FEATURES) << 32

    def negotiate(self, features=None):
        self.w(STATUS, 0)
        self.w(STATUS, ACK)
        self.w(STATUS, ACK | DRIVER)
        feats = self.device_features() if features is None else features
        for sel in (0, 1):
            self.w(DRIVER_FEATURES_SEL, sel)
            self.w(DRIVER_FEATURES, feats >> (32 * sel) & 0xFFFFFFFF)
        self.w(STATUS, ACK | DRIVER | FEATURES_OK)
        return self.r(STATUS) & FEATURES_OK

    def setup_queue(self, index=0, num=QSIZE):
        self.w(QUEUE_SEL, index)
        self.w(QUEUE_NUM, num)
        self.w(QUEUE_DESC_LOW, DESC)
        self.w(QUEUE_DRIVER_LOW, AVAIL)
        self.w(QUEUE_DEVICE_LOW, USED)
        self.w(QUEUE_READY, 1)

    def start(self, features=None, num=QSIZE):
        assert self.negotiate(features)
        self.setup_queue(num=num)
        self.w(STATUS, ACK | DRIVER | FEATURES_OK | DRIVER_OK)

    def put_desc(self, i, addr, length, flags, nxt=0, table=DESC):
        self.ram.write(table + 16 * i, struct.pack("<QIHH", addr, length, flags, nxt))

    def chain(self, bufs, head=0, table=DESC):
        """bufs: [(addr, len, writable)] as one chain in table from `head`."""
        for k, (addr, length, wr) in enumerate(bufs):
            last = k == len(bufs) - 1
            flags = (VIRTQ_DESC_F_WRITE if wr else 0) | (0 if last else VIRTQ_DESC_F_NEXT)
            self.put_desc(head + k, addr, length, flags, head + k + 1, table)
        return head

    def post(self, head, notify=True, queue=0):
        self.ram.write(AVAIL + 4 + 2 * (self.avail_idx % QSIZE), struct.pack("<H", head))
        self.avail_idx = (self.avail_idx + 1) & 0xFFFF
        self.ram.write(AVAIL + 2, struct.pack("<H", self.avail_idx))
        if notify:
            self.w(QUEUE_NOTIFY, queue)

    def used_idx(self):
        return struct.unpack("<H", self.ram.read(USED + 2, 2))[0]

    def used_elem(self, n):
        return struct.unpack("<II", self.ram.read(USED + 4 + 8 * (n % QSIZE), 8))


class Sink:
    def __init__(self):
        self.levels = []

    def __call__(self, level):
        self.levels.append(level)


@pytest.fixture
def ram():
    return FakeRAM()


@pytest.fixture
def log():
    return []


def make_disk(tmp_path, nsectors=16, name="disk.img"):
    path = tmp_path / name
    path.write_bytes(b"".join(bytes([s]) * 512 for s in range(nsectors)))
    return path


def blk_transport(ram, log, disk, **kw):
    t = virtio_mmio.VirtioMMIO(ram.dma(), base=0x0A003E00, log=log.append)
    t.plug(VirtioBlk(disk, **kw))
    sink = Sink()
    t.irq_line.connect(sink)
    return t, sink


def blk_request(drv, kind, sector, data=b"", read_len=0, head=0):
    """Header / data / status as three descriptors (2.7.4, 5.2.6)."""
    drv.ram.write(BUF, struct.pack("<IIQ", kind, 0, sector))
    bufs = [(BUF, 16, False)]
    if data:
        drv.ram.write(BUF + 0x100, data)
        bufs.append((BUF + 0x100, len(data), False))
    if read_len:
        bufs.append((BUF + 0x1000, read_len, True))
    bufs.append((BUF + 0x3000, 1, True))
    drv.ram.write(BUF + 0x3000, b"\xff")
    drv.post(drv.chain(bufs, head))
    return drv.ram.read(BUF + 0x3000, 1)[0]


# ---- transport registers ------------------------------------------------------

def test_empty_transport_reads_like_qemu(ram):
    t = virtio_mmio.VirtioMMIO(ram.dma())
    assert t.read(MAGIC, 4) == 0x74726976          # 4.2.2: "virt"
    assert t.read(VERSION, 4) == 2                  # 4.2.2: 2 = non-legacy
    assert t.read(DEVICE_ID, 4) == 0                # 4.2.2: 0 = no device (5)
    assert t.read(VENDOR_ID, 4) == 0x554D4551       # QEMU's VIRT_VENDOR "QEMU"
    for off in (DEVICE_FEATURES, QUEUE_NUM_MAX, QUEUE_READY, STATUS, INTERRUPT_STATUS, CONFIG):
        assert t.read(off, 4) == 0
    t.write(STATUS, 4, ACK)                         # no device: writes ignored
    assert t.read(STATUS, 4) == 0


def legacy_blk(ram, log, disk):
    t = virtio_mmio.VirtioMMIOLegacy(ram.dma(), base=0x0A003E00, log=log.append)
    t.plug(VirtioBlk(disk))
    t.irq_line.connect(Sink())
    return t


def test_legacy_register_map(ram, log, tmp_path):
    t = legacy_blk(ram, log, BlockDevice(make_disk(tmp_path)))
    assert t.read(MAGIC, 4) == 0x74726976
    assert t.read(VERSION, 4) == 1                  # 4.2.4: legacy devices report 1
    assert t.read(DEVICE_ID, 4) == 2
    t.write(DEVICE_FEATURES_SEL, 4, 0)
    low = t.read(DEVICE_FEATURES, 4)
    assert low & (1 << 9) and low & (1 << 28)       # FLUSH, INDIRECT_DESC
    t.write(DEVICE_FEATURES_SEL, 4, 1)
    assert t.read(DEVICE_FEATURES, 4) == 0          # 32 bits only: no VIRTIO_F_VERSION_1
    assert t.read(QUEUE_READY, 4) == 0              # not a legacy register
    assert t.read(0x040, 4) == 0                    # QueuePFN of an unused queue
    assert virtio_mmio.VirtioMMIOLegacy(ram.dma()).read(VERSION, 4) == 1   # empty legacy transport


def test_legacy_queue_at_pfn(ram, log, tmp_path):
    """4.2.4 / 2.7 legacy layout: descriptors at QueuePFN * GuestPageSize,
    the available ring right after them, the used ring at the next
    QueueAlign boundary; features take effect when written (no FEATURES_OK)."""
    t = legacy_blk(ram, log, BlockDevice(make_disk(tmp_path)))
    w = lambda off, v: t.write(off, 4, v)
    w(STATUS, ACK | DRIVER)
    w(DRIVER_FEATURES_SEL, 0)
    w(DRIVER_FEATURES, 1 << 9)
    assert t.features == 1 << 9
    w(0x028, 4096)                                  # GuestPageSize
    w(QUEUE_SEL, 0)
    w(QUEUE_NUM, QSIZE)
    w(0x03C, 4096)                                  # QueueAlign
    w(0x040, DESC // 4096)                          # QueuePFN
    assert t.read(0x040, 4) == DESC // 4096
    q = t.queues[0]
    assert (q.desc, q.driver, q.device) == (DESC, DESC + 16 * QSIZE, DESC + 4096)
    drv = Driver(t, ram)                            # no DRIVER_OK yet: legacy serves anyway (3.1.2)
    # the test driver's AVAIL/USED constants are the modern placement: put
    # this request where the legacy layout says the rings are
    ram.write(BUF, struct.pack("<IIQ", 0, 0, 6))
    drv.chain([(BUF, 16, False), (BUF + 0x1000, 512, True), (BUF + 0x3000, 1, True)])
    ram.write(q.driver + 4, struct.pack("<H", 0))
    ram.write(q.driver + 2, struct.pack("<H", 1))
    w(QUEUE_NOTIFY, 0)
    assert ram.read(BUF + 0x1000, 512) == b"\x06" * 512
    assert struct.unpack("<HH", ram.read(q.device, 4))[1] == 1     # used idx
    assert t.read(INTERRUPT_STATUS, 4) == 1
    w(STATUS, ACK | DRIVER | DRIVER_OK)
    w(0x040, 0)                                     # QEMU: QueuePFN 0 resets the device
    assert t.read(STATUS, 4) == 0 and t.queues[0].ready == 0


def test_legacy_error_goes_quiet_like_qemu(ram, log, tmp_path):
    """QEMU virtio_error(): DEVICE_NEEDS_RESET and the config interrupt only
    for VERSION_1 devices; a legacy one is just marked broken."""
    t = legacy_blk(ram, log, BlockDevice(make_disk(tmp_path)))
    w = lambda off, v: t.write(off, 4, v)
    w(STATUS, ACK | DRIVER | DRIVER_OK)
    w(QUEUE_NUM, QSIZE)
    w(0x040, DESC // 4096)
    q = t.queues[0]
    ram.write(DESC, struct.pack("<QIHH", 0x10000000, 16, 0, 0))    # outside RAM
    ram.write(q.driver + 2, struct.pack("<H", 1))
    w(QUEUE_NOTIFY, 0)
    assert len(log) == 1 and t.broken
    assert t.read(STATUS, 4) == ACK | DRIVER | DRIVER_OK and t.read(INTERRUPT_STATUS, 4) == 0
    w(STATUS, 0)
    assert not t.broken


def test_parse_virtio_global():
    assert virtio_mmio.parse_virtio_global("virtio-mmio.force-legacy=false") is False
    assert virtio_mmio.parse_virtio_global("virtio-mmio.force-legacy=on") is True
    assert virtio_mmio.parse_virtio_global("cfi.pflash01.secure=on") is None
    with pytest.raises(ValueError, match="force-legacy"):
        virtio_mmio.parse_virtio_global("virtio-mmio.ioeventfd=off")


def test_transport_layout_matches_virt():
    # hw/arm/virt.c: VIRT_MMIO 0x0a000000, 0x200 each, a15irqmap[VIRT_MMIO] = 16
    layout = vm.transport_layout()
    assert len(layout) == 32
    assert layout[0] == (0, 0x0A000000, 0x200, 16)
    assert layout[31] == (31, 0x0A003E00, 0x200, 47)


def test_first_device_takes_the_last_transport(ram, tmp_path):
    # hw/arm/virt.c create_virtio_devices: -device options in command-line
    # order map to transports with decreasing base addresses
    ts = vm.create_transports(ram.dma())
    rng1, rng2 = VirtioRng(), VirtioRng()
    used = vm.plug_devices(ts, [rng1, rng2])
    assert [t.base for t in used] == [0x0A003E00, 0x0A003C00]
    assert ts[31].backend is rng1 and ts[30].backend is rng2
    assert ts[31].read(DEVICE_ID, 4) == 4 and ts[0].read(DEVICE_ID, 4) == 0


def test_map_transports_connects_spis(ram):
    class Emu:
        def __init__(self):
            self.maps = []

        def map_mmio(self, base, size, device):
            self.maps.append((base, size, device))

    emu, got = Emu(), {}
    ts = vm.create_transports(ram.dma())
    vm.map_transports(emu, ts, lambda spi: got.setdefault(spi, Sink()))
    assert emu.maps[5] == (0x0A000A00, 0x200, ts[5])
    assert sorted(got) == list(range(16, 48))


def test_register_access_must_be_32_bit(ram, log, tmp_path):
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    assert t.read(MAGIC, 2) == 0                    # 4.2.2: 32-bit registers only; QEMU reads 0
    assert t.read(MAGIC + 1, 4) == 0
    t.write(STATUS, 1, ACK)
    assert t.read(STATUS, 4) == 0


def test_blk_ids_features_and_config(ram, log, tmp_path):
    disk = BlockDevice(make_disk(tmp_path, nsectors=16))
    t, _ = blk_transport(ram, log, disk)
    drv = Driver(t, ram)
    assert t.read(DEVICE_ID, 4) == 2                # 5.2.1: block device
    f = drv.device_features()
    assert f >> 32 & 1                              # VIRTIO_F_VERSION_1 (6)
    assert f >> 28 & 1 and f >> 29 & 1              # INDIRECT_DESC, EVENT_IDX (6)
    assert f >> 2 & 1 and f >> 6 & 1 and f >> 9 & 1  # SEG_MAX, BLK_SIZE, FLUSH (5.2.3)
    assert not f >> 5 & 1                           # not VIRTIO_BLK_F_RO: writable image
    t.write(DEVICE_FEATURES_SEL, 4, 2)
    assert t.read(DEVICE_FEATURES, 4) == 0
    # 5.2.4 config layout: capacity le64 at 0, seg_max at 0x0c, blk_size at 0x14
    assert t.read(CONFIG, 4) == 16 and t.read(CONFIG + 4, 4) == 0
    assert t.read(CONFIG + 0x0C, 4) == 254          # QEMU: queue-size 256 - 2
    assert t.read(CONFIG + 0x14, 4) == 512
    assert t.read(CONFIG, 1) == 16 and t.read(CONFIG + 0x14, 2) == 512
    assert t.read(CONFIG + 0x22, 2) == 1            # num_queues
    assert t.read(CONFIG + 0x400 - 0x100, 4) == 0   # past the config: 0
    assert t.read(CONFIG_GENERATION, 4) == 0
    t.write(QUEUE_SEL, 4, 0)
    assert t.read(QUEUE_NUM_MAX, 4) == 1024         # QEMU: VIRTQUEUE_MAX_SIZE
    t.write(QUEUE_SEL, 4, 1)
    assert t.read(QUEUE_NUM_MAX, 4) == 0            # 4.2.2: queue not available


def test_feature_negotiation(ram, log, tmp_path):
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    # 3.1.1 step 5/6: a subset including VERSION_1 is accepted
    assert drv.negotiate((1 << 32) | (1 << 9))
    assert t.features == (1 << 32) | (1 << 9)
    assert t.read(STATUS, 4) == ACK | DRIVER | FEATURES_OK
    # a bit the device did not offer: FEATURES_OK does not stick (3.1.1)
    assert not drv.negotiate((1 << 32) | (1 << 0))
    # without VERSION_1 on a modern transport the device refuses (6.1)
    assert not drv.negotiate(1 << 9)
    assert len(log) == 2


def test_status_zero_resets_device(ram, log, tmp_path):
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    drv.start()
    assert t.read(QUEUE_READY, 4) == 1
    t.write(STATUS, 4, 0)                           # 4.2.2: writing 0 resets
    assert t.read(STATUS, 4) == 0
    assert t.read(QUEUE_READY, 4) == 0
    assert t.features == 0 and t.queues[0].num == 0


# ---- requests ---------------------------------------------------------------------

def test_blk_read_request(ram, log, tmp_path):
    t, sink = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    drv.start()
    status = blk_request(drv, 0, 3, read_len=1024)  # VIRTIO_BLK_T_IN, sectors 3..4
    assert status == 0                              # VIRTIO_BLK_S_OK
    assert ram.read(BUF + 0x1000, 1024) == b"\x03" * 512 + b"\x04" * 512
    assert drv.used_idx() == 1                      # 2.7.8
    assert drv.used_elem(0) == (0, 1025)            # head id, bytes written
    assert t.read(INTERRUPT_STATUS, 4) == 1         # 4.2.2: used buffer notification
    assert sink.levels[-1] == 1
    t.write(INTERRUPT_ACK, 4, 1)
    assert t.read(INTERRUPT_STATUS, 4) == 0 and sink.levels[-1] == 0
    assert not log


def test_blk_write_and_flush(ram, log, tmp_path, monkeypatch):
    path = make_disk(tmp_path)
    disk = BlockDevice(path)
    t, _ = blk_transport(ram, log, disk)
    drv = Driver(t, ram)
    drv.start()
    assert blk_request(drv, 1, 2, data=b"\xab" * 512) == 0   # VIRTIO_BLK_T_OUT
    assert drv.used_elem(0) == (0, 1)               # only the status byte written
    assert path.read_bytes()[1024:1536] == b"\xab" * 512
    synced = []
    monkeypatch.setattr(blockdev.os, "fsync", lambda fd: synced.append(fd))
    assert blk_request(drv, 4, 0, head=4) == 0      # VIRTIO_BLK_T_FLUSH
    assert synced == [disk.fd]
    disk.close()                                    # close also flushes
    assert len(synced) == 2


def test_blk_errors(ram, log, tmp_path):
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path, nsectors=4)), serial="SN-1")
    drv = Driver(t, ram)
    drv.start()
    assert blk_request(drv, 0, 4, read_len=512) == 1        # past the end: IOERR (5.2.6)
    assert blk_request(drv, 0, 3, read_len=1024) == 1       # runs past the end
    assert blk_request(drv, 0, 0, read_len=100) == 1        # not whole sectors
    assert blk_request(drv, 1, 2**63, data=b"x" * 512) == 1
    assert blk_request(drv, 99, 0) == 2                     # unknown type: UNSUPP
    assert blk_request(drv, 8, 0, read_len=20) == 0         # GET_ID
    assert ram.read(BUF + 0x1000, 20) == b"SN-1".ljust(20, b"\0")
    assert not log and not t.status & NEEDS_RESET


def test_blk_request_split_anyhow(ram, log, tmp_path):
    """2.6.4.3 / 5.2.6.2: with VERSION_1 the header may share or split
    descriptors; here header + data + status are in one odd split."""
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    drv.start()
    ram.write(BUF, struct.pack("<IIQ", 0, 0, 5))
    drv.chain([(BUF, 10, False), (BUF + 10, 6, False), (BUF + 0x1000, 300, True),
               (BUF + 0x2000, 213, True)])
    drv.post(0)
    assert ram.read(BUF + 0x1000, 300) == b"\x05" * 300
    assert ram.read(BUF + 0x2000, 213) == b"\x05" * 212 + b"\x00"


def test_indirect_descriptors(ram, log, tmp_path):
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    drv.start()
    ram.write(BUF, struct.pack("<IIQ", 0, 0, 7))
    drv.chain([(BUF, 16, False), (BUF + 0x1000, 512, True), (BUF + 0x3000, 1, True)],
              table=INDIRECT)
    drv.put_desc(2, INDIRECT, 3 * 16, VIRTQ_DESC_F_INDIRECT)   # 2.7.5.3
    drv.post(2)
    assert ram.read(BUF + 0x1000, 512) == b"\x07" * 512
    assert ram.read(BUF + 0x3000, 1) == b"\0"
    assert drv.used_elem(0) == (2, 513)


def test_indirect_refused_when_not_negotiated(ram, log, tmp_path):
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    drv.start(features=1 << 32)
    drv.put_desc(0, INDIRECT, 48, VIRTQ_DESC_F_INDIRECT)
    drv.post(0)
    assert t.read(STATUS, 4) & NEEDS_RESET           # 2.7.5.3.1 (driver MUST NOT)


@pytest.mark.parametrize("case", ["outside_ram", "loop", "next_out_of_range",
                                  "avail_jump", "readable_after_writable", "nested_indirect",
                                  "missing_header"])
def test_bad_chain_sets_needs_reset(ram, log, tmp_path, case):
    """2.1.2: an error the device cannot recover from sets DEVICE_NEEDS_RESET
    and, after DRIVER_OK, sends a configuration change notification."""
    t, sink = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    drv.start()
    if case == "outside_ram":
        drv.chain([(0x10000000, 16, False), (BUF, 1, True)])
    elif case == "loop":
        drv.put_desc(0, BUF, 16, VIRTQ_DESC_F_NEXT, 1)
        drv.put_desc(1, BUF, 16, VIRTQ_DESC_F_NEXT, 0)
    elif case == "next_out_of_range":
        drv.put_desc(0, BUF, 16, VIRTQ_DESC_F_NEXT, QSIZE)
    elif case == "readable_after_writable":
        drv.chain([(BUF + 0x100, 1, True), (BUF, 16, False)])
    elif case == "nested_indirect":
        drv.put_desc(0, INDIRECT, 16, VIRTQ_DESC_F_INDIRECT, table=INDIRECT)
        drv.put_desc(0, INDIRECT, 16, VIRTQ_DESC_F_INDIRECT)
    elif case == "missing_header":
        drv.chain([(BUF, 4, False), (BUF + 0x100, 1, True)])
    if case == "avail_jump":
        ram.write(AVAIL + 2, struct.pack("<H", QSIZE + 1))
        t.write(QUEUE_NOTIFY, 4, 0)
    else:
        drv.post(0)
    assert t.read(STATUS, 4) & NEEDS_RESET
    assert t.read(INTERRUPT_STATUS, 4) & 2           # config change (4.2.2)
    assert sink.levels[-1] == 1
    assert len(log) == 1 and "needs reset" in log[0]
    # further notifications are ignored until reset; reset clears the bit
    t.write(QUEUE_NOTIFY, 4, 0)
    assert len(log) == 1
    t.write(STATUS, 4, 0)
    assert t.read(STATUS, 4) == 0 and sink.levels[-1] == 0


def test_chain_longer_than_qemu_allows(ram, log, tmp_path):
    """An indirect table of 1025 readable descriptors: QEMU stops at
    VIRTQUEUE_MAX_SIZE (1024) buffers per chain, so do we."""
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    drv.start()
    table = RAM_BASE + 0x10000
    drv.chain([(BUF, 16, False)] * 1025, table=table)
    drv.put_desc(0, table, 1025 * 16, VIRTQ_DESC_F_INDIRECT)
    drv.post(0)
    assert t.read(STATUS, 4) & NEEDS_RESET and "more than 1024" in log[0]


def test_is_virtio_device():
    assert vm.is_virtio_device("virtio-blk-device,drive=d0")
    assert vm.is_virtio_device("virtio-blk-pci")            # ours to refuse clearly
    assert not vm.is_virtio_device("loader,addr=0x40000000")


def test_bad_queue_setup_sets_needs_reset(ram, log, tmp_path):
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    assert drv.negotiate()
    drv.setup_queue(num=6)                          # 2.7: split queue size is a power of 2
    assert t.read(QUEUE_READY, 4) == 0
    assert t.read(STATUS, 4) & NEEDS_RESET
    assert not t.read(INTERRUPT_STATUS, 4)          # no notification before DRIVER_OK (2.1.2)


def test_high_address_half_outside_32_bits(ram, log, tmp_path):
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    assert drv.negotiate()
    drv.setup_queue()
    t.write(QUEUE_DESC_HIGH, 4, 1)                  # descriptor table at 0x1_4000_1000
    drv.w(STATUS, ACK | DRIVER | FEATURES_OK | DRIVER_OK)
    assert t.queues[0].desc == 0x1_0000_0000 | DESC
    drv.post(drv.chain([(BUF, 16, False), (BUF + 1, 1, True)]))
    assert t.read(STATUS, 4) & NEEDS_RESET


def test_no_buffers_used_before_driver_ok(ram, log, tmp_path):
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    assert drv.negotiate()
    drv.setup_queue()
    blk_request(drv, 0, 0, read_len=512)
    assert drv.used_idx() == 0                      # 3.1.1: not before DRIVER_OK


def test_no_interrupt_flag(ram, log, tmp_path):
    t, sink = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    drv.start(features=1 << 32)                     # no EVENT_IDX
    ram.write(AVAIL, struct.pack("<H", VIRTQ_AVAIL_F_NO_INTERRUPT))
    blk_request(drv, 0, 0, read_len=512)
    assert drv.used_idx() == 1
    assert t.read(INTERRUPT_STATUS, 4) == 0         # 2.7.7.1 (no EVENT_IDX)


def test_event_idx(ram, log, tmp_path):
    t, _ = blk_transport(ram, log, BlockDevice(make_disk(tmp_path)))
    drv = Driver(t, ram)
    drv.start(features=(1 << 32) | (1 << 29))
    used_event = AVAIL + 4 + 2 * QSIZE
    avail_event = USED + 4 + 8 * QSIZE
    ram.write(used_event, struct.pack("<H", 5))     # "interrupt me when used idx passes 5"
    blk_request(drv, 0, 0, read_len=512)
    # the first used buffer always notifies (no previous signal to compare with)
    assert t.read(INTERRUPT_STATUS, 4) == 1
    t.write(INTERRUPT_ACK, 4, 1)
    assert struct.unpack("<H", ram.read(avail_event, 2))[0] == 1   # 2.7.10: next avail idx
    for n in range(2, 6):                           # used idx 2..5: 5 not yet crossed
        blk_request(drv, 0, 0, read_len=512, head=0)
        assert t.read(INTERRUPT_STATUS, 4) == 0, n
    blk_request(drv, 0, 0, read_len=512)            # used idx 6: passes used_event 5
    assert t.read(INTERRUPT_STATUS, 4) == 1


def test_vring_need_event():
    # 2.7.10: notify when used idx moves from old to new across event_idx
    assert vring_need_event(5, 6, 5)
    assert not vring_need_event(5, 5, 4)
    assert vring_need_event(0xFFFF, 0, 0xFFFF)      # wraps modulo 2^16


def test_state_round_trip(ram, log, tmp_path):
    disk = BlockDevice(make_disk(tmp_path))
    t, _ = blk_transport(ram, log, disk)
    drv = Driver(t, ram)
    drv.start()
    blk_request(drv, 0, 1, read_len=512)
    st = t.state()
    assert st["queues"][0]["last_avail_idx"] == 1 and st["queues"][0]["used_idx"] == 1
    t2 = virtio_mmio.VirtioMMIO(ram.dma(), log=log.append)
    t2.plug(VirtioBlk(disk))
    t2.load_state(st)
    drv.t = t2
    assert blk_request(drv, 0, 9, read_len=512) == 0
    assert ram.read(BUF + 0x1000, 512) == b"\x09" * 512
    assert drv.used_idx() == 2 and t2.read(INTERRUPT_STATUS, 4) == 1


# ---- virtio-rng ----------------------------------------------------------------------

def test_rng_fills_writable_buffers(ram, log):
    t = virtio_mmio.VirtioMMIO(ram.dma(), log=log.append)
    t.plug(VirtioRng(deterministic_source(1)))
    drv = Driver(t, ram)
    assert t.read(DEVICE_ID, 4) == 4                # 5.4.1: entropy source
    assert drv.device_features() == virtio_mmio.TRANSPORT_FEATURES   # 5.4.3: no device features
    drv.start()
    drv.post(drv.chain([(BUF, 64, True), (BUF + 0x100, 32, True)]))
    assert drv.used_elem(0) == (0, 96)
    got = ram.read(BUF, 64) + ram.read(BUF + 0x100, 32)
    assert got == deterministic_source(1)(96)       # same seed, same bytes
    assert got != bytes(96)


def test_seeded_source_state_round_trip():
    a = VirtioRng(deterministic_source(7))
    a.source(10)
    st = a.state()
    b = VirtioRng(deterministic_source(99))
    b.load_state(st)
    assert a.source(16) == b.source(16)
    assert VirtioRng().state() is None


def test_rng_default_source_is_urandom():
    assert VirtioRng().source is os.urandom


# ---- the disk image backend ----------------------------------------------------------

def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(BlockdevError, match="nothere.img"):
        BlockDevice(tmp_path / "nothere.img")


def test_unwritable_file_needs_readonly(tmp_path, monkeypatch):
    """QEMU refuses an image it may not open for writing unless readonly=on.
    (Tests run as root, who may write anything: fake the EACCES.)"""
    path = make_disk(tmp_path)
    real_open = os.open

    def open_no_write(p, flags, *a):
        if flags & os.O_RDWR:
            raise PermissionError(13, "Permission denied")
        return real_open(p, flags, *a)

    monkeypatch.setattr(blockdev.os, "open", open_no_write)
    with pytest.raises(BlockdevError, match=r"disk.img.*Permission denied.*readonly=on"):
        BlockDevice(path)
    assert BlockDevice(path, readonly=True).readonly


def test_readonly_image(ram, log, tmp_path):
    path = make_disk(tmp_path)
    before = path.read_bytes()
    t, _ = blk_transport(ram, log, parse_drive("file=%s,format=raw,if=none,id=d0,readonly=on"
                                               % path))
    drv = Driver(t, ram)
    assert drv.device_features() >> 5 & 1           # VIRTIO_BLK_F_RO (5.2.3)
    drv.start()
    assert blk_request(drv, 1, 0, data=b"z" * 512) == 1     # IOERR, as QEMU's EACCES
    assert blk_request(drv, 0, 1, read_len=512) == 0
    assert path.read_bytes() == before


def test_snapshot_keeps_file_untouched(tmp_path):
    path = make_disk(tmp_path)
    before = path.read_bytes()
    disk = parse_drive("file=%s,format=raw,if=none,id=d0" % path, snapshot=True)
    disk.write(1000, b"hello")                      # across sectors 1 and 2
    disk.write(1024, b"Q" * 512)
    assert disk.read(998, 8) == b"\x01\x01hello\x01"[:8]
    assert disk.read(1024, 4) == b"QQQQ" and disk.read(1536, 1) == b"\x03"
    disk.flush()
    disk.close()
    assert path.read_bytes() == before


def test_out_of_range_access_raises(tmp_path):
    disk = BlockDevice(make_disk(tmp_path, nsectors=2))
    with pytest.raises(BlockdevError):
        disk.read(1000, 100)
    with pytest.raises(BlockdevError):
        disk.write(-1, b"x")


def test_parse_drive_options(tmp_path):
    path = make_disk(tmp_path, name="a,b.img")
    d = parse_drive("file=%s,format=raw,if=none,id=d0" % str(path).replace(",", ",,"))
    assert d.drive_id == "d0" and d.sectors == 16 and not d.readonly
    assert split_options("a=1,,2,b,c=") == [("a", "1,2"), ("b", None), ("c", "")]
    path = make_disk(tmp_path)
    with pytest.raises(BlockdevError, match="no PCI"):
        parse_drive("file=%s,if=virtio" % path)     # QEMU: a virtio-blk-pci
    with pytest.raises(BlockdevError, match="no PCI"):
        parse_drive("file=%s" % path)               # virt's default interface is virtio
    with pytest.raises(BlockdevError, match="qcow2"):
        parse_drive("file=%s,format=qcow2,if=none" % path)
    with pytest.raises(BlockdevError, match="bogus"):
        parse_drive("file=%s,if=none,bogus=1" % path)
    with pytest.raises(BlockdevError, match="'on' or 'off'"):
        parse_drive("file=%s,if=none,readonly=maybe" % path)
    qcow = tmp_path / "q.img"
    qcow.write_bytes(b"QFI\xfb" + bytes(1020))
    with pytest.raises(BlockdevError, match="qcow"):
        parse_drive("file=%s,if=none" % qcow)


def test_parse_device(tmp_path):
    drives = {"d0": parse_drive("file=%s,format=raw,if=none,id=d0" % make_disk(tmp_path))}
    blk = vm.parse_device("virtio-blk-device,drive=d0,serial=abc", drives)
    assert isinstance(blk, VirtioBlk) and blk.serial == b"abc"
    with pytest.raises(ValueError, match="already in use"):
        vm.parse_device("virtio-blk-device,drive=d0", drives)
    with pytest.raises(ValueError, match="drive property not set"):
        vm.parse_device("virtio-blk-device", drives)
    with pytest.raises(ValueError, match="id=d9"):
        vm.parse_device("virtio-blk-device,drive=d9", drives)
    with pytest.raises(ValueError, match="no PCI"):
        vm.parse_device("virtio-blk-pci,drive=d0", drives)
    with pytest.raises(ValueError, match="unknown device"):
        vm.parse_device("virtio-gpu-device", drives)
    assert isinstance(vm.parse_device("virtio-rng-device", {}), VirtioRng)


# ---- board helpers ---------------------------------------------------------------------

class FakeEmu:
    def __init__(self, ram):
        self.ram = ram
        self.maps = {}

    def mem_read(self, addr, n):
        return self.ram.read(addr, n)

    def mem_write(self, addr, data):
        self.ram.write(addr, data)

    def map_mmio(self, base, size, device):
        self.maps[base] = (size, device)


def test_setup_virtio(ram, tmp_path):
    emu = FakeEmu(ram)
    sinks = {}
    path = make_disk(tmp_path)
    before = path.read_bytes()
    v = vm.setup_virtio(emu, ["file=%s,format=raw,if=none,id=d0" % path],
                        ["virtio-blk-device,drive=d0", "virtio-rng-device"], snapshot=True,
                        spi_sink=lambda spi: sinks.setdefault(spi, Sink()))
    assert len(emu.maps) == 32 and sorted(sinks) == list(range(16, 48))
    assert emu.maps[0x0A003E00][1].read(DEVICE_ID, 4) == 2
    assert emu.maps[0x0A003C00][1].read(DEVICE_ID, 4) == 4
    assert v.disks["d0"].snapshot                   # -snapshot reaches every drive
    # QEMU 7.2's default transport is legacy (force-legacy=true)
    assert emu.maps[0x0A003E00][1].read(VERSION, 4) == 1
    v.disks["d0"].write(0, b"x" * 512)
    v.reset()
    v.close()
    assert path.read_bytes() == before


def test_setup_virtio_bad_options_close_disks(ram, tmp_path):
    emu = FakeEmu(ram)
    drive = "file=%s,format=raw,if=none,id=d0" % make_disk(tmp_path)
    with pytest.raises(ValueError, match="duplicate id"):
        vm.setup_virtio(emu, [drive, drive])
    with pytest.raises(ValueError, match="no -drive with id=d1"):
        vm.setup_virtio(emu, [drive], ["virtio-blk-device,drive=d1"])
    assert not emu.maps


def test_too_many_devices(ram):
    with pytest.raises(ValueError, match="only 32"):
        vm.plug_devices(vm.create_transports(ram.dma()), [VirtioRng() for _ in range(33)])


