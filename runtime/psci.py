"""PSCI (ARM DEN 0022) firmware calls for a single-core guest, as QEMU's
`virt` serves them.

QEMU 7.2 `virt` (no EL3, no EL2) advertises PSCI 1.1 with the HVC conduit.
We add SMCCC v1.1's SMCCC_VERSION and SMCCC_ARCH_FEATURES, which QEMU 7.2
does not answer.
We serve the same calls through HVC and SMC alike.  Results measured on
qemu-system-arm 7.2 from an AArch32 guest (tests/test_board.py checks
them): PSCI_VERSION -> 0x10001, CPU_ON(cpu 0) -> ALREADY_ON,
AFFINITY_INFO(0) -> ON, MIGRATE_INFO_TYPE -> 2, PSCI_FEATURES(known) -> 0,
SMC64 ids from AArch32 -> NOT_SUPPORTED.

Differences from QEMU: QEMU only claims function ids in the PSCI ranges and
lets any other HVC raise UNDEF (there is no EL2); we answer NOT_SUPPORTED in
r0 for every unknown id, which is what SMCCC asks of firmware.  CPU_OFF on
the only core ends the run (QEMU would sit idle forever).
"""

# return codes
SUCCESS = 0
NOT_SUPPORTED = -1
INVALID_PARAMETERS = -2
DENIED = -3
ALREADY_ON = -4

VERSION_1_1 = 0x00010001
FN64_BIT = 0x40000000           # SMC64 calling convention bit
MIGRATE_INFO_NOT_REQUIRED = 2    # "Trusted OS not present / migration not required"
AFFINITY_ON = 0

# function ids (SMC32)
PSCI_VERSION = 0x84000000
CPU_SUSPEND = 0x84000001
CPU_OFF = 0x84000002
CPU_ON = 0x84000003
AFFINITY_INFO = 0x84000004
MIGRATE = 0x84000005
MIGRATE_INFO_TYPE = 0x84000006
MIGRATE_INFO_UP_CPU = 0x84000007
SYSTEM_OFF = 0x84000008
SYSTEM_RESET = 0x84000009
PSCI_FEATURES = 0x8400000A
# SMC Calling Convention (ARM DEN 0028, v1.1 section 7): the version call and
# the arch-features query.  QEMU 7.2 answers neither (NOT_SUPPORTED, so Linux
# assumes SMCCC v1.0); SMCCC v1.1 firmware answers both.
SMCCC_VERSION = 0x80000000
SMCCC_ARCH_FEATURES = 0x80000001
SMCCC_VERSION_1_1 = 0x10001

# what CPU_SUSPEND accepts: power_state without affinity level bits
SUSPEND_BAD_BITS = 0xFFFE0000
MPIDR_AFF_MASK = 0x00FFFFFF


def _u32(value):
    return value & 0xFFFFFFFF


class PSCI:
    """The PSCI firmware of a one-core board.  `board` provides
    shutdown(exit_code), reset() (a SYSTEM_RESET request) and halt()."""

    def __init__(self, board, mpidr=0):
        self.board = board
        self.mpidr = mpidr & MPIDR_AFF_MASK
        self.functions = {
            PSCI_VERSION: self._version,
            CPU_SUSPEND: self._cpu_suspend,
            CPU_OFF: self._cpu_off,
            CPU_ON: self._cpu_on,
            AFFINITY_INFO: self._affinity_info,
            MIGRATE: lambda emu: NOT_SUPPORTED,
            MIGRATE_INFO_TYPE: lambda emu: MIGRATE_INFO_NOT_REQUIRED,
            SYSTEM_OFF: self._system_off,
            SYSTEM_RESET: self._system_reset,
            PSCI_FEATURES: self._features,
            SMCCC_VERSION: lambda emu: SMCCC_VERSION_1_1,
            SMCCC_ARCH_FEATURES: self._arch_features,
        }

    # emu.hvc_handler / emu.smc_handler: every call is consumed here
    def handle(self, emu, imm16=0):
        fn = emu.reg_read("r0")
        call = self.functions.get(fn)
        result = NOT_SUPPORTED if call is None else call(emu)
        if result is not None:
            emu.reg_write("r0", _u32(result))
        return True

    def _version(self, emu):
        return VERSION_1_1

    def _cpu_suspend(self, emu):
        if emu.reg_read("r1") & SUSPEND_BAD_BITS:
            return INVALID_PARAMETERS
        return SUCCESS  # a standby: returning at once is a valid wake-up

    def _cpu_off(self, emu):
        self.board.halt()
        return None

    def _cpu_on(self, emu):
        target = emu.reg_read("r1") & MPIDR_AFF_MASK
        return ALREADY_ON if target == self.mpidr else INVALID_PARAMETERS

    def _affinity_info(self, emu):
        target = emu.reg_read("r1") & MPIDR_AFF_MASK
        return AFFINITY_ON if target == self.mpidr else INVALID_PARAMETERS

    def _system_off(self, emu):
        self.board.shutdown(0)
        return None

    def _system_reset(self, emu):
        self.board.reset()
        return None

    def _features(self, emu):
        fn = emu.reg_read("r1")
        return SUCCESS if fn in self.functions else NOT_SUPPORTED

    def _arch_features(self, emu):
        """SMCCC_ARCH_FEATURES(fid): the SMCCC calls themselves are
        implemented; no CPU-erratum workaround call (ARCH_WORKAROUND_*) is
        (DEN 0028 7.2: NOT_SUPPORTED)."""
        return SUCCESS if emu.reg_read("r1") in (SMCCC_VERSION, SMCCC_ARCH_FEATURES) \
            else NOT_SUPPORTED
