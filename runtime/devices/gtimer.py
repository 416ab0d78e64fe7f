"""The generic timer's outputs (ARM ARM DDI 0406C B8.1.5 "Timers").

The registers are cp15 rows (runtime/cp15.py GENERIC_TIMER) whose state
lives in CPUARMState; reads, writes, the outputs and the deadline are all
C (runtime/timer_fns.pxi):

    ISTATUS = ENABLE && count >= CVAL      (count: CNTPCT, or CNTVCT for the virtual timer)
    output  = ISTATUS && !IMASK            (level-sensitive)

A guest write to CTL/CVAL/TVAL re-evaluates the outputs and re-arms the
CPU's timer deadline in C; the exec loop serves the deadline in C too
(EXIT_REQ_TIMER from the host alarm, or the instruction count under
-icount).  An output connected to a GIC input (gic.ppi_input) is driven
from C; one connected to any other sink is driven from here, on the
clock's service (C asks for it with EXIT_REQ_CLOCK when the level
changes).  No Security or Virtualization Extensions: the secure-physical
and hyp timers (PPIs 13 and 10 in the device tree) do not exist, so only
the two outputs below.
"""

from runtime import core

PHYS, VIRT = 0, 1      # irq[PHYS] -> virt PPI 14 (INTID 30), irq[VIRT] -> PPI 11 (INTID 27):
                       # runtime/boards/virt_map.py PPI_TIMER_PHYS / PPI_TIMER_VIRT
NAMES = {PHYS: "phys", VIRT: "virt"}


class TimerOutput:
    """One timer's interrupt output (IRQLine's connect/level)."""

    __slots__ = ("cpu", "t", "name", "_sink", "_level")

    def __init__(self, cpu, t):
        self.cpu, self.t = cpu, t
        self.name = "gtimer.%s" % NAMES[t]
        self._sink = None
        self._level = 0

    @property
    def level(self):
        return core.gt_output(self.cpu, self.t)

    def connect(self, sink):
        """A GIC input (core.GICInput) is driven from C from now on; any
        other sink(level) from Python (called now and on every change)."""
        if isinstance(sink, core.GICInput):
            self._sink = None
            core.gt_connect(self.cpu, self.t, sink)
            return
        core.gt_connect(self.cpu, self.t, None)
        self._sink = sink
        self._level = self.level
        sink(self._level)

    def sync(self):
        if self._sink is not None and self.level != self._level:
            self._level = self.level
            self._sink(self._level)


class GenericTimer:
    def __init__(self, cpu, clock):
        self.cpu = cpu
        self.clock = clock
        self.irq = {t: TimerOutput(cpu, t) for t in (PHYS, VIRT)}
        clock.on_service.append(self.update)

    @property
    def phys_irq(self):
        return self.irq[PHYS]

    @property
    def virt_irq(self):
        return self.irq[VIRT]

    def istatus(self, t):
        ctl, cval, count, _ = core.gt_state(self.cpu, t)
        return bool(ctl & 1) and count >= cval

    def update(self):
        """Outputs and the deadline from the registers now (C), then the
        Python-driven lines."""
        core.gt_serve(self.cpu)
        for line in self.irq.values():
            line.sync()
