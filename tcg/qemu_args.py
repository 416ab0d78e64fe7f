"""QEMU's spelling of the machine options (`qemu-system-arm -M virt -cpu
cortex-a15 -m 256M -kernel ... -initrd ... -append ... -nographic`), so that
scripts written for qemu-system-arm run with armtcg in its place.

`add_machine_arguments(parser)` declares the options; `machine_config(args)`
turns them into a runtime.boards.base.MachineConfig (raising UsageError with
one clear line).  Options QEMU has and armtcg does not are refused by name
(QEMU_UNSUPPORTED), never ignored.
"""

import argparse

from runtime.boards.base import BOARDS, BoardError, MachineConfig, board_class, \
    parse_machine_spec
from runtime.boards.virt import MAX_RAM_SIZE
from runtime.devices.catalog import DEVICE_HELP
from runtime.memsize import parse_ram_size

VERSION = "0.1.0"
QEMU_COMPAT_VERSION = "7.2.0"
CPUS = {"cortex-a15": "ARM Cortex-A15 r4p0 (ARMv7-A with LPAE, generic timer)"}
MAX_SMP = 1          # more CPUs come with the SMP work
DEFAULT_RAM = "128M"
GDB_DEFAULT_PORT = 1234

# QEMU options armtcg does not have: refused by name.  (flag: takes a value)
QEMU_UNSUPPORTED = {
    "-netdev": True, "-net": True, "-nic": True, "-chardev": True, "-mon": True,
    "-monitor": True, "-qmp": True, "-vga": True, "-vnc": True, "-spice": True,
    "-usb": False, "-usbdevice": True, "-audiodev": True, "-soundhw": True,
    "-object": True, "-numa": True, "-fsdev": True, "-virtfs": True, "-pflash": True,
    "-sd": True, "-mtdblock": True, "-hda": True, "-hdb": True, "-cdrom": True,
    "-boot": True, "-rtc": True, "-k": True, "-name": True,
    "-uuid": True, "-overcommit": True, "-incoming": True, "-loadvm": True,
    "-daemonize": False, "-enable-kvm": False, "-L": True, "-option-rom": True,
    "-fw_cfg": True, "-smbios": True, "-trace": True, "-plugin": True,
    "-parallel": True, "-watchdog": True,
    "-watchdog-action": True, "-echr": True, "-readconfig": True, "-writeconfig": True,
    "-no-shutdown": False, "-action": True, "-semihosting-config": True,
    "-sandbox": True, "-msg": True, "-seed": True, "-run-with": True, "-mem-path": True,
    "-mem-prealloc": False, "-rtc-td-hack": False, "-singlestep": False,
    "-nodefconfig": False, "-no-user-config": False, "-dump-vmstate": True,
    "-icount-align": True, "-xen-domid": True, "-accel-kvm": False,
}
SUPPORTED_ACCEL = ("tcg",)


class UsageError(Exception):
    """A problem with the command line or the image: one line, exit 1."""


def flag(parser, *names, **kw):
    """An option under its QEMU spelling plus the double-dash form."""
    spellings = list(names)
    for n in names:
        if n.startswith("-") and not n.startswith("--") and len(n) > 2:
            spellings.append("-" + n)
    parser.add_argument(*spellings, **kw)


class _Refuse(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        raise UsageError("option %s (a QEMU option) is not supported by armtcg"
                         % option_string)


def add_machine_arguments(p):
    flag(p, "-M", "-machine", dest="machine", default="virt", metavar="MACHINE[,prop=value]",
          help="board and its properties, e.g. virt,virtualization=on ('help' lists them)")
    flag(p, "-cpu", dest="cpu", default="cortex-a15", metavar="CPU",
          help="CPU model (cortex-a15; 'help' lists them)")
    flag(p, "-smp", dest="smp", default="1", metavar="N", help="number of CPUs (1)")
    flag(p, "-m", dest="memory", default=DEFAULT_RAM, metavar="SIZE",
          help="RAM size: 128M, 1G, or a number of MiB (default %s, at most 3G)" % DEFAULT_RAM)
    flag(p, "-kernel", dest="kernel", metavar="IMAGE",
          help="ELF program, zImage, Image or uImage")
    flag(p, "-initrd", dest="initrd", metavar="FILE", help="initial RAM disk for Linux")
    flag(p, "-append", dest="append", metavar="CMDLINE", help="kernel command line")
    flag(p, "-dtb", dest="dtb", metavar="FILE",
          help="device tree to use instead of the generated one (/chosen, /memory patched)")
    flag(p, "-bios", dest="bios", metavar="FILE", help="firmware run from flash at 0 (u-boot.bin)")
    flag(p, "-drive", dest="drives", action="append", default=[], metavar="SPEC",
          help="file=disk.img,format=raw,if=none,id=d0 (or if=pflash for the second flash bank)")
    flag(p, "-device", dest="devices", action="append", default=[], metavar="SPEC",
          help="virtio-blk-device,drive=d0 | virtio-rng-device ('help' lists them)")
    flag(p, "-global", dest="globals", action="append", default=[], metavar="DRIVER.PROP=VALUE",
          help="device defaults: virtio-mmio.force-legacy=on|off (QEMU 7.2's default: on)")
    flag(p, "-snapshot", dest="snapshot", action="store_true",
          help="write disk changes to a temporary overlay, never to the files")
    flag(p, "-serial", dest="serial", default=None, metavar="DEV",
          help="UART: mon:stdio (default with -nographic), stdio, file:PATH or null")
    flag(p, "-nographic", dest="nographic", action="store_true",
          help="no display (there is none): the serial port and monitor keys on the terminal")
    flag(p, "-display", dest="display", metavar="none", help="only 'none'")
    flag(p, "-nodefaults", dest="nodefaults", action="store_true",
          help="no default devices (the UART is null unless -serial names one)")
    flag(p, "-accel", dest="accel", metavar="tcg", help="accelerator: tcg only")
    flag(p, "-no-reboot", dest="no_reboot", action="store_true",
          help="exit instead of rebooting when the guest asks for a reset")
    flag(p, "-semihosting", dest="semihosting", action="store_true",
          help="serve ARM semihosting calls (SVC 0x123456)")
    flag(p, "-gdb", dest="gdb", metavar="tcp:[HOST]:PORT",
          help="wait for a gdb connection on PORT (listening on 127.0.0.1 unless HOST is given)")
    p.add_argument("-s", dest="gdb_default", action="store_true",
                   help="shorthand for -gdb tcp::%d" % GDB_DEFAULT_PORT)
    p.add_argument("-S", dest="gdb_wait", action="store_true",
                   help="do not start the CPU before a debugger attached (with -s or -gdb)")
    for name, takes_value in QEMU_UNSUPPORTED.items():
        p.add_argument(name, action=_Refuse, nargs=1 if takes_value else 0,
                       help=argparse.SUPPRESS)


def print_help_lists(args, out):
    """The QEMU probes: -machine help, -cpu help, -device help.  True when
    one was answered (and nothing is to run)."""
    if args.machine in ("help", "?"):
        out.write("Supported machines are:\n")
        for name in sorted(BOARDS):
            out.write("%-20s %s\n" % (name, BOARDS[name].DESCRIPTION))
        return True
    if args.machine.endswith(",help") or args.machine.endswith(",?"):
        cls = board_class(args.machine.split(",")[0])
        out.write("%s options:\n" % cls.NAME)
        for key, prop in sorted(cls.PROPERTIES.items()):
            out.write("  %-16s %s (default %s)\n" % (key, prop.help, prop.default))
        return True
    if args.cpu in ("help", "?"):
        out.write("Available CPUs:\n")
        for name, text in CPUS.items():
            out.write("  %-14s %s\n" % (name, text))
        return True
    if any(d in ("help", "?") for d in args.devices):
        out.write("Devices:\n")
        for name, text in DEVICE_HELP.items():
            out.write('name "%s", bus virtio-bus, desc "%s"\n' % (name, text))
        return True
    return False


def _check_simple(args):
    if args.cpu not in CPUS:
        raise UsageError("unknown CPU model '%s' (have: %s; -cpu help lists them)"
                         % (args.cpu, ", ".join(CPUS)))
    try:
        smp = int(args.smp.split(",")[0].replace("cpus=", ""))
    except ValueError:
        raise UsageError("-smp %s: expected a number of CPUs" % args.smp) from None
    if not 1 <= smp <= MAX_SMP:
        raise UsageError("-smp %s: this build runs %d CPU (SMP comes later)" % (args.smp, MAX_SMP))
    if args.display is not None and args.display.split(",")[0] != "none":
        raise UsageError("-display %s: only '-display none' (armtcg has no display)"
                         % args.display)
    if args.accel is not None:
        accel = args.accel.split(",")[0].split(":")[0]
        if accel not in SUPPORTED_ACCEL:
            raise UsageError("-accel %s: armtcg is a TCG (only -accel tcg)" % args.accel)
    return smp


def machine_config(args, serial):
    """MachineConfig from the parsed options; serial is the UART backend."""
    smp = _check_simple(args)
    try:
        name, props = parse_machine_spec(args.machine, board_class(
            args.machine.split(",")[0]).PROPERTIES)
    except BoardError as e:
        raise UsageError(str(e)) from None
    try:
        ram_size = parse_ram_size(args.memory, MAX_RAM_SIZE)
    except ValueError as e:
        raise UsageError("-m %s: %s" % (args.memory, e)) from None
    if props.get("dumpdtb") is None and not (args.kernel or args.bios):
        raise UsageError("no image given (use -kernel IMAGE or -bios FILE)")
    if args.bios and args.kernel:
        raise UsageError("-bios together with -kernel is not supported: give one of them")
    for what in ("initrd", "append", "dtb"):
        if getattr(args, what) is not None and not args.kernel and props.get("dumpdtb") is None:
            raise UsageError("-%s needs -kernel" % what)
    return name, MachineConfig(
        ram_size=ram_size, smp=smp, kernel=args.kernel, initrd=args.initrd,
        append=args.append, dtb=args.dtb, bios=args.bios, no_reboot=args.no_reboot,
        semihosting=args.semihosting, properties=props, drives=list(args.drives),
        devices=list(args.devices), snapshot=args.snapshot, globals=list(args.globals),
        serial=serial)


def gdb_spec(args):
    """The gdbstub's (host, port), or None: -gdb tcp:[HOST]:PORT, or -s."""
    from_s = "tcp::%d" % GDB_DEFAULT_PORT if getattr(args, "gdb_default", False) else None
    spec = getattr(args, "gdb", None) or from_s
    if spec is None:
        if getattr(args, "gdb_wait", False):
            raise UsageError("-S waits for a debugger: give -s or -gdb tcp::PORT too")
        return None
    if spec in ("none",):
        return None
    kind, _, rest = spec.partition(":")
    host, sep, port = rest.rpartition(":")
    if kind != "tcp" or not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError("-gdb %s: expected tcp::PORT or tcp:HOST:PORT (PORT 0..65535)" % spec)
    return host.strip("[]") or "127.0.0.1", int(port)


def serial_spec(args):
    """The -serial to use: as given, else what QEMU would pick."""
    if args.serial is not None:
        return args.serial
    if args.nodefaults:
        return "null"
    return "mon:stdio" if args.nographic else "stdio"


def version_text():
    return ("armtcg version %s (command line of QEMU emulator version %s)\n"
            % (VERSION, QEMU_COMPAT_VERSION))
