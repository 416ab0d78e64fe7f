"""virtio-rng, the entropy device (virtio 1.2 section 5.4).

One queue (requestq); no feature bits, no config space.  The driver posts
device-writable buffers and the device fills them with random bytes
(5.4.6.1: it MUST NOT write more than the buffer, may write less -- we
always fill it).

The bytes come from `source(n)`: os.urandom by default.  For runs that
must repeat exactly (-icount), the board passes deterministic_source(seed),
a seeded PRNG: entropy is then a function of the seed and of the guest's
requests only.  (QEMU itself always reads the host's entropy.)
"""

import os
import random

from runtime.devices.virtio_mmio import VirtioDevice

DEVICE_ID = 4


class SeededSource:
    """n -> n bytes from a seeded PRNG (not for cryptography: for runs
    that must repeat).  state()/load_state() carry its position for
    snapshots."""

    def __init__(self, seed=0):
        self._rng = random.Random(seed)

    def __call__(self, n):
        return self._rng.randbytes(n)

    def state(self):
        return self._rng.getstate()

    def load_state(self, state):
        self._rng.setstate(state)


def deterministic_source(seed=0):
    return SeededSource(seed)


class VirtioRng(VirtioDevice):
    NAME = "virtio-rng"
    DEVICE_ID = DEVICE_ID
    NUM_QUEUES = 1
    STATE = ()

    def __init__(self, source=None):
        self.source = source or os.urandom

    def state(self):
        """The source's position when it has one (SeededSource), else None."""
        return self.source.state() if hasattr(self.source, "state") else None

    def load_state(self, state):
        if state is not None:
            self.source.load_state(state)

    def serve(self, queue, chain, transport):
        if chain.in_size:
            chain.write(self.source(chain.in_size))
