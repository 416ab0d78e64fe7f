"""The virt board's virtio part: QEMU's -drive/-device options for virtio
devices, the 32 transports mapped and wired, devices plugged in QEMU's
order.  (The transport itself is runtime/devices/virtio_mmio.py.)"""

from runtime.blockdev import parse_bool, parse_drive, split_options
from runtime.boards.virt_map import BY_NAME, IRQMAP, NUM_VIRTIO_TRANSPORTS, VIRTIO_STRIDE
from runtime.devices.virtio_blk import VirtioBlk
from runtime.devices.virtio_console import DEFAULT_MAX_PORTS, VirtioConsole
from runtime.devices.virtio_mmio import (FORCE_LEGACY_DEFAULT, VirtioMMIO, VirtioMMIOLegacy,
                                         _stderr_log)
from runtime.devices.virtio_rng import VirtioRng
from runtime.devices.virtqueue import DMA

# ---- the board's view ------------------------------------------------------------

MMIO_BASE = BY_NAME["mmio"].base
MMIO_SPI = IRQMAP["mmio"]


def transport_layout():
    """(slot, base, size, spi) of each transport (hw/arm/virt.c
    create_virtio_devices: base 0x0a000000 + slot * 0x200, SPI 16 + slot)."""
    return [(i, MMIO_BASE + i * VIRTIO_STRIDE, VIRTIO_STRIDE, MMIO_SPI + i)
            for i in range(NUM_VIRTIO_TRANSPORTS)]


def create_transports(dma, log=_stderr_log, legacy=False):
    """The 32 empty transports, slot order (index = slot); legacy: the
    version 1 layout (QEMU's force-legacy=true)."""
    cls = VirtioMMIOLegacy if legacy else VirtioMMIO
    return [cls(dma, base, log=log) for _, base, _, _ in transport_layout()]


def plug_devices(transports, devices):
    """Plug devices in command-line order as QEMU 7.2 does: the first
    -device takes the LAST transport (slot 31, 0x0a003e00) and each next one
    the slot below (the transports' buses are created in increasing order,
    qbus_realize prepends each, and -device picks the first free bus in
    that reversed list).  Returns the transports used, in device order."""
    if len(devices) > len(transports):
        raise ValueError("%d virtio devices but only %d virtio-mmio transports"
                         % (len(devices), len(transports)))
    used = []
    for n, dev in enumerate(devices):
        t = transports[len(transports) - 1 - n]
        t.plug(dev)
        used.append(t)
    return used


def map_transports(emu, transports, spi_sink):
    """Map each transport at its base and connect its IRQ line to
    spi_sink(spi) (a callable returning the sink for that SPI number)."""
    for t, (_, base, size, spi) in zip(transports, transport_layout()):
        emu.map_mmio(base, size, device=t)
        t.irq_line.connect(spi_sink(spi))


class VirtioSetup:
    """What setup_virtio made: the 32 transports (slot order), the disks
    opened from -drive (by id) and the plugged devices (command-line order)."""

    def __init__(self, transports, disks, devices):
        self.transports = transports
        self.disks = disks
        self.devices = devices

    def reset(self):
        """System reset (PSCI SYSTEM_RESET): every transport back to reset."""
        for t in self.transports:
            t.reset()

    def close(self):
        """Flush and close the disk images (also done at exit)."""
        for disk in self.disks.values():
            disk.close()


def setup_virtio(emu, drives=(), devices=(), snapshot=False, spi_sink=None,
                 rng_source=None, chardevs=None, force_legacy=FORCE_LEGACY_DEFAULT,
                 log=_stderr_log):
    """The board's whole virtio part in one call.

    drives: the -drive option strings; devices: the -device option strings
    (those is_virtio_device accepts); snapshot: QEMU's -snapshot.
    Maps the 32 transports on emu (DMA through emu.mem_read/mem_write) and
    wires transport i's IRQ line to spi_sink(16 + i) (None: unconnected).
    rng_source: n -> bytes for virtio-rng (deterministic_source(seed) under
    -icount).  chardevs: {id: binary output stream} for virtconsole ports
    (their input: port.feed(data), ports in VirtioSetup.devices[k].ports).
    force_legacy: QEMU's -global virtio-mmio.force-legacy
    (parse_virtio_global), QEMU 7.2's default True.
    Raises ValueError with a clear message on bad options; returns a
    VirtioSetup."""
    disks = {}
    try:
        for n, text in enumerate(drives):
            disk = parse_drive(text, snapshot=snapshot)
            key = disk.drive_id or "#%d" % n     # QEMU names id-less drives itself
            if key in disks:
                disk.close()
                raise ValueError("-drive %s: duplicate id '%s'" % (text, key))
            disks[key] = disk
        backends = parse_devices(devices, disks, rng_source, chardevs)
    except ValueError:
        for disk in disks.values():
            disk.close()
        raise
    transports = create_transports(DMA(emu.mem_read, emu.mem_write), log=log,
                                   legacy=force_legacy)
    plug_devices(transports, backends)
    for t, (_, base, size, spi) in zip(transports, transport_layout()):
        emu.map_mmio(base, size, device=t)
        if spi_sink is not None:
            t.irq_line.connect(spi_sink(spi))
    return VirtioSetup(transports, disks, backends)


# ---- -device -----------------------------------------------------------------------

PCI_DEVICES = ("virtio-blk-pci", "virtio-rng-pci", "virtio-serial-pci", "virtio-net-pci")
DEVICE_DRIVERS = ("virtio-blk-device", "virtio-rng-device", "virtio-serial-device",
                  "virtconsole", "virtserialport")


def is_virtio_device(text):
    """Is this -device option one for parse_devices (ours, or a virtio PCI
    device that we refuse with a clear message)?"""
    driver = text.split(",", 1)[0]
    return driver in DEVICE_DRIVERS or driver in PCI_DEVICES
KNOWN = "virtio-blk-device, virtio-rng-device, virtio-serial-device, virtconsole, virtserialport"


def parse_devices(texts, drives, rng_source=None, chardevs=None):
    """The `-device` options in order -> the VirtioDevices to plug.
    virtconsole / virtserialport add a port to the virtio-serial-device
    before them instead of taking a transport (QEMU puts them on that
    device's bus)."""
    backends = []
    serial_bus = None
    for text in texts:
        dev = parse_device(text, drives, rng_source, chardevs, serial_bus)
        if dev is not None:
            backends.append(dev)
            if dev.DEVICE_ID == 3:
                serial_bus = dev
    return backends


def parse_device(text, drives, rng_source=None, chardevs=None, serial_bus=None):
    """One `-device` option -> a VirtioDevice to plug, or None for a port
    added to serial_bus.  drives: {id: BlockDevice} from parse_drive (each
    backs one device); rng_source: n -> bytes for virtio-rng (default
    os.urandom); chardevs: {id: binary output stream} for console ports."""
    pairs = split_options(text)
    if not pairs:
        raise ValueError("-device: empty device specification")
    driver, opts = pairs[0][0], dict(pairs[1:])
    if driver in PCI_DEVICES:
        raise ValueError("-device %s: armtcg's virt has no PCI bus; use %s"
                         % (driver, driver.replace("-pci", "-device")))
    if driver == "virtio-blk-device":
        return _blk_device(opts, drives)
    if driver == "virtio-rng-device":
        _only(driver, opts, ("id",))
        return VirtioRng(rng_source)
    if driver == "virtio-serial-device":
        _only(driver, opts, ("id", "max_ports", "emergency-write"))
        try:
            max_ports = int(opts.get("max_ports") or DEFAULT_MAX_PORTS)
        except ValueError:
            raise ValueError("-device %s: max_ports must be a number" % text) from None
        return VirtioConsole(max_ports,
                             parse_bool("emergency-write", opts.get("emergency-write", "on")))
    if driver in ("virtconsole", "virtserialport"):
        _only(driver, opts, ("id", "chardev", "name", "nr"))
        if serial_bus is None:
            raise ValueError("-device %s: no virtio-serial-device before it for its port"
                             % driver)
        chardev = opts.get("chardev")
        if chardev and chardev not in (chardevs or {}):
            raise ValueError("-device %s: no -chardev with id=%s" % (driver, chardev))
        output = (chardevs or {}).get(chardev) if chardev else None
        nr = opts.get("nr")
        serial_bus.add_port(output, int(nr) if nr is not None else None,
                            is_console=driver == "virtconsole", name=opts.get("name"))
        return None
    raise ValueError("-device %s: unknown device (have %s)" % (driver, KNOWN))


def _blk_device(opts, drives):
    _only("virtio-blk-device", opts, ("drive", "serial", "id"))
    drive_id = opts.get("drive")
    if not drive_id:
        raise ValueError("-device virtio-blk-device: drive property not set")
    dev = drives.get(drive_id)
    if dev is None:
        raise ValueError("-device virtio-blk-device: no -drive with id=%s" % drive_id)
    if getattr(dev, "in_use", False):
        raise ValueError("-device virtio-blk-device: drive '%s' is already in use" % drive_id)
    dev.in_use = True
    return VirtioBlk(dev, serial=opts.get("serial") or "")


def _only(driver, opts, allowed):
    for key in opts:
        if key not in allowed:
            raise ValueError("-device %s: unknown property '%s'" % (driver, key))
