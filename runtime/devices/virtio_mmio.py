"""virtio-mmio transports (virtio 1.2 section 4.2), as QEMU 7.2's `virt` has
them: 32 transports of 0x200 bytes from 0x0a000000, SPI 16 + slot.

Both layouts of 4.2: VirtioMMIO is the modern transport (Version 2,
4.2.2), VirtioMMIOLegacy the legacy one (Version 1, 4.2.4: GuestPageSize,
QueueAlign, QueuePFN, 32 feature bits, no FEATURES_OK).  QEMU 7.2's virt
uses legacy unless `-global virtio-mmio.force-legacy=false`
(parse_virtio_global); FORCE_LEGACY_DEFAULT follows it, so the same command
line shows the guest the same transport.  Linux and u-boot 2023.01 drive both.

An empty transport answers as QEMU's does: MagicValue "virt", Version,
VendorID "QEMU", DeviceID 0 (no device) and zero everywhere else.  A plugged
device is a `VirtioDevice` (virtio_blk.py, virtio_rng.py): it offers feature
bits, a config space and serves chains popped from its queues.  Requests are
served synchronously when the driver writes QueueNotify.

Guest mistakes (bad ring addresses, malformed chains, DMA outside RAM) put
the device in DEVICE_NEEDS_RESET (2.1.2) with a configuration-change
interrupt and a message on `log`, like QEMU's virtio_error(); the device
then ignores notifications until the driver resets it (legacy: no status
bit, no interrupt, as QEMU).

The board's side (-drive/-device parsing, the 32 transports mapped and
wired, QEMU's plugging order) is runtime/devices/virtio_setup.py.
"""

import sys

from runtime.blockdev import parse_bool
from runtime.boards.virt_map import VIRTIO_STRIDE
from runtime.devices.base import Device, R, Reg, RW, W
from runtime.devices.virtqueue import VirtQueue, VirtqError

MAGIC = 0x74726976              # "virt" (4.2.2)
VERSION_MODERN = 2              # 4.2.2: 2 = virtio 1.x; 1 = legacy
VENDOR_QEMU = 0x554D4551        # "QEMU", what QEMU's transports report
QUEUE_NUM_MAX = 1024            # QEMU's VIRTQUEUE_MAX_SIZE, reported for each existing queue
CONFIG_OFFSET = 0x100           # device-specific configuration space (4.2.2)

# device status bits (2.1)
ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK = 1, 2, 4, 8
DEVICE_NEEDS_RESET, FAILED = 0x40, 0x80

# InterruptStatus bits (4.2.2)
INT_USED_BUFFER = 1
INT_CONFIG_CHANGE = 2

# reserved feature bits (6) the transport layer offers for every device
VIRTIO_F_INDIRECT_DESC = 28
VIRTIO_F_EVENT_IDX = 29
VIRTIO_F_VERSION_1 = 32
TRANSPORT_FEATURES = (1 << VIRTIO_F_INDIRECT_DESC) | (1 << VIRTIO_F_EVENT_IDX) \
    | (1 << VIRTIO_F_VERSION_1)

VERSION_LEGACY = 1
FORCE_LEGACY_DEFAULT = True     # QEMU 7.2 virtio-mmio "force-legacy" property default
LEGACY_PAGE_SHIFT = 12          # QEMU's guest_page_shift before the driver writes one
LEGACY_ALIGN = 4096             # VIRTIO_PCI_VRING_ALIGN: QueueAlign before it is written


class VirtioDevice:
    """What a device behind a transport provides (subclasses fill it in)."""

    NAME = "virtio"
    DEVICE_ID = 0
    NUM_QUEUES = 1
    STATE = ()

    def features(self):
        """Device-type feature bits offered (the transport adds its own)."""
        return 0

    def config(self):
        """The configuration space as bytes (little-endian fields)."""
        return b""

    def config_write(self, offset, data):
        """The driver wrote to the configuration space (default: ignored)."""

    def serve(self, queue, chain, transport):
        """Serve one chain from queue number `queue`: read chain.read_all(),
        write the response with chain.write(); raise VirtqError when the
        chain does not have the layout the device type requires."""
        raise NotImplementedError

    def driver_ok(self, transport):
        """The driver set DRIVER_OK: the device is live (3.1.1 step 8)."""

    def queue_notify(self, queue, transport):
        """The driver kicked queue number `queue` (QueueNotify)."""
        transport.drain(queue, lambda chain: self.serve(queue, chain, transport))

    def reset(self):
        """Device reset by the driver (status 0)."""


# The register map (4.2.2, table "MMIO Device Register Layout").
REGS = (
    Reg(0x000, "magic", R, MAGIC),
    Reg(0x004, "version", R, VERSION_MODERN),
    Reg(0x008, "device_id", R, 0),
    Reg(0x00C, "vendor_id", R, VENDOR_QEMU),
    Reg(0x010, "device_features", R, 0),
    Reg(0x014, "device_features_sel", W, 0),
    Reg(0x020, "driver_features", W, 0),
    Reg(0x024, "driver_features_sel", W, 0),
    Reg(0x030, "queue_sel", W, 0),
    Reg(0x034, "queue_num_max", R, 0),
    Reg(0x038, "queue_num", W, 0),
    Reg(0x044, "queue_ready", RW, 0),
    Reg(0x050, "queue_notify", W, 0),
    Reg(0x060, "interrupt_status", R, 0),
    Reg(0x064, "interrupt_ack", W, 0),
    Reg(0x070, "status", RW, 0),
    Reg(0x080, "queue_desc_low", W, 0),
    Reg(0x084, "queue_desc_high", W, 0),
    Reg(0x090, "queue_driver_low", W, 0),
    Reg(0x094, "queue_driver_high", W, 0),
    Reg(0x0A0, "queue_device_low", W, 0),
    Reg(0x0A4, "queue_device_high", W, 0),
    Reg(0x0FC, "config_generation", R, 0),
)
# what an empty transport answers (QEMU virtio_mmio_read with no vdev)
EMPTY_READABLE = ("magic", "version", "vendor_id")
# which queue field each address-register pair sets
QUEUE_ADDR_REGS = {"queue_desc": "desc", "queue_driver": "driver", "queue_device": "device"}


def _stderr_log(msg):
    print("armtcg: %s" % msg, file=sys.stderr)


class VirtioMMIO(Device):
    """One virtio-mmio transport (see the module docstring)."""

    NAME = "virtio-mmio"
    SIZE = VIRTIO_STRIDE
    REGS = REGS
    STATE = ("status", "device_features_sel", "driver_features_sel", "driver_features",
             "features", "queue_sel", "interrupt_status", "broken", "queues")

    def __init__(self, dma, base=0, log=_stderr_log):
        self.dma = dma
        self.base = base
        self.log = log
        self.backend = None
        self.queues = []
        super().__init__()
        self.irq_line = self.irq()

    # -- plugging
    def plug(self, backend):
        if self.backend is not None:
            raise ValueError("virtio-mmio@0x%08x already holds %s" % (self.base, self.backend.NAME))
        self.backend = backend
        backend.transport = self        # for device-initiated work (console input)
        self.queues = [VirtQueue(QUEUE_NUM_MAX) for _ in range(backend.NUM_QUEUES)]
        self.reset()

    def offered_features(self):
        return 0 if self.backend is None else self.backend.features() | TRANSPORT_FEATURES

    def has_feature(self, bit):
        return bool(self.features >> bit & 1)

    # -- reset and state
    def reset_state(self):
        self.status = 0
        self.device_features_sel = 0
        self.driver_features_sel = 0
        self.driver_features = 0        # what the driver wrote, both halves
        self.features = 0               # negotiated at FEATURES_OK
        self.queue_sel = 0
        self.interrupt_status = 0
        self.broken = False             # after needs_reset(), until the next reset
        for q in self.queues:
            q.reset()
        if self.backend is not None:
            self.backend.reset()
        if hasattr(self, "irq_line"):
            self.irq_line.lower()

    def state(self):
        """The transport's state as plain data (queues as dicts)."""
        st = {name: getattr(self, name) for name in self.STATE if name != "queues"}
        st["queues"] = [q.state() for q in self.queues]
        return st

    def load_state(self, st):
        for name in self.STATE:
            if name != "queues":
                setattr(self, name, st[name])
        for q, qs in zip(self.queues, st["queues"]):
            q.load_state(qs)
        self._update_irq()

    # -- MMIO
    def read(self, offset, size):
        if offset >= CONFIG_OFFSET:
            return self._config_read(offset - CONFIG_OFFSET, size)
        if size != 4 or offset & 3:
            return 0                    # 4.2.2: registers are 32-bit; QEMU answers 0
        reg = self._regs.get(offset)
        if reg is None or (self.backend is None and reg.name not in EMPTY_READABLE):
            return 0
        return super().read(offset, size)

    def write(self, offset, size, value):
        if offset >= CONFIG_OFFSET:
            self._config_write(offset - CONFIG_OFFSET, size, value)
        elif size == 4 and not offset & 3 and self.backend is not None:
            super().write(offset, size, value & 0xFFFFFFFF)

    def _config_read(self, offset, size):
        if self.backend is None:
            return 0
        data = self.backend.config()[offset:offset + size]
        return int.from_bytes(data.ljust(size, b"\0"), "little")

    def _config_write(self, offset, size, value):
        if self.backend is not None and size in (1, 2, 4):
            self.backend.config_write(offset, value.to_bytes(size, "little"))

    # -- registers
    def read_device_id(self):
        return self.backend.DEVICE_ID

    def read_device_features(self):
        if self.device_features_sel > 1:
            return 0
        return self.offered_features() >> (32 * self.device_features_sel) & 0xFFFFFFFF

    def write_device_features_sel(self, value):
        self.device_features_sel = value

    def write_driver_features(self, value):
        if self.driver_features_sel <= 1 and not self.status & FEATURES_OK:
            shift = 32 * self.driver_features_sel
            self.driver_features = self.driver_features & ~(0xFFFFFFFF << shift) | value << shift

    def write_driver_features_sel(self, value):
        self.driver_features_sel = value

    def write_queue_sel(self, value):
        self.queue_sel = value

    def _queue(self):
        return self.queues[self.queue_sel] if self.queue_sel < len(self.queues) else None

    def read_queue_num_max(self):
        return QUEUE_NUM_MAX if self._queue() is not None else 0

    def write_queue_num(self, value):
        q = self._queue()
        if q is not None:
            q.num = value

    def read_queue_ready(self):
        q = self._queue()
        return q.ready if q is not None else 0

    def write_queue_ready(self, value):
        q = self._queue()
        if q is None:
            return
        if value & 1:
            try:
                q.check()
            except VirtqError as e:
                self.needs_reset("queue %d: %s" % (self.queue_sel, e))
                return
        q.ready = value & 1

    def write_queue_notify(self, value):
        self.notify(value & 0xFFFF)

    def read_interrupt_status(self):
        return self.interrupt_status

    def write_interrupt_ack(self, value):
        self.interrupt_status &= ~value
        self._update_irq()

    def read_status(self):
        return self.status

    def write_status(self, value):
        value &= 0xFF
        if value == 0:
            self.reset()                # 4.2.2: writing 0 resets the device
            return
        if value & FEATURES_OK and not self.status & FEATURES_OK:
            if not self._accept_features():
                value &= ~FEATURES_OK   # 3.1.1: re-reading shows it was refused
        started = value & DRIVER_OK and not self.status & DRIVER_OK
        self.status = value | (self.status & DEVICE_NEEDS_RESET)
        if started:
            self.backend.driver_ok(self)

    def _accept_features(self):
        """FEATURES_OK: the driver's subset must be offered (2.2.1) and, on a
        modern transport, include VIRTIO_F_VERSION_1 (6.1: a device may
        refuse to operate without it)."""
        wanted = self.driver_features
        if wanted & ~self.offered_features():
            self.log("virtio-mmio@0x%08x: driver asked for features 0x%x that were not offered"
                     % (self.base, wanted & ~self.offered_features()))
            return False
        if not wanted >> VIRTIO_F_VERSION_1 & 1:
            self.log("virtio-mmio@0x%08x: driver did not accept VIRTIO_F_VERSION_1"
                     % self.base)
            return False
        self.features = wanted
        return True

    def _write_addr(self, field, high, value):
        """Queue{Desc,Driver,Device}{Low,High}: one half of a 64-bit address."""
        q = self._queue()
        if q is not None:
            old = getattr(q, field)
            new = (old & 0xFFFFFFFF) | value << 32 if high else (old & ~0xFFFFFFFF) | value
            setattr(q, field, new)

    def read_config_generation(self):
        return 0                        # our config spaces never change at run time

    # -- queues
    def notify(self, index):
        """QueueNotify: the device decides what a kick means (by default:
        serve every available chain, VirtioDevice.queue_notify)."""
        if self.queue_live(index):
            self.backend.queue_notify(index, self)

    def queue_live(self, index):
        """May the device use queue `index` now?  Not before DRIVER_OK
        (3.1.1), not after an error (2.1.2), only once the queue is ready."""
        if index >= len(self.queues) or self.broken:
            return False
        return bool(self.queues[index].ready and self.status & DRIVER_OK)

    def drain(self, index, serve, more=None):
        """Pop chains of queue `index` while more() (default: always) says
        the device has work, serve(chain) each and return it through the
        used ring, then interrupt if the driver asked for it.  A guest error
        puts the device in DEVICE_NEEDS_RESET.  Returns how many were used."""
        if not self.queue_live(index):
            return 0
        try:
            return self._drain(self.queues[index], serve, more)
        except VirtqError as e:
            self.needs_reset("queue %d: %s" % (index, e))
            return 0

    def _drain(self, q, serve, more):
        event_idx = self.has_feature(VIRTIO_F_EVENT_IDX)
        indirect = self.has_feature(VIRTIO_F_INDIRECT_DESC)
        served = 0
        while more is None or more():
            chain = q.pop(self.dma, indirect)
            if chain is None:
                break
            serve(chain)
            q.push(self.dma, chain)
            served += 1
        if event_idx:
            q.set_avail_event(self.dma, q.last_avail_idx)   # notify me at the next one
        if served and q.should_interrupt(self.dma, event_idx):
            self.interrupt_status |= INT_USED_BUFFER
            self._update_irq()
        return served

    def needs_reset(self, why):
        """2.1.2: the device hit an error it cannot recover from."""
        self.log("virtio-mmio@0x%08x (%s): %s; device needs reset"
                 % (self.base, self.backend.NAME if self.backend else "empty", why))
        self.broken = True              # queues stay dead until the driver resets
        self._signal_needs_reset()

    def _signal_needs_reset(self):
        self.status |= DEVICE_NEEDS_RESET
        if self.status & DRIVER_OK:
            self.interrupt_status |= INT_CONFIG_CHANGE
            self._update_irq()

    def _update_irq(self):
        self.irq_line.set(self.interrupt_status != 0)


def _addr_writer(field, high):
    return lambda self, value: self._write_addr(field, high, value)


# write_queue_{desc,driver,device}_{low,high}: one rule for the six registers
for _prefix, _field in QUEUE_ADDR_REGS.items():
    setattr(VirtioMMIO, "write_%s_low" % _prefix, _addr_writer(_field, False))
    setattr(VirtioMMIO, "write_%s_high" % _prefix, _addr_writer(_field, True))


# The legacy register map (4.2.4): no QueueReady, no 64-bit ring addresses,
# no ConfigGeneration; GuestPageSize, QueueAlign and QueuePFN instead.
LEGACY_ONLY = (
    Reg(0x028, "guest_page_size", W, 0),
    Reg(0x03C, "queue_align", W, 0),
    Reg(0x040, "queue_pfn", RW, 0),
)
MODERN_ONLY = ("queue_ready", "queue_desc_low", "queue_desc_high", "queue_driver_low",
               "queue_driver_high", "queue_device_low", "queue_device_high",
               "config_generation")
LEGACY_REGS = tuple(sorted(
    [r._replace(reset=VERSION_LEGACY) if r.name == "version" else r
     for r in REGS if r.name not in MODERN_ONLY] + list(LEGACY_ONLY)))


class VirtioMMIOLegacy(VirtioMMIO):
    """The legacy (version 1) transport of 4.2.4, as QEMU's force-legacy=true:
    32 feature bits without VIRTIO_F_VERSION_1, set as soon as the driver
    writes them; each queue is one contiguous area at QueuePFN << page
    shift (descriptors, then the available ring, then the used ring at the
    next QueueAlign boundary, 2.7 "Legacy Interfaces"); QueuePFN 0 resets
    the device (QEMU)."""

    REGS = LEGACY_REGS
    STATE = VirtioMMIO.STATE + ("guest_page_shift",)

    def reset_state(self):
        super().reset_state()
        self.guest_page_shift = LEGACY_PAGE_SHIFT
        for q in self.queues:
            q.align = LEGACY_ALIGN

    def offered_features(self):
        return super().offered_features() & ~(1 << VIRTIO_F_VERSION_1)

    def read_device_features(self):
        return self.offered_features() & 0xFFFFFFFF if self.device_features_sel == 0 else 0

    def write_driver_features(self, value):
        if self.driver_features_sel == 0:       # QEMU ignores the upper half here
            self.driver_features = value
            self.features = value & self.offered_features()

    def _signal_needs_reset(self):
        """Legacy has no DEVICE_NEEDS_RESET bit: QEMU's virtio_error() sets it
        and notifies only for VIRTIO_F_VERSION_1 devices, so a broken legacy
        device just goes quiet (with the log message)."""

    def queue_live(self, index):
        """3.1.2 (legacy): drivers often used the device before DRIVER_OK,
        so a legacy device serves a queue as soon as it has a QueuePFN."""
        if index >= len(self.queues) or self.broken:
            return False
        return bool(self.queues[index].ready)

    def write_guest_page_size(self, value):
        # QEMU: shift = ctz32(value), 0 for a value of 0
        self.guest_page_shift = (value & -value).bit_length() - 1 if value else 0

    def write_queue_align(self, value):
        q = self._queue()
        if q is not None:
            q.align = value

    def read_queue_pfn(self):
        q = self._queue()
        return q.desc >> self.guest_page_shift if q is not None and q.ready else 0

    def write_queue_pfn(self, value):
        q = self._queue()
        if q is None:
            return
        if value == 0:
            self.reset()                        # QEMU: virtio_reset()
            return
        q.desc = value << self.guest_page_shift
        q.driver = q.desc + 16 * q.num
        used = q.driver + 4 + 2 * q.num + 2     # flags, idx, ring[num], used_event
        align = q.align if q.align > 0 and not q.align & (q.align - 1) else LEGACY_ALIGN
        q.device = -(-used // align) * align
        try:
            q.check()
        except VirtqError as e:
            self.needs_reset("queue %d: %s" % (self.queue_sel, e))
            return
        q.ready = 1

    def write_status(self, value):
        value &= 0xFF
        if value == 0:
            self.reset()
            return
        started = value & DRIVER_OK and not self.status & DRIVER_OK
        self.status = value | (self.status & DEVICE_NEEDS_RESET)
        if started:
            self.backend.driver_ok(self)


def parse_virtio_global(text):
    """A `-global` option: its force-legacy value (bool) for
    'virtio-mmio.force-legacy=on|off|true|false', None for other drivers'
    properties (not ours); ValueError for other virtio-mmio properties."""
    name, sep, value = text.partition("=")
    driver, _, prop = name.partition(".")
    if driver != "virtio-mmio":
        return None
    if prop != "force-legacy" or not sep:
        raise ValueError("-global %s: virtio-mmio has only the force-legacy property here" % text)
    return parse_bool("force-legacy", value)
