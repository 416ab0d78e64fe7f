"""Debian's u-boot (package u-boot-qemu, qemu_arm/u-boot.bin) on `-M virt
-bios`: to its prompt, answering commands, powering off.

u-boot runs from the first flash bank at 0 and finds the board in the
device tree at the RAM base; `virtio scan` walks the 32 virtio-mmio slots.
The tests type at the console as a user would (tests/console.py).
"""

import sys

import pytest

from tests import linuxlib
from tests.console import Console
from tests.guestlib import have_qemu

pytestmark = pytest.mark.slow

PROMPT = b"=> "
TIMEOUT = 300


@pytest.fixture(scope="module")
def uboot():
    try:
        return linuxlib.uboot_qemu_arm()
    except linuxlib.Unavailable as e:
        pytest.skip("Debian's archive cannot be used here: %s" % e)


def start(cmd):
    con = Console(cmd, cwd=linuxlib.HERE.parent)
    con.send("\n")                          # stop the autoboot countdown
    return con


def armtcg_cmd(uboot, engine, *extra):
    return [sys.executable, "-m", "tcg.cli", "-M", "virt", "-cpu", "cortex-a15", "-m", "256M",
            "-nographic", "-bios", str(uboot), "--engine", engine, *extra]


def qemu_cmd(uboot, *extra):
    return ["qemu-system-arm", "-M", "virt", "-cpu", "cortex-a15", "-m", "256M",
            "-nographic", "-bios", str(uboot), *extra]


def session(con):
    """The commands the issue names; returns {command: output}."""
    con.expect(PROMPT, 0, TIMEOUT)
    out = {}
    for cmd in ("version", "fdt addr $fdtcontroladdr", "fdt print /psci",
                "virtio scan", "virtio info"):
        out[cmd] = con.command(cmd, PROMPT, TIMEOUT).replace(b"\r", b"")
    con.send("poweroff\n")
    return out


@pytest.mark.parametrize("engine", ["auto", "interp"])
def test_uboot_prompt_commands_and_poweroff(uboot, engine):
    con = start(armtcg_cmd(uboot, engine))
    try:
        out = session(con)
        status = con.wait(TIMEOUT)
    finally:
        con.close()
    assert status == 0, bytes(con.output[-2000:])
    assert b"U-Boot 2023.01" in out["version"]
    # the psci node as QEMU's virt describes it (method hvc, PSCI 1.0 compatible)
    assert b'method = "hvc";' in out["fdt print /psci"]
    assert b"arm,psci-1.0" in out["fdt print /psci"]
    assert b"cpu_on = <0x84000003>;" in out["fdt print /psci"]


@pytest.mark.qemu
@pytest.mark.skipif(not have_qemu(), reason="qemu-system-arm missing")
def test_uboot_answers_as_under_qemu(uboot, tmp_path):
    disk = tmp_path / "disk.img"
    disk.write_bytes(bytes(1 << 20))
    drive = ["-drive", "file=%s,format=raw,if=none,id=d0" % disk,
             "-device", "virtio-blk-device,drive=d0"]
    results = []
    for cmd in (armtcg_cmd(uboot, "auto", *drive), qemu_cmd(uboot, *drive)):
        con = start(cmd)
        try:
            results.append(session(con))
            assert con.wait(TIMEOUT) == 0
        finally:
            con.close()
    ours, theirs = results
    for cmd in ("version", "fdt print /psci", "virtio info"):
        assert ours[cmd] == theirs[cmd], cmd
    assert b"Device 0: QEMU VirtIO Block Device" in ours["virtio info"]
    assert b"Capacity: 1.0 MB = 0.0 GB (2048 x 512)" in ours["virtio info"]
