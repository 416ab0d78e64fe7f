"""QEMU 7.2's `virt` board for a Cortex-A15 (`qemu-system-arm -M virt
-cpu cortex-a15`), as far as firmware and a Linux kernel can tell.

The memory and interrupt maps are the data of runtime/boards/virt_map.py;
this file builds the devices at those addresses, wires their interrupt
lines, describes them in the device tree (node for node as QEMU's
hw/arm/virt.c does, so that Linux probes them in the same order) and boots
images through runtime/boot.py.

PCIe: QEMU's generic ECAM host (runtime/devices/gpex.py) with nothing
plugged in (QEMU's -nodefaults).  highmem=on (the default, as QEMU) puts
ECAM and a 64-bit MMIO window above 4 GiB in the device tree; this
emulator's physical bus is 32-bit, so those two are described but not
mapped (a non-LPAE kernel cannot address them: Linux's probe fails there,
on QEMU too).  ECAM is below 4 GiB with highmem=off, or when firmware is
loaded (QEMU 7.2 machvirt_init: highmem_ecam &= !firmware_loaded || aarch64).

Not modelled: the platform bus's dynamic devices.
"""

import os
import random
import sys

from runtime import boot, fdt, memsize
from runtime.abi import CPSR_T
from runtime.boards import virt_map
from runtime.boards.base import Board, BoardError, MachineConfig, Prop, parse_bool, register
from runtime.boards.virt_map import BY_NAME as MAP, IRQMAP
from runtime.fdt import Cells, Node, reg_cells
from runtime.loader import LoaderError, SymbolTable, is_elf, read_head, read_image
from runtime.chardev import SerialInput
from runtime.devices.fw_cfg import FwCfg
from runtime.devices.gicv2 import GICv2
from runtime.devices.gicv2m import GICv2m
from runtime.devices.gpex import GpexEcam, UnassignedWindow
from runtime.devices.pflash import FlashError, PFlash, load_bios, map_pflash, open_drive
from runtime.devices.pflash import parse_drive as parse_pflash_drive
from runtime.devices.pl011 import PL011
from runtime.devices.pl031 import PL031
from runtime.devices.pl061 import PL061
from runtime.devices.virtio_mmio import FORCE_LEGACY_DEFAULT, parse_virtio_global
from runtime.devices.virtio_rng import deterministic_source
from runtime.devices.virtio_setup import setup_virtio
from runtime.psci import PSCI
from runtime.semihosting import Semihosting

RAM_BASE = MAP["ram"].base
MAX_RAM_SIZE = MAP["ram"].size                  # 3 GiB: RAM must end below 4 GiB
RESET_CPSR = 0x400001D3                         # SVC, A I F masked, Z (as QEMU)

# Wall-clock time a guest sees at start-up under -icount (2000-01-01), so
# that runs are reproducible; QEMU's -rtc base plays this role.
ICOUNT_EPOCH = 946684800

# Device-tree interrupt specifiers (GIC binding: type, number, flags)
GIC_SPI, GIC_PPI = 0, 1
GIC_SPI_BASE = 32           # INTID of SPI 0
IRQ_EDGE_RISING, IRQ_LEVEL_HIGH = 1, 4
APB_CLOCK_HZ = 24000000
PHANDLE_CLOCK, PHANDLE_CPU0, PHANDLE_GIC, PHANDLE_V2M, PHANDLE_GPIO = (
    0x8000, 0x8001, 0x8002, 0x8003, 0x8004)
PSCI_FUNCTIONS = (("migrate", 0x84000005), ("cpu_on", 0x84000003),
                  ("cpu_off", 0x84000002), ("cpu_suspend", 0x84000001))
KEY_POWER = 116
GPIO_POWER_KEY = 3


def _only_off(name, text):
    if parse_bool(name, text):
        raise BoardError("%s=on is not available on this board (32-bit physical bus, no EL3)"
                         % name)
    return False


class _ClockServedWrites:
    """A device whose guest writes may move a guest-time deadline (PL031's
    match, PL061's key): each write asks for a clock service at the next
    block, which re-posts the deadlines (timer ticks no longer pass through
    Python, so nothing else would)."""

    def __init__(self, device, clock):
        self.device, self.clock = device, clock

    def read(self, offset, size):
        return self.device.read(offset, size)

    def write(self, offset, size, value):
        self.device.write(offset, size, value)
        self.clock.request_service()


def _parse_gic_version(name, text):
    if text not in ("2", "host", "max"):
        raise BoardError("gic-version=%s: this board has a GICv2 only (gic-version=2)" % text)
    return 2


@register
class VirtBoard(Board):
    NAME = "virt"
    DESCRIPTION = "QEMU 7.2 virt board (Cortex-A15, GICv2, PL011, PL031, PL061, " \
                  "flash, virtio-mmio, PSCI)"
    PROPERTIES = {
        "highmem": Prop(parse_bool, True,
                        "PCIe ECAM and 64-bit MMIO above 4 GiB (described in the DT; "
                        "the 32-bit physical bus cannot map them)"),
        "virtualization": Prop(parse_bool, False,
                               "GIC virtualization interfaces (GICH/GICV) and their DT entries"),
        "gic-version": Prop(_parse_gic_version, 2, "GIC version (2)"),
        "dumpdtb": Prop(lambda name, text: text, None, "write the device tree to FILE and exit"),
        "secure": Prop(_only_off, False, "EL3/TrustZone (not available: off)"),
    }

    def __init__(self, emu, config):
        super().__init__(emu, config)
        self.ram_size = config.ram_size
        self.image = None
        self.dtb = None
        # the DTB's rng-seed/kaslr-seed: fixed under -icount, so that runs
        # (and armtcg compare's two machines) are bit-identical
        self._random = random.Random(0).randbytes if emu.icount_shift is not None else os.urandom
        self._build_memory()
        self._build_devices()
        self.psci = PSCI(self)
        emu.hvc_handler = self.psci.handle
        emu.smc_handler = self.psci.handle
        self.semihosting = self._build_semihosting()
        emu.board = self

    # ---- construction
    def _build_memory(self):
        self.emu.map_ram(RAM_BASE, self.ram_size)

    def _build_devices(self):
        cfg, emu = self.config, self.emu
        self._build_gic()
        self._build_flash()
        self.uart = self._map(PL011(cfg.serial), "uart")
        self.serial = SerialInput(emu, self.uart, cfg.serial)
        self.fw_cfg = self._map(FwCfg(emu.mem_read, emu.mem_write, cpus=cfg.smp), "fw_cfg")
        emu.clock.on_service.append(self._post_device_deadlines)
        epoch = ICOUNT_EPOCH if emu.icount_shift is not None else None
        self.rtc = self._map(PL031(emu.guest_time_ns, epoch), "rtc")
        self.gpio = self._map(PL061(emu.guest_time_ns), "gpio")
        self._build_pcie()
        drives = [d for d in cfg.drives if parse_pflash_drive(d) is None]
        try:
            self.virtio = setup_virtio(emu, drives, cfg.devices, cfg.snapshot,
                                       spi_sink=self.spi_input, chardevs=cfg.chardevs,
                                       force_legacy=self._force_legacy(),
                                       rng_source=self._rng_source())
        except ValueError as e:
            raise BoardError(str(e)) from None

    def _force_legacy(self):
        """-global virtio-mmio.force-legacy=on|off (QEMU 7.2's default: on)."""
        legacy = FORCE_LEGACY_DEFAULT
        for text in self.config.globals:
            value = parse_virtio_global(text)
            if value is None:
                raise BoardError("-global %s: no such property on this board" % text)
            legacy = value
        return legacy

    def _rng_source(self):
        """virtio-rng's entropy: the host's, or a fixed sequence under
        -icount so that runs repeat."""
        return deterministic_source(0) if self.emu.icount_shift is not None else None

    def _map(self, device, name, irq=True):
        """Map a device at its memory-map slot and wire its interrupt."""
        region = MAP[name]
        mapped = _ClockServedWrites(device, self.emu.clock) \
            if hasattr(device, "deadline_ns") else device
        self.emu.map_mmio(region.base, device.SIZE, device=mapped)
        if irq and name in IRQMAP:
            device.intr.connect(self.spi_input(IRQMAP[name]))
        return device

    def _build_flash(self):
        """Two CFI banks: -bios in the first, -drive if=pflash in the second
        (a drive without unit= takes the first free bank, as QEMU)."""
        cfg = self.config
        self.flash = [PFlash(name="flash0"), PFlash(name="flash1")]
        free = [1] if cfg.bios is not None else [0, 1]
        try:
            if cfg.bios is not None:
                load_bios(self.flash[0], cfg.bios)
            for spec in cfg.drives:
                drive = parse_pflash_drive(spec)
                if drive is None:
                    continue
                unit, path, readonly = drive
                unit = free[0] if unit is None and free else unit
                if unit not in free:
                    raise BoardError("-drive %s: flash bank %s is already in use" % (spec, unit))
                free.remove(unit)
                open_drive(self.flash[unit], path, readonly=readonly)
        except FlashError as e:
            raise BoardError(str(e)) from None
        for bank, name in zip(self.flash, ("flash0", "flash1")):
            map_pflash(self.emu, MAP[name].base, bank)
        self.firmware_loaded = cfg.bios is not None or 0 not in free

    def _build_pcie(self):
        """ECAM (below 4 GiB, or only in the DT above it) and the PCI
        windows, with no device behind them but the host bridge."""
        self.highmem_ecam = self.config.properties.get("highmem") and not self.firmware_loaded
        self.ecam = None
        if not self.highmem_ecam:
            self.ecam = GpexEcam(MAP["pcie_ecam"].size)
            self.emu.map_mmio(MAP["pcie_ecam"].base, self.ecam.SIZE, device=self.ecam)
        for name in ("pcie_mmio", "pcie_pio"):
            self.emu.map_mmio(MAP[name].base, MAP[name].size,
                              device=UnassignedWindow(MAP[name].size))

    def _build_gic(self):
        """The GICv2 (GICH/GICV only with virtualization=on), its v2m MSI
        frame, and the per-CPU interrupts: generic timer and PMU on PPIs."""
        emu, cfg = self.emu, self.config
        self.gic = GICv2(num_cpu=cfg.smp)
        for region, device in self.gic.mmio_views(cfg.properties.get("virtualization")):
            emu.map_mmio(MAP[region].base, device.SIZE, device=device)
        self.gic.connect_cpu(0, emu.cpu)
        self.v2m = GICv2m(self.gic)
        emu.map_mmio(MAP["gic_v2m"].base, self.v2m.SIZE, device=self.v2m)
        for line, ppi in ((emu.gtimer.phys_irq, virt_map.PPI_TIMER_PHYS),
                          (emu.gtimer.virt_irq, virt_map.PPI_TIMER_VIRT),
                          (emu.pmu.irq, virt_map.PPI_PMU)):
            line.connect(self.gic.ppi_input(0, ppi))

    def spi_input(self, spi):
        """The GIC input of shared peripheral interrupt `spi` (a level sink)."""
        return self.gic.input(GIC_SPI_BASE + spi)

    def _post_device_deadlines(self):
        """The RTC alarm and the power key's release are guest-time events:
        posted to the clock whenever it is served (after every guest write
        to the device, _ClockServedWrites, and at the start of every run)."""
        clock = self.emu.clock
        for key, device in (("pl031", self.rtc), ("pl061", self.gpio)):
            due = device.deadline_ns()
            if due is None:
                clock.cancel(key)
            else:
                clock.set_deadline(key, due, device.tick)

    def _build_semihosting(self):
        cfg, emu = self.config, self.emu
        if not cfg.semihosting:
            return None
        sh = Semihosting(stdout=cfg.semihost_out, stderr=cfg.semihost_err,
                         ram_base=RAM_BASE, ram_size=self.ram_size)
        emu.semihost_handler = sh.handle
        sh.clock_ns = emu.guest_time_ns
        if emu.icount_shift is not None:
            sh.epoch = ICOUNT_EPOCH
        return sh

    @property
    def ram_regions(self):
        return [(RAM_BASE, self.ram_size)]

    # ---- the device tree
    def device_tree(self, initrd=None):
        """The DTB of this board as built (QEMU's create_fdt and friends)."""
        return fdt.padded(fdt.build(virt_fdt(self, initrd)), fdt.GENERATED_DTB_SIZE)

    def chosen_props(self, initrd=None):
        cfg = self.config
        props = []
        if initrd is not None:
            props += [("linux,initrd-end", Cells(initrd[1])),
                      ("linux,initrd-start", Cells(initrd[0]))]
        if cfg.append is not None:
            props.append(("bootargs", cfg.append))
        props += [("stdout-path", "/pl011@%x" % MAP["uart"].base),
                  ("rng-seed", self._random(32)),
                  ("kaslr-seed", self._random(8))]
        return props

    def _dtb_for(self, initrd):
        cfg = self.config
        if cfg.dtb is None:
            return self.device_tree(initrd)
        data = read_image(cfg.dtb, fdt.MAX_DTB_SIZE, what="device tree")
        extra = [p for p in self.chosen_props(initrd)
                 if p[0] not in ("bootargs", "linux,initrd-start", "linux,initrd-end")]
        return fdt.patch(data, RAM_BASE, self.ram_size, bootargs=cfg.append, initrd=initrd,
                         extra_chosen=extra, what="-dtb '%s'" % cfg.dtb)

    # ---- images
    def load(self, path=None):
        """Load the configured images (or the ELF/kernel at path) and set
        the CPU up to boot them."""
        cfg = self.config
        if path is not None:
            cfg.kernel = path
        emu = self.emu
        if cfg.kernel is None and cfg.bios is not None:
            return self._boot_firmware()
        if cfg.kernel is None:
            raise LoaderError("no image given (use -kernel IMAGE or -bios FILE)")
        if is_elf(read_head(cfg.kernel, what="kernel image")):
            self.image = boot.load_bare_elf(cfg.kernel, emu.mem_write, self.ram_regions)
            if cfg.initrd is not None:
                raise LoaderError("-initrd needs a Linux kernel image, and '%s' is an ELF "
                                  "program" % cfg.kernel)
            self._start_cpu(self.image.entry, {})
        else:
            plan = boot.place_linux(cfg.kernel, RAM_BASE, self.ram_size, cfg.initrd,
                                    make_dtb=self._dtb_for)
            for addr, data in plan.loads:
                emu.mem_write(addr, data)
            self.dtb = plan.loads[-1][1]
            self.image = _LinuxImage(cfg.kernel, plan)
            self._start_cpu(plan.entry, plan.regs)
        if self.semihosting is not None:
            self.semihosting.image_end = self.image.end
            if not self.semihosting.cmdline:
                self.semihosting.cmdline = cfg.kernel
        return self.image

    def _boot_firmware(self):
        """-bios: the firmware (already in flash bank 0) starts at 0 out of
        reset; the DTB waits at the RAM base (QEMU's virt: the firmware
        finds it there)."""
        self.dtb = self._dtb_for(None)
        self.emu.mem_write(RAM_BASE, self.dtb)
        self.image = _FirmwareImage(self.config.bios, len(self.dtb))
        self._start_cpu(MAP["flash0"].base, {})
        return self.image

    def _start_cpu(self, entry, regs):
        emu = self.emu
        emu.reg_write("cpsr", RESET_CPSR | (CPSR_T if entry & 1 else 0))
        for r in range(15):
            emu.reg_write("r%d" % r, regs.get(r, 0))
        emu.reg_write("pc", entry & ~1)

    def serve_events(self, reason):
        if self.serial.service(reason):
            return True
        return False

    def run(self, count=None):
        reason = super().run(count)
        if reason.kind == "stop" and self.serial.quit_requested:
            return reason._replace(kind="quit")
        return reason

    def reboot(self):
        """SYSTEM_RESET: every device back to reset, the images reloaded."""
        self.emu.reset()     # CPU and system registers to reset, no translated code
        for device in (self.gic, self.uart, self.rtc, self.gpio, self.fw_cfg, *self.flash):
            device.reset()
        self.virtio.reset()
        self.load()


class _LinuxImage:
    """What load() reports for a Linux-protocol image (as LoadedImage does
    for ELF files)."""

    kind = "raw"

    def __init__(self, path, plan):
        self.path = path
        self.entry = plan.entry
        self.segments = [(addr, len(data)) for addr, data in plan.loads]
        self.end = max(a + n for a, n in self.segments)
        self.symbols = SymbolTable()
        self.plan = plan


class _FirmwareImage:
    """What load() reports for -bios."""

    kind = "bios"
    entry = 0

    def __init__(self, path, dtb_size):
        self.path = path
        self.segments = [(RAM_BASE, dtb_size)]
        self.end = RAM_BASE + dtb_size
        self.symbols = SymbolTable()


# ---- the device tree, node for node as QEMU 7.2 lays it out -------------------

def _irq(kind, number, flags):
    return (kind, number, flags)


def _interrupts(*specs):
    return Cells(*[c for spec in specs for c in spec])


def _reg(*pairs):
    return reg_cells(2, 2, *pairs)


def _primecell(name, compatible, clock_names, irq):
    region = MAP[name]
    return [("clock-names", clock_names),
            ("clocks", Cells(*[PHANDLE_CLOCK] * len(clock_names))),
            ("interrupts", _interrupts(_irq(GIC_SPI, irq, IRQ_LEVEL_HIGH))),
            ("reg", _reg((region.base, region.size))),
            ("compatible", [compatible, "arm,primecell"])]


def _pcie_node(board):
    """QEMU 7.2 create_pcie(): a generic ECAM host, INTx swizzled onto SPIs
    3..6 (slot + pin - 1, mod 4), MSIs through the v2m frame."""
    highmem = board.config.properties.get("highmem")
    ecam = MAP["pcie_ecam_high" if board.highmem_ecam else "pcie_ecam"]
    pio, mmio, mmio_high = MAP["pcie_pio"], MAP["pcie_mmio"], MAP["pcie_mmio_high"]
    # ranges: (PCI space + address (3 cells), CPU address (2), size (2))
    ranges = [0x01000000, 0, 0, *_cells64(pio.base), *_cells64(pio.size),
              0x02000000, 0, mmio.base, *_cells64(mmio.base), *_cells64(mmio.size)]
    if highmem:
        ranges += [0x03000000, *_cells64(mmio_high.base), *_cells64(mmio_high.base),
                   *_cells64(mmio_high.size)]
    imap = []
    for slot in range(virt_map.PCIE_INTX):
        for pin in range(1, virt_map.PCIE_INTX + 1):
            spi = IRQMAP["pcie"] + (slot + pin - 1) % virt_map.PCIE_INTX
            imap += [slot << 11, 0, 0, pin, PHANDLE_GIC, 0, 0, GIC_SPI, spi, IRQ_LEVEL_HIGH]
    buses = ecam.size // virt_map.ECAM_BUS_SIZE
    return Node("pcie@%x" % mmio.base, [
        ("interrupt-map-mask", Cells(0x1800, 0, 0, 7)),
        ("interrupt-map", Cells(*imap)),
        ("#interrupt-cells", Cells(1)),
        ("ranges", Cells(*ranges)),
        ("reg", _reg((ecam.base, ecam.size))),
        ("msi-map", Cells(0, PHANDLE_V2M, 0, 0x10000)),
        ("dma-coherent", True),
        ("bus-range", Cells(0, buses - 1)),
        ("linux,pci-domain", Cells(0)),
        ("#size-cells", Cells(2)), ("#address-cells", Cells(3)),
        ("device_type", "pci"), ("compatible", "pci-host-ecam-generic")])


def _cells64(value):
    return (value >> 32, value & 0xFFFFFFFF)


def virt_fdt(board, initrd=None):
    cfg = board.config
    ncpus = cfg.smp
    ppi_flags = (((1 << ncpus) - 1) << 8) | IRQ_LEVEL_HIGH
    virtio = []
    for i in range(virt_map.NUM_VIRTIO_TRANSPORTS):
        base = MAP["mmio"].base + i * virt_map.VIRTIO_STRIDE
        virtio.append(Node("virtio_mmio@%x" % base, [
            ("dma-coherent", True),
            ("interrupts", _interrupts(_irq(GIC_SPI, IRQMAP["mmio"] + i, IRQ_EDGE_RISING))),
            ("reg", _reg((base, virt_map.VIRTIO_STRIDE))),
            ("compatible", "virtio,mmio")]))
    gic_regs = [(MAP["gic_dist"].base, MAP["gic_dist"].size),
                (MAP["gic_cpu"].base, MAP["gic_cpu"].size)]
    gic_props = []
    if cfg.properties.get("virtualization"):
        gic_regs += [(MAP["gic_hyp"].base, MAP["gic_hyp"].size),
                     (MAP["gic_vcpu"].base, MAP["gic_vcpu"].size)]
        gic_props = [("interrupts", _interrupts(
            _irq(GIC_PPI, virt_map.PPI_GIC_MAINT, ppi_flags)))]
    flash0, flash1 = MAP["flash0"], MAP["flash1"]
    cpus = [Node("cpu-map", children=[Node("socket0", children=[Node("cluster0", children=[
        Node("core%d" % i, [("cpu", Cells(PHANDLE_CPU0 + i))]) for i in range(ncpus)])])])]
    for i in range(ncpus):
        props = [("phandle", Cells(PHANDLE_CPU0 + i)), ("reg", Cells(i)),
                 ("compatible", "arm,cortex-a15"), ("device_type", "cpu")]
        if ncpus > 1:
            props.insert(0, ("enable-method", "psci"))
        cpus.append(Node("cpu@%d" % i, props))
    timer_irqs = _interrupts(*[_irq(GIC_PPI, ppi, ppi_flags) for ppi in (
        virt_map.PPI_TIMER_SECURE_PHYS, virt_map.PPI_TIMER_PHYS,
        virt_map.PPI_TIMER_VIRT, virt_map.PPI_TIMER_HYP)])
    v2m = MAP["gic_v2m"]
    gpio = MAP["gpio"]
    children = [
        Node("psci", [(name, Cells(fn)) for name, fn in PSCI_FUNCTIONS] + [
            ("method", "hvc"), ("compatible", ["arm,psci-1.0", "arm,psci-0.2", "arm,psci"])]),
        Node("memory@%x" % RAM_BASE, [("reg", _reg((RAM_BASE, board.ram_size))),
                                      ("device_type", "memory")]),
        Node("platform-bus@c000000", [
            ("interrupt-parent", Cells(PHANDLE_GIC)),
            ("ranges", Cells(0, 0, 0x0C000000, 0x02000000)),
            ("#address-cells", Cells(1)), ("#size-cells", Cells(1)),
            ("compatible", ["qemu,platform", "simple-bus"])]),
        Node("fw-cfg@%x" % MAP["fw_cfg"].base, [
            ("dma-coherent", True), ("reg", _reg((MAP["fw_cfg"].base, MAP["fw_cfg"].size))),
            ("compatible", "qemu,fw-cfg-mmio")]),
        *virtio,
        Node("gpio-keys", [("compatible", "gpio-keys")], [
            Node("poweroff", [("gpios", Cells(PHANDLE_GPIO, GPIO_POWER_KEY, 0)),
                              ("linux,code", Cells(KEY_POWER)),
                              ("label", "GPIO Key Poweroff")])]),
        Node("pl061@%x" % gpio.base, [("phandle", Cells(PHANDLE_GPIO)),
                                      ("clock-names", "apb_pclk"),
                                      ("clocks", Cells(PHANDLE_CLOCK)),
                                      ("interrupts", _interrupts(
                                          _irq(GIC_SPI, IRQMAP["gpio"], IRQ_LEVEL_HIGH))),
                                      ("gpio-controller", True),
                                      ("#gpio-cells", Cells(2)),
                                      ("compatible", ["arm,pl061", "arm,primecell"]),
                                      ("reg", _reg((gpio.base, gpio.size)))]),
        _pcie_node(board),
        Node("pl031@%x" % MAP["rtc"].base,
             _primecell("rtc", "arm,pl031", ["apb_pclk"], IRQMAP["rtc"])),
        Node("pl011@%x" % MAP["uart"].base,
             _primecell("uart", "arm,pl011", ["uartclk", "apb_pclk"], IRQMAP["uart"])),
        Node("pmu"),     # QEMU 7.2 gives an ARMv7 CPU an empty node (no PMU interrupt)
        Node("intc@%x" % MAP["gic_dist"].base, [
            ("phandle", Cells(PHANDLE_GIC)), ("reg", _reg(*gic_regs)),
            ("compatible", "arm,cortex-a15-gic"), ("ranges", True),
            ("#size-cells", Cells(2)), ("#address-cells", Cells(2)),
            ("interrupt-controller", True), ("#interrupt-cells", Cells(3)), *gic_props], [
            Node("v2m@%x" % v2m.base, [("phandle", Cells(PHANDLE_V2M)),
                                       ("reg", _reg((v2m.base, v2m.size))),
                                       ("msi-controller", True),
                                       ("compatible", "arm,gic-v2m-frame")])]),
        Node("flash@0", [("bank-width", Cells(4)),
                         ("reg", _reg((flash0.base, flash0.size), (flash1.base, flash1.size))),
                         ("compatible", "cfi-flash")]),
        Node("cpus", [("#size-cells", Cells(0)), ("#address-cells", Cells(1))], cpus),
        Node("timer", [("interrupts", timer_irqs), ("always-on", True),
                       ("compatible", "arm,armv7-timer")]),
        Node("apb-pclk", [("phandle", Cells(PHANDLE_CLOCK)),
                          ("clock-output-names", "clk24mhz"),
                          ("clock-frequency", Cells(APB_CLOCK_HZ)),
                          ("#clock-cells", Cells(0)), ("compatible", "fixed-clock")]),
        Node("chosen", board.chosen_props(initrd)),
    ]
    return Node("", [("interrupt-parent", Cells(PHANDLE_GIC)),
                     ("model", "linux,dummy-virt"), ("#size-cells", Cells(2)),
                     ("#address-cells", Cells(2)), ("compatible", "linux,dummy-virt")],
                children)


def parse_ram_size(text):
    """-m for this board: bytes, or ValueError naming the problem."""
    return memsize.parse_ram_size(text, MAX_RAM_SIZE)


def build_virt(ram_size, semihosting=False, uart_out=None, no_reboot=False,
               semihost_out=None, semihost_err=None, *, emu, **config):
    """Set the caller's Emulator up as QEMU's virt board (emu.board is the
    VirtBoard) and return it.  uart_out: a chardev backend or binary stream
    for the PL011 (default stdout); semihost_out / semihost_err: streams for
    semihosting handles 1/2; config: more MachineConfig fields (kernel,
    initrd, drives...).  tcg.emulator.virt_emulator builds the Emulator and
    the board in one call."""
    cfg = MachineConfig(ram_size=ram_size, semihosting=semihosting, no_reboot=no_reboot,
                        serial=uart_out if uart_out is not None else sys.stdout.buffer,
                        semihost_out=semihost_out, semihost_err=semihost_err, **config)
    VirtBoard(emu, cfg)
    return emu
