"""The PMU's overflow interrupt (A15 TRM DDI 0438 11.x, ARM ARM C12.6).

The registers are cp15 rows (runtime/cp15.py PMU) with C functions in
runtime/pmu_fns.pxi.  This object owns the interrupt output the board
wires to the GIC (PPI 7, INTID 23 on QEMU virt: runtime/boards/virt_map.py
PPI_PMU):

    output = (PMOVSR & PMINTENSET) != 0

and posts an instruction-count deadline at the next overflow of a counting
counter, so the overflow is seen when it happens without counting per
instruction.  It runs when the clock serves it (after PMU writes, which
set EXIT_REQ_CLOCK, and at that deadline).
"""

from runtime import core
from runtime.devices.base import IRQLine

class PMU:
    def __init__(self, cpu, clock):
        self.cpu = cpu
        self.clock = clock
        self.irq = IRQLine("pmu")
        clock.on_service.append(self.update)

    # the state cp15 raw access does not carry (PMCR, the enable, overflow
    # and interrupt masks, PMSELR and PMUSERENR are raw cp15 rows)
    STATE = ("pmccntr", "pmevcntr", "pmevtyper", "pmccntr_frac")

    def reset(self):
        core.pmu_reset(self.cpu)
        self.update()

    def state(self):
        """The counters as of now: {name: value} for STATE."""
        return dict(zip(self.STATE, core.pmu_counters(self.cpu)))

    def restore(self, state):
        core.pmu_set_counters(self.cpu, state["pmccntr"], state["pmevcntr"],
                              state["pmevtyper"], state.get("pmccntr_frac", 0))
        self.update()

    def update(self):
        ovs, inten, left = core.pmu_sync(self.cpu)
        self.irq.set(ovs & inten)
        if left:
            self.clock.set_insn_deadline("pmu", self.cpu.icount + min(left), self.update)
        else:
            self.clock.cancel("pmu")
