"""The generic timer's outputs (ARM ARM DDI 0406C B8.1.5 "Timers").

The registers are cp15 rows (runtime/cp15.py GENERIC_TIMER) whose state
lives in CPUARMState and whose reads are computed in C; this object owns
the interrupt outputs the board wires to the GIC's PPIs and keeps their
levels and deadlines up to date:

    ISTATUS = ENABLE && count >= CVAL      (count: CNTPCT, or CNTVCT for the virtual timer)
    output  = ISTATUS && !IMASK            (level-sensitive)

It runs only when the clock serves it: after a guest write to CTL/CVAL/TVAL
(EXIT_REQ_CLOCK) and at the deadline where count reaches CVAL.  No Security
or Virtualization Extensions: the secure-physical and hyp timers do not
exist, so only the two outputs below.
"""

from runtime import core
from runtime.clock import NS_PER_TICK
from runtime.devices.base import IRQLine

CTL_ENABLE, CTL_IMASK = 1, 2
PHYS, VIRT = 0, 1      # irq[PHYS] -> virt PPI 14 (INTID 30), irq[VIRT] -> PPI 11 (INTID 27):
                       # runtime/boards/virt_map.py PPI_TIMER_PHYS / PPI_TIMER_VIRT
NAMES = {PHYS: "phys", VIRT: "virt"}


class GenericTimer:
    def __init__(self, cpu, clock):
        self.cpu = cpu
        self.clock = clock
        self.irq = {t: IRQLine("gtimer.%s" % NAMES[t]) for t in (PHYS, VIRT)}
        clock.on_service.append(self.update)

    @property
    def phys_irq(self):
        return self.irq[PHYS]

    @property
    def virt_irq(self):
        return self.irq[VIRT]

    def istatus(self, t):
        ctl, cval, count, _ = core.gt_state(self.cpu, t)
        return bool(ctl & CTL_ENABLE) and count >= cval

    def update(self):
        """Outputs from the registers now; a deadline where a timer will fire."""
        for t, line in self.irq.items():
            ctl, cval, count, pcount = core.gt_state(self.cpu, t)
            enabled = bool(ctl & CTL_ENABLE)
            line.set(enabled and count >= cval and not ctl & CTL_IMASK)
            key = ("gtimer", t)
            if enabled and count < cval:
                # the physical count at which this view reaches CVAL, in ns
                due = (pcount + (cval - count)) * NS_PER_TICK
                self.clock.set_deadline(key, due, self.update)
            else:
                self.clock.cancel(key)
