"""What every board shares: its configuration, machine properties, the
registry every command looks boards up in, and the run loop with the
board's power requests.

A board is built around an emulator it is given (the CPU/memory facade of
tcg.emulator, duck-typed: map_ram, map_mmio, mem_write, reg_write, run,
step_block, request_stop, cpu) -- runtime never builds one itself.
"""

from collections import namedtuple
from dataclasses import dataclass, field

from runtime.semihosting import _stop_reason

BOARDS = {}   # name -> board class


def register(cls):
    BOARDS[cls.NAME] = cls
    return cls


class BoardError(Exception):
    """A configuration the board cannot build: one clear line."""


def board_class(name):
    try:
        return BOARDS[name]
    except KeyError:
        raise BoardError("unknown machine '%s' (supported: %s; -M help lists them)"
                         % (name, ", ".join(sorted(BOARDS)))) from None


# A machine property: how to parse its value, its default, what it means.
Prop = namedtuple("Prop", "parse default help")

_BOOL_WORDS = {"on": True, "yes": True, "true": True, "off": False, "no": False,
               "false": False}


def parse_bool(name, text):
    try:
        return _BOOL_WORDS[text.lower()]
    except KeyError:
        raise BoardError("machine property %s=%s: expected on or off" % (name, text)) from None


def parse_machine_spec(spec, properties):
    """'virt,highmem=off,dumpdtb=F' -> ('virt', {prop: value}); every
    property must be one the board has (QEMU refuses unknown ones too)."""
    parts = spec.split(",")
    name, values = parts[0], {}
    for part in parts[1:]:
        if not part:
            continue
        key, eq, text = part.partition("=")
        if key not in properties:
            raise BoardError("machine '%s' has no property '%s' (it has: %s)"
                             % (name, key, ", ".join(sorted(properties)) or "none"))
        if not eq:
            text = "on"
        values[key] = properties[key].parse(key, text)
    for key, prop in properties.items():
        values.setdefault(key, prop.default)
    return name, values


@dataclass
class MachineConfig:
    """Everything the command line says about the machine."""
    ram_size: int = 128 << 20
    smp: int = 1
    kernel: str = None
    initrd: str = None
    append: str = None
    dtb: str = None
    bios: str = None
    no_reboot: bool = False
    semihosting: bool = False
    properties: dict = field(default_factory=dict)
    drives: list = field(default_factory=list)       # -drive option strings
    devices: list = field(default_factory=list)      # -device option strings
    snapshot: bool = False                           # -snapshot: disks untouched
    globals: list = field(default_factory=list)      # -global driver.prop=value
    chardevs: dict = field(default_factory=dict)     # chardev id -> output stream
    serial: object = None        # a chardev backend (runtime/chardev.py) or a byte stream
    semihost_out: object = None
    semihost_err: object = None


class Board:
    """Base of the boards: power requests (shutdown/reset/halt from PSCI or
    semihosting) turned into StopReasons around emu.run()."""

    NAME = None
    DESCRIPTION = ""
    PROPERTIES = {}

    def __init__(self, emu, config):
        self.emu = emu
        self.config = config
        self.no_reboot = config.no_reboot
        # a config built in code may leave properties out: their defaults
        for key, prop in self.PROPERTIES.items():
            config.properties.setdefault(key, prop.default)
        self._pending = None     # ('shutdown', code) | ('reset',) | ('halt',)

    # ---- requests from firmware (called inside emu.run)
    def shutdown(self, exit_code):
        self._pending = ("shutdown", exit_code)
        self.emu.request_stop()

    def reset(self):
        if self.no_reboot:
            self.shutdown(0)
        else:
            self._pending = ("reset",)
            self.emu.request_stop()

    def halt(self):
        self._pending = ("halt",)
        self.emu.request_stop()

    def reboot(self):
        """A SYSTEM_RESET: the whole machine back to reset, images reloaded."""
        raise NotImplementedError

    # ---- running
    def run(self, count=None):
        """emu.run() with the board's requests applied: SYSTEM_OFF becomes
        StopReason('shutdown', 0), SYSTEM_RESET reboots (or shuts down with
        no_reboot), CPU_OFF of the last CPU becomes 'halt'."""
        emu = self.emu
        start = emu.icount
        while True:
            left = None if count is None else count - (emu.icount - start)
            if left is not None and left <= 0:     # the budget ran out across a reboot
                return _stop_reason("count", None, emu.reg_read("pc"), emu.icount)
            reason = emu.run(left)
            if self.serve_events(reason):
                continue
            reason = self._apply_pending(reason)
            if reason is not None:
                return reason

    def step_block(self):
        """One translation block with the board's requests applied; None
        while the guest keeps running."""
        reason = self.emu.step_block()
        if reason is None or self.serve_events(reason):
            return None
        return self._apply_pending(reason)

    def serve_events(self, reason):
        """Host events that stopped the exec loop (console input, timers):
        serve them; True when the guest should simply go on running."""
        return False

    def _apply_pending(self, reason):
        pending, self._pending = self._pending, None
        if pending is None or reason.kind not in ("stop", "shutdown", "halt"):
            return reason
        if pending[0] == "reset":
            self.reboot()
            return None
        if pending[0] == "shutdown":
            return _stop_reason("shutdown", pending[1], reason.pc, reason.icount)
        return _stop_reason("halt", None, reason.pc, reason.icount)
