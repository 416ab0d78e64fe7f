"""virtio-console (virtio 1.2 section 5.3) over the virtio-mmio transport,
driven by a Python driver with one ring per queue over a fake guest RAM.
The multiport handshake follows 5.3.6.2 and QEMU 7.2's
hw/char/virtio-serial-bus.c (handle_control_message)."""

import io
import struct

import pytest

from test_virtio import (ACK, DRIVER, DRIVER_OK, FEATURES_OK, RAM_BASE, FakeRAM, Sink)
from runtime.devices import virtio_setup as vm
from runtime.devices.virtio_console import (CONSOLE_PORT, DEVICE_ADD, DEVICE_READY, PORT_NAME,
                                            PORT_OPEN, PORT_READY, VirtioConsole)
from runtime.devices.virtqueue import VIRTQ_DESC_F_WRITE

QSIZE = 4
MULTIPORT, EMERG_WRITE, VERSION_1 = 1 << 1, 1 << 2, 1 << 32


class Ring:
    """A driver-side split ring in its own 4 KiB of the fake RAM."""

    def __init__(self, ram, index):
        self.ram = ram
        self.base = RAM_BASE + 0x10000 + index * 0x1000
        self.desc, self.avail, self.used = self.base, self.base + 0x100, self.base + 0x200
        self.bufs = self.base + 0x400
        self.avail_idx = 0
        self.seen = 0

    def post(self, data=None, size=64):
        """One buffer: device-readable `data`, or `size` writable bytes."""
        slot = self.avail_idx % QSIZE
        addr = self.bufs + slot * 0x100
        if data is not None:
            self.ram.write(addr, data)
            desc = struct.pack("<QIHH", addr, len(data), 0, 0)
        else:
            desc = struct.pack("<QIHH", addr, size, VIRTQ_DESC_F_WRITE, 0)
        self.ram.write(self.desc + 16 * slot, desc)
        self.ram.write(self.avail + 4 + 2 * slot, struct.pack("<H", slot))
        self.avail_idx += 1
        self.ram.write(self.avail + 2, struct.pack("<H", self.avail_idx))

    def take(self):
        """The buffers the device returned since the last call, as bytes."""
        out = []
        idx = struct.unpack("<H", self.ram.read(self.used + 2, 2))[0]
        while self.seen != idx:
            head, length = struct.unpack(
                "<II", self.ram.read(self.used + 4 + 8 * (self.seen % QSIZE), 8))
            out.append(self.ram.read(self.bufs + head * 0x100, length))
            self.seen += 1
        return out


class ConsoleDriver:
    def __init__(self, t, ram, nqueues, features):
        self.t, self.ram = t, ram
        w = lambda off, v: t.write(off, 4, v)
        w(0x070, 0)
        w(0x070, ACK | DRIVER)
        for sel in (0, 1):
            w(0x024, sel)
            w(0x020, features >> (32 * sel) & 0xFFFFFFFF)
        w(0x070, ACK | DRIVER | FEATURES_OK)
        assert t.read(0x070, 4) & FEATURES_OK
        self.rings = []
        for q in range(nqueues):
            ring = Ring(ram, q)
            w(0x030, q)
            w(0x038, QSIZE)
            w(0x080, ring.desc)
            w(0x090, ring.avail)
            w(0x0A0, ring.used)
            w(0x044, 1)
            self.rings.append(ring)
        w(0x070, ACK | DRIVER | FEATURES_OK | DRIVER_OK)

    def kick(self, q):
        self.t.write(0x050, 4, q)


def console_transport(ram, **kw):
    t = vm.VirtioMMIO(ram.dma(), log=print)
    con = VirtioConsole(**kw)
    t.plug(con)
    t.irq_line.connect(Sink())
    return t, con


def test_console_ids_features_config():
    ram = FakeRAM()
    t, con = console_transport(ram)
    assert t.read(0x008, 4) == 3                    # 5.3.1: console
    # QEMU: 31 ports > 1 -> MULTIPORT; emergency-write defaults on
    assert t.read(0x010, 4) & 0xFF == MULTIPORT | EMERG_WRITE
    assert t.read(0x100 + 4, 4) == 31               # 5.3.4 max_nr_ports
    t.write(0x030, 4, 63)                           # 2 * 31 + 2 queues: 0..63
    assert t.read(0x034, 4) == 1024
    t.write(0x030, 4, 64)
    assert t.read(0x034, 4) == 0
    t1, _ = console_transport(ram, max_ports=1)
    assert t1.read(0x010, 4) & 0xFF == EMERG_WRITE         # no MULTIPORT with a single port


def test_single_port_console_output_input_and_emergency_write():
    ram = FakeRAM()
    t, con = console_transport(ram, max_ports=1)
    out = io.BytesIO()
    port = con.add_port(out)
    assert port.id == 0
    port.feed(b"early")                             # before DRIVER_OK: held (3.1.1)
    drv = ConsoleDriver(t, ram, 4, VERSION_1 | EMERG_WRITE)
    rx, tx = drv.rings[0], drv.rings[1]
    rx.post(size=3)
    drv.kick(0)
    assert rx.take() == [b"ear"]                    # 5.3.6.1: input split over buffers
    rx.post(size=64)
    drv.kick(0)
    assert rx.take() == [b"ly"]
    port.feed(b"typed")                             # no buffer yet: held
    rx.post(size=64)
    drv.kick(0)
    assert rx.take() == [b"typed"]
    tx.post(b"hello guest\n")
    drv.kick(1)
    assert out.getvalue() == b"hello guest\n"
    assert len(tx.take()) == 1                      # transmit buffer returned
    t.write(0x100 + 8, 4, ord("!"))                 # 5.3.4 emerg_wr
    assert out.getvalue() == b"hello guest\n!"


def control_messages(ring):
    return [struct.unpack_from("<IHH", m) + (m[8:],) for m in ring.take()]


def test_multiport_handshake():
    ram = FakeRAM()
    t, con = console_transport(ram, max_ports=2)
    out = io.BytesIO()
    port = con.add_port(out, name="org.test.0")
    drv = ConsoleDriver(t, ram, 6, VERSION_1 | MULTIPORT)
    c_rx, c_tx = drv.rings[2], drv.rings[3]
    for _ in range(4):
        c_rx.post(size=64)
    drv.kick(2)
    c_tx.post(struct.pack("<IHH", 0, DEVICE_READY, 1))
    drv.kick(3)
    assert control_messages(c_rx) == [(0, DEVICE_ADD, 1, b"")]
    port.feed(b"x")                                 # guest side not open: held
    drv.rings[0].post(size=16)
    drv.kick(0)
    assert drv.rings[0].take() == []
    c_tx.post(struct.pack("<IHH", 0, PORT_READY, 1))
    drv.kick(3)
    # QEMU: CONSOLE_PORT for a virtconsole, PORT_NAME, PORT_OPEN (host connected)
    assert control_messages(c_rx) == [(0, CONSOLE_PORT, 1, b""),
                                      (0, PORT_NAME, 1, b"org.test.0\0"),
                                      (0, PORT_OPEN, 1, b"")]
    assert drv.rings[0].take() == [b"x"]            # console is connected once ready
    c_tx.post(struct.pack("<IHH", 0, PORT_OPEN, 1))
    drv.kick(3)
    drv.rings[1].post(b"out")
    drv.kick(1)
    assert out.getvalue() == b"out"


def test_control_messages_wait_for_buffers():
    ram = FakeRAM()
    t, con = console_transport(ram, max_ports=2)
    con.add_port(io.BytesIO())
    con.add_port(None, is_console=False)            # a virtserialport without chardev
    drv = ConsoleDriver(t, ram, 6, VERSION_1 | MULTIPORT)
    drv.rings[3].post(struct.pack("<IHH", 0, DEVICE_READY, 1))
    drv.kick(3)
    assert len(con.control_out) == 2                # no receive buffer yet
    drv.rings[2].post(size=64)
    drv.kick(2)
    assert control_messages(drv.rings[2]) == [(0, DEVICE_ADD, 1, b"")]
    drv.rings[2].post(size=64)
    drv.kick(2)
    assert control_messages(drv.rings[2]) == [(1, DEVICE_ADD, 1, b"")]
    drv.rings[3].post(struct.pack("<IHH", 1, PORT_READY, 1))
    drv.kick(3)
    assert con.control_out == []                    # not a console, no name, no host side


def test_parse_console_devices():
    out = io.BytesIO()
    devs = vm.parse_devices(["virtio-serial-device,max_ports=2",
                             "virtconsole,chardev=c0,name=con0"], {}, chardevs={"c0": out})
    assert len(devs) == 1 and isinstance(devs[0], VirtioConsole)
    assert devs[0].ports[0].output is out and devs[0].ports[0].name == "con0"
    with pytest.raises(ValueError, match="no virtio-serial-device"):
        vm.parse_devices(["virtconsole"], {})
    with pytest.raises(ValueError, match="id=c9"):
        vm.parse_devices(["virtio-serial-device", "virtconsole,chardev=c9"], {}, chardevs={})
    with pytest.raises(ValueError, match="max_ports"):
        vm.parse_devices(["virtio-serial-device,max_ports=40"], {})
