"""PL031 RTC: register map, counter, load, alarm interrupt.

Expected values cite the PL031 TRM (ARM DDI 0224B) or QEMU 7.2's
hw/rtc/pl031.c where the model follows it (CR always 1, alarm at once when
MR equals the count).
"""

import shutil

import pytest

import guestlib
from runtime.devices import pl031
from runtime.devices.pl031 import PL031

NS = 1_000_000_000


class Clock:
    def __init__(self):
        self.ns = 0

    def __call__(self):
        return self.ns


@pytest.fixture
def rtc():
    clock = Clock()
    r = PL031(clock, epoch=946684800)
    levels = []
    r.intr.connect(levels.append)
    return r, clock, levels


def test_register_map_at_reset(rtc):
    r, clock, _ = rtc
    assert r.read(pl031.DR, 4) == 946684800      # seconds since 1970 (the epoch given)
    for reg in (pl031.MR, pl031.LR, pl031.IMSC, pl031.RIS, pl031.MIS):
        assert r.read(reg, 4) == 0               # TRM table 3-1 reset values
    assert r.read(pl031.CR, 4) == 1              # QEMU: permanently enabled
    ids = [r.read(0xFE0 + 4 * i, 4) for i in range(8)]
    assert ids == [0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]   # TRM 3.3.9-10
    assert r.read(0x020, 4) == 0 and r.read(pl031.ICR, 4) == 0        # reserved / WO


def test_counts_guest_seconds(rtc):
    r, clock, _ = rtc
    clock.ns = 5 * NS - 1
    assert r.read(pl031.DR, 4) == 946684804
    clock.ns = 5 * NS
    assert r.read(pl031.DR, 4) == 946684805
    r.write(pl031.DR, 4, 0)                      # DR is read-only (TRM 3.3.1)
    assert r.read(pl031.DR, 4) == 946684805


def test_host_epoch_by_default():
    import time
    r = PL031(lambda: 0)
    assert abs(r.read(pl031.DR, 4) - int(time.time())) <= 2


def test_load_register(rtc):
    r, clock, _ = rtc
    clock.ns = 3 * NS + 500
    r.write(pl031.LR, 4, 100)                    # TRM 3.3.3: the counter takes LR's value
    assert r.read(pl031.DR, 4) == 100 and r.read(pl031.LR, 4) == 100
    clock.ns += 2 * NS
    assert r.read(pl031.DR, 4) == 102
    r.write(pl031.LR, 4, 0xFFFFFFFF)
    clock.ns += NS
    assert r.read(pl031.DR, 4) == 0              # 32-bit counter wraps


def test_alarm_interrupt(rtc):
    r, clock, levels = rtc
    r.write(pl031.LR, 4, 10)
    r.write(pl031.MR, 4, 12)
    r.write(pl031.IMSC, 4, 0xFF)
    assert r.read(pl031.IMSC, 4) == 1            # TRM 3.3.5: one mask bit
    assert r.deadline_ns() == 2 * NS
    clock.ns = 2 * NS - 1
    r.tick()
    assert r.read(pl031.RIS, 4) == 0 and levels == [0]
    clock.ns = 2 * NS
    r.tick()                                     # TRM 3.3.6: RIS when DR == MR
    assert r.read(pl031.RIS, 4) == 1 and r.read(pl031.MIS, 4) == 1 and levels == [0, 1]
    assert r.deadline_ns() is None
    r.write(pl031.ICR, 4, 1)                     # TRM 3.3.8: write 1 clears
    assert r.read(pl031.RIS, 4) == 0 and levels == [0, 1, 0]


def test_alarm_seen_by_polling_reads(rtc):
    r, clock, _ = rtc
    r.write(pl031.MR, 4, 946684801)
    clock.ns = NS
    assert r.read(pl031.RIS, 4) == 1             # evaluated on the read, no tick() needed


def test_masked_alarm_and_match_now(rtc):
    r, clock, levels = rtc
    r.write(pl031.MR, 4, 946684800)              # QEMU pl031_set_alarm: ticks == 0 -> now
    assert r.read(pl031.RIS, 4) == 1 and r.read(pl031.MIS, 4) == 0 and levels == [0]
    r.write(pl031.IMSC, 4, 1)
    assert levels == [0, 1]


def test_past_match_waits_for_wrap(rtc):
    r, clock, _ = rtc
    r.write(pl031.MR, 4, 5)                      # behind the count: 2^32 - n seconds ahead
    assert r.deadline_ns() == ((5 - 946684800) & 0xFFFFFFFF) * NS


def test_reset_keeps_time(rtc):
    r, clock, _ = rtc
    r.write(pl031.LR, 4, 77)
    r.write(pl031.MR, 4, 80)
    r.reset()
    assert r.read(pl031.MR, 4) == 0 and r.read(pl031.DR, 4) == 77   # a reset stops no clock


# ---- guest under -icount -------------------------------------------------------------

RTC_EXPECTED = (b"dr=946684800 cr=1 ris=0\n"     # 2000-01-01T00:00:00Z; CR=1; no alarm
                b"id: 31 10 14 0\n"              # TRM 3.3.9 PeriphID0-3
                b"loaded: dr=1000 lr=1000\n"     # TRM 3.3.3
                b"ticked: 1\n"
                b"armed: ris=0\n"
                b"alarm: dr-mr=0 mis=1\n"        # TRM 3.3.6: raised when DR == MR
                b"cleared: ris=0 mis=0\n"
                b"match now: ris=1\n")

needs_gcc = pytest.mark.skipif(shutil.which(guestlib.CROSS + "gcc") is None,
                               reason="no arm-none-eabi-gcc")


@needs_gcc
def test_guest_rtc_under_icount():
    from runtime import chardev
    from tcg.emulator import virt_emulator
    out = chardev.BufferBackend()
    emu = virt_emulator(128 << 20, uart_out=out, icount_shift=10)
    emu.board.load(str(guestlib.build_sysguest("dev_rtc")))
    reason = emu.board.run(20_000_000)
    assert reason.kind == "shutdown", (reason, bytes(out.output))
    assert bytes(out.output) == RTC_EXPECTED


@pytest.mark.qemu
@needs_gcc
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm is not installed")
def test_guest_rtc_on_qemu():
    elf = guestlib.build_sysguest("dev_rtc")
    out, status, _ = guestlib.run_command(
        [guestlib.QEMU, *guestlib.QEMU_ARGS, "-icount", "shift=10",
         "-rtc", "base=2000-01-01T00:00:00,clock=vm", "-kernel", str(elf)], 60)
    assert out == RTC_EXPECTED and status == 0
