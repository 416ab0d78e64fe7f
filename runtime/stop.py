"""Why a run stopped: what Emulator.run / step_block and the boards return.

kind: "count" (instruction budget), "stop" (stop requested), "halt" (WFI
with nothing to wake the CPU, or CPU_OFF), "shutdown" (exit_code: the
guest's), "quit" (the user quit at the console: mon:stdio's Ctrl-A x),
"error" (the run cannot go on), "breakpoint" / "watchpoint" (a debugger's,
tcg/emulator.py: pc is the instruction that did not run yet), "kill" (the
debugger killed the guest).  Defined in runtime/ so that
boards, firmware and semihosting can build one without the engine.
"""

from collections import namedtuple

StopReason = namedtuple("StopReason", "kind exit_code pc icount")
StopReason.__new__.__defaults__ = (None, 0, 0)
