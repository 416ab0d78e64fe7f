"""tests/sysguest/virtio_blk.c: a bare-metal driver finds the virtio-blk
transport, negotiates, reads sector 0 and writes sector 1 of a disk image
made here, on armtcg and on QEMU 7.2 (modern transport).

The expected output is computed here from the virtio 1.2 spec and the
image's contents, not from a run.
"""

import io

import pytest

from guestlib import QEMU, QEMU_ARGS, build_sysguest, have_qemu, output_diff, run_command

NSECTORS = 64
SERIAL = "ARMTCG01"
SECTOR0 = b"armtcg virtio-blk test disk, sector zero. " + bytes(range(256)) * 2


def make_image(path):
    sectors = [SECTOR0[:512]] + [bytes([s]) * 512 for s in range(1, NSECTORS)]
    path.write_bytes(b"".join(sectors))
    return path


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def guest_sector1():
    data = bytearray((i * 7 + 1) & 0xFF for i in range(512))
    data[:20] = b"written by the guest"
    return bytes(data)


def expected_output(legacy=False):
    s0 = SECTOR0[:512]
    s1 = guest_sector1()
    isr = "  isr 1 -> 0"        # 4.2.2: bit 0 = used buffer notification, cleared by ack
    lines = [
        # QEMU's virt: the first -device sits on the last transport (31);
        # Version 2 = modern (4.2.2), 1 = legacy (4.2.4)
        "slot 31 at a003e00: version %d device 2 vendor 554d4551" % (1 if legacy else 2),
        # legacy devices have only 32 feature bits: no VIRTIO_F_VERSION_1
        "features: VERSION_1 %d SEG_MAX 1 BLK_SIZE 1 FLUSH 1 RO 0" % (0 if legacy else 1),
        # ACK|DRIVER|FEATURES_OK accepted (3.1.1); legacy has no FEATURES_OK
        "status after features: %d" % (3 if legacy else 11),
        "capacity 0:%d sectors, seg_max 254, blk_size 512, byte0 %d" % (NSECTORS, NSECTORS),
        "queue 0: num_max 1024 live 0",         # QEMU: VIRTQUEUE_MAX_SIZE
        "status %d, queue live 1" % (7 if legacy else 15),
        # 5.2.6: used length = data + status byte for IN, 1 for OUT/FLUSH
        'read sector 0: status 0 used 513 "%s" fnv %x' % (s0[:40].decode(), fnv1a(s0)),
        isr,
        "write sector 1: status 0 used 1", isr,
        "flush: status 0 used 1", isr,
        "read sector %d (past the end): status 1" % NSECTORS, isr,   # VIRTIO_BLK_S_IOERR
        'get id: status 0 "%s"' % SERIAL, isr,
        'read back sector 1: status 0 "%s" fnv %x' % (s1[:20].decode(), fnv1a(s1)), isr,
        "final status %d" % (7 if legacy else 15),
    ]
    return ("\n".join(lines) + "\n").encode()


def check_image(path):
    data = path.read_bytes()
    assert len(data) == NSECTORS * 512
    assert data[:512] == SECTOR0[:512]
    assert data[512:1024] == guest_sector1()
    assert data[1024:] == b"".join(bytes([s]) * 512 for s in range(2, NSECTORS))


def _crlf(out):
    return out.replace(b"\r\n", b"\n")


class Sink:
    def __init__(self):
        self.levels = []

    def __call__(self, level):
        self.levels.append(level)


def run_on_armtcg(elf, image, legacy=False, monkeypatch=None):
    """The guest on the virt board with QEMU's options for one disk; the
    SPI levels each transport drove are recorded."""
    from runtime.boards.virt import VirtBoard
    from tcg.emulator import virt_emulator
    sinks = {}
    monkeypatch.setattr(VirtBoard, "spi_input", lambda self, spi: sinks.setdefault(spi, Sink()))
    uart = io.BytesIO()
    emu = virt_emulator(128 << 20, uart_out=uart, board=dict(
        drives=["file=%s,format=raw,if=none,id=d0" % image],
        devices=["virtio-blk-device,drive=d0,serial=%s" % SERIAL],
        globals=["virtio-mmio.force-legacy=%s" % ("on" if legacy else "off")]))
    emu.board.load(str(elf))
    reason = emu.board.run(count=20_000_000)
    emu.board.virtio.close()
    return uart.getvalue(), reason, sinks


@pytest.mark.parametrize("legacy", [False, True], ids=["modern", "legacy"])
def test_virtio_blk_guest_armtcg(tmp_path, legacy, monkeypatch):
    elf = build_sysguest("virtio_blk")
    image = make_image(tmp_path / "disk.img")
    out, reason, sinks = run_on_armtcg(elf, image, legacy, monkeypatch)
    assert reason.kind == "shutdown", (reason, out)
    want = expected_output(legacy)
    assert _crlf(out) == want, output_diff(_crlf(out), want)
    check_image(image)
    # slot 31 is SPI 47; the guest acked each completion, so the line is low
    assert sinks[47].levels[-1] == 0 and 1 in sinks[47].levels
    assert sinks[16].levels == [0]


@pytest.mark.qemu
@pytest.mark.skipif(not have_qemu(), reason="qemu-system-arm not installed")
@pytest.mark.parametrize("legacy", [False, True], ids=["modern", "legacy"])
def test_virtio_blk_guest_qemu(tmp_path, legacy):
    elf = build_sysguest("virtio_blk")
    image = make_image(tmp_path / "disk.img")
    # QEMU 7.2's virt is legacy unless told otherwise
    transport = [] if legacy else ["-global", "virtio-mmio.force-legacy=false"]
    cmd = [QEMU, *QEMU_ARGS, *transport,
           "-drive", "file=%s,format=raw,if=none,id=d0" % image,
           "-device", "virtio-blk-device,drive=d0,serial=%s" % SERIAL, "-kernel", str(elf)]
    out, status, err = run_command(cmd, 60)
    assert status == 0, (status, out, err)
    want = expected_output(legacy)
    assert _crlf(out) == want, output_diff(_crlf(out), want)
    check_image(image)


# ---- virtio-rng, and the slot order of two devices ---------------------------------

RNG_EXPECTED = b"".join(line.encode() + b"\n" for line in [
    # -device virtio-rng-device first, then virtio-blk-device: slots 31, 30
    # (hw/arm/virt.c create_virtio_devices), printed in slot order
    "slot 30: device 2",
    "slot 31: device 4",                    # 5.4.1: entropy device
    "features hi bit 0 (VERSION_1): 1",
    "status 11",
    "queue 1 num_max 0",                    # 4.2.2: the queue is not available
    # 5.4.6.1: both writable buffers filled (24 + 8 bytes), nothing around them
    "used id 0 len 32; random: 1 1; untouched: 0 0 0",
    "isr 1 -> 0",
])


def test_virtio_rng_guest_armtcg(tmp_path):
    from tcg.emulator import virt_emulator
    elf = build_sysguest("virtio_rng")
    uart = io.BytesIO()
    emu = virt_emulator(128 << 20, uart_out=uart, board=dict(
        devices=["virtio-rng-device", "virtio-blk-device,drive=d0"],
        drives=["file=%s,format=raw,if=none,id=d0" % make_image(tmp_path / "d.img")],
        globals=["virtio-mmio.force-legacy=off"]))
    emu.board.load(str(elf))
    reason = emu.board.run(count=20_000_000)
    emu.board.virtio.close()
    assert reason.kind == "shutdown", (reason, uart.getvalue())
    out = _crlf(uart.getvalue())
    assert out == RNG_EXPECTED, output_diff(out, RNG_EXPECTED)


@pytest.mark.qemu
@pytest.mark.skipif(not have_qemu(), reason="qemu-system-arm not installed")
def test_virtio_rng_guest_qemu(tmp_path):
    elf = build_sysguest("virtio_rng")
    image = make_image(tmp_path / "d.img")
    cmd = [QEMU, *QEMU_ARGS, "-global", "virtio-mmio.force-legacy=false",
           "-device", "virtio-rng-device",
           "-drive", "file=%s,format=raw,if=none,id=d0" % image,
           "-device", "virtio-blk-device,drive=d0", "-kernel", str(elf)]
    out, status, err = run_command(cmd, 60)
    assert status == 0, (status, out, err)
    out = _crlf(out)
    assert out == RNG_EXPECTED, output_diff(out, RNG_EXPECTED)


# ---- virtio-console -------------------------------------------------------------

CONSOLE_UART = b"".join(line.encode() + b"\n" for line in [
    "console on slot 31",
    # QEMU: max_ports=1 -> no MULTIPORT (5.3.3); emergency-write on by default
    "features: SIZE 0 MULTIPORT 0 EMERG_WRITE 1; max_nr_ports 1",
    "status 11",
    # transmit buffers come back with nothing written by the device (len 0)
    "transmit: used idx 1 id 0 len 0",
    "isr 1",
])
CONSOLE_HOST = b"hello from the guest over virtio-console\nE\n"


def test_virtio_console_guest_armtcg():
    from tcg.emulator import virt_emulator
    elf = build_sysguest("virtio_console")
    uart, host = io.BytesIO(), io.BytesIO()
    emu = virt_emulator(128 << 20, uart_out=uart, board=dict(
        devices=["virtio-serial-device,max_ports=1", "virtconsole,chardev=c0"],
        chardevs={"c0": host}, globals=["virtio-mmio.force-legacy=off"]))
    emu.board.load(str(elf))
    reason = emu.board.run(count=20_000_000)
    assert reason.kind == "shutdown", (reason, uart.getvalue())
    out = _crlf(uart.getvalue())
    assert out == CONSOLE_UART, output_diff(out, CONSOLE_UART)
    assert host.getvalue() == CONSOLE_HOST


@pytest.mark.qemu
@pytest.mark.skipif(not have_qemu(), reason="qemu-system-arm not installed")
def test_virtio_console_guest_qemu(tmp_path):
    elf = build_sysguest("virtio_console")
    host = tmp_path / "console.out"
    cmd = [QEMU, *QEMU_ARGS, "-global", "virtio-mmio.force-legacy=false",
           "-device", "virtio-serial-device,max_ports=1",
           "-chardev", "file,id=c0,path=%s" % host, "-device", "virtconsole,chardev=c0",
           "-kernel", str(elf)]
    out, status, err = run_command(cmd, 60)
    assert status == 0, (status, out, err)
    out = _crlf(out)
    assert out == CONSOLE_UART, output_diff(out, CONSOLE_UART)
    assert host.read_bytes() == CONSOLE_HOST
