"""The guest clock and time as deadlines.

One `Clock` per emulator.  Guest time (ns) is either host time since the
clock was made or, under `-icount shift=N`, `(icount << N) + bias`, where
the bias is the idle time WFI skipped: then every run is bit-identical under
every engine.  The count itself is read in C (runtime/timer_fns.pxi); this
module holds what the exec loop needs around it:

  - deadlines: `set_deadline(key, ns, callback)`, `cancel(key)`; and
    instruction-count deadlines (`set_insn_deadline`, the PMU's next
    overflow), which lower the budget under either clock.  A device
    (generic timer, PL031 RTC, virtio) posts the guest time at which it
    wants to be called.  The exec loop learns of a deadline without
    polling: under icount its instruction budget is lowered to it
    (`icount_limit()`), under host time an alarm thread sets the CPU's
    EXIT_REQ_CLOCK bit when it passes.
  - `service()`: what the exec loop calls when it stops for the clock
    (EXIT_REQ_CLOCK, or the lowered budget): the `on_service` callbacks
    (the timer re-reads its registers after a guest write) and then every
    deadline that is due.
  - the generic timer keeps its own deadline in C (runtime/timer_fns.pxi:
    the instruction budget under icount, a C alarm thread under host
    time; the exec loop serves it without Python); next_deadline()
    includes it, so WFI sleeps until it too.  A WFI whose next wake-up is
    the timer's (soon) is waited for in C (gt_idle); the C side knows this
    clock's earliest deadline for that (clock_set_py_deadline).
  - `idle()`: WFI with nothing pending.  Under host time the thread sleeps
    until the next deadline or `notify()` (an input event); under icount
    guest time jumps to the next deadline (QEMU's icount warp).  With no
    deadline and no input source nothing can ever wake the CPU: idle()
    returns False and the emulator stops with "halt".
"""

import threading
import time

from runtime import core

NS_PER_TICK = 16           # generic timer count: 62.5 MHz
STOP_POLL_S = 0.1          # idle sleep slices (a stop request is noticed within this)
REFIRE_S = 0.001           # alarm: re-raise the request until it is served,
REFIRE_MAX_S = 0.1         # backing off (the emulator may be stopped meanwhile)


class Clock:
    def __init__(self, cpu, icount_shift=None):
        self.cpu = cpu
        self.icount_shift = icount_shift
        # (no host time under icount: the state stays the same on every run)
        core.clock_setup(cpu, -1 if icount_shift is None else icount_shift,
                         time.monotonic_ns() if icount_shift is None else 0)
        self._deadlines = {}        # key -> (ns, callback)
        self._insn_deadlines = {}   # key -> (icount, callback)
        self.on_service = []        # fn() run on every service()
        self.input_sources = 0      # devices that may wake a WFI (UART input)
        self.wake_event = threading.Event()
        self._alarm = None          # _Alarm thread, under host time, made on first use

    # -- time
    def now_ns(self):
        return core.clock_now_ns(self.cpu)

    def count(self):
        """The generic timer's physical count (CNTPCT)."""
        return self.now_ns() // NS_PER_TICK

    # -- deadlines
    def set_deadline(self, key, ns, callback):
        """Call callback() once guest time reaches ns (replaces key's)."""
        self._deadlines[key] = (ns, callback)
        self._rearm()

    def cancel(self, key):
        if self._deadlines.pop(key, None) is not None:
            self._rearm()
        self._insn_deadlines.pop(key, None)

    def request_service(self):
        """Serve the clock at the next block (a device's deadline may have
        moved; any thread)."""
        core.clock_request(self.cpu)

    def set_insn_deadline(self, key, icount, callback):
        """Call callback() once the CPU has executed up to icount."""
        self._insn_deadlines[key] = (icount, callback)

    def next_deadline(self):
        """Earliest deadline in ns (the generic timer's included), or None."""
        own = self._next_own_deadline()
        timer = core.gt_deadline_ns(self.cpu)
        if own is None or timer is None:
            return timer if own is None else own
        return min(own, timer)

    def _next_own_deadline(self):
        """Earliest deadline set here (the timer's is served in C)."""
        return min((d[0] for d in self._deadlines.values()), default=None)

    def icount_limit(self):
        """The first instruction count at which a deadline has passed: the
        next instruction deadline, or under icount the next time deadline
        (None: none)."""
        insn = min((d[0] for d in self._insn_deadlines.values()), default=None)
        timed = self._time_icount_limit()
        if insn is None or timed is None:
            return timed if insn is None else insn
        return min(insn, timed)

    def _time_icount_limit(self):
        nxt = self._next_own_deadline()
        if nxt is None or self.icount_shift is None:
            return None
        bias = core.clock_now_ns(self.cpu) - (self.cpu.icount << self.icount_shift)
        left = nxt - bias
        if left <= 0:
            return 0
        return -(-left >> self.icount_shift)     # ceil(left / 2**shift)

    def service(self):
        """Run the on_service callbacks, then the due deadlines (a callback
        may post new ones)."""
        core.clock_take_request(self.cpu)
        for fn in self.on_service:
            fn()
        while True:
            now, icount = self.now_ns(), self.cpu.icount
            due = [(self._deadlines, k) for k, (ns, _) in self._deadlines.items() if ns <= now]
            due += [(self._insn_deadlines, k) for k, (n, _) in self._insn_deadlines.items()
                    if n <= icount]
            if not due:
                break
            for table, k in due:
                entry = table.pop(k, None)
                if entry is not None:
                    entry[1]()
        self._rearm()

    # -- idle (WFI)
    def add_input_source(self):
        """A device that can wake the CPU from outside (UART input, a
        virtio backend thread) registers here, so a WFI with nothing armed
        waits for it instead of halting; it calls the returned notify()
        when input arrives (after raising its interrupt line)."""
        self.input_sources += 1
        return self.notify

    def notify(self):
        """An input event (any thread): wake a WFI sleep."""
        self.wake_event.set()

    def idle(self):
        """WFI with nothing pending.  True once something may have changed
        (the caller resumes the guest), False if nothing can ever wake it."""
        nxt = self.next_deadline()
        if nxt is None and not self.input_sources:
            return False
        if self.icount_shift is not None and nxt is not None:
            now = self.now_ns()
            if nxt > now:
                core.clock_add_bias(self.cpu, nxt - now)
        else:
            self._sleep_until(nxt)
        self.service()
        return True

    def _sleep_until(self, nxt):
        # a stop request or an interrupt line raised by another thread
        # without notify() is seen within STOP_POLL_S
        while not self.cpu.exit_request & 2 and not core.clock_irq_pending(self.cpu):
            wait = STOP_POLL_S
            if nxt is not None:
                left = (nxt - self.now_ns()) / 1e9
                if left <= 0:
                    break
                wait = min(wait, left)
            if self.wake_event.wait(wait):
                break
        self.wake_event.clear()

    # -- snapshots
    def state(self):
        """What a snapshot keeps: under icount the skipped idle time (guest
        time is then a function of icount); under host time nothing (the
        restored guest's count continues from host time).  Deadlines are
        not kept: the devices re-post theirs from their registers."""
        return {"bias_ns": core.clock_now_ns(self.cpu) - (self.cpu.icount << self.icount_shift)
                if self.icount_shift is not None else 0}

    def restore(self, state):
        """After the CPU (icount, cp15) is loaded."""
        if self.icount_shift is not None:
            core.clock_setup(self.cpu, self.icount_shift, 0, state["bias_ns"])
        self._deadlines.clear()
        self._insn_deadlines.clear()
        self.service()

    # -- host-time alarm
    def _rearm(self):
        nxt = self._next_own_deadline()
        core.clock_set_py_deadline(self.cpu, nxt)
        if self.icount_shift is not None:
            return
        if nxt is None and self._alarm is None:
            return
        if self._alarm is None:
            self._alarm = _Alarm(self.cpu, self.wake_event)
        self._alarm.set(nxt)

    def close(self):
        core.gt_stop_alarm(self.cpu)
        if self._alarm is not None:
            self._alarm.stop()
            self._alarm = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class _Alarm(threading.Thread):
    """Sets EXIT_REQ_CLOCK (and wakes a WFI sleep) when guest host-time
    reaches the target; repeats (REFIRE_S, doubling up to REFIRE_MAX_S)
    until the target changes, so a request the exec loop cleared
    concurrently is never lost.  Holds the
    CPU and the event only (not the Clock: that would keep the emulator
    alive)."""

    def __init__(self, cpu, wake_event):
        super().__init__(name="armtcg-clock", daemon=True)
        self.cpu = cpu
        self.wake_event = wake_event
        self.cond = threading.Condition()
        self.target = None
        self.running = True
        self.start()

    def set(self, ns):
        with self.cond:
            self.target = ns
            self.cond.notify()

    def stop(self):
        with self.cond:
            self.running = False
            self.cond.notify()

    def run(self):
        refire, fired_for = REFIRE_S, None
        with self.cond:
            while self.running:
                target = self.target
                if target is None:
                    self.cond.wait()
                    continue
                left = (target - core.clock_now_ns(self.cpu)) / 1e9
                if left > 0:
                    self.cond.wait(left)
                    continue
                if fired_for != target:
                    refire, fired_for = REFIRE_S, target
                core.clock_request(self.cpu)
                self.wake_event.set()
                self.cond.wait(refire)
                refire = min(refire * 2, REFIRE_MAX_S)
