# C-level interface of runtime.core, shared with tcg.interp (and the JIT).
# The structures themselves are defined once, in runtime/include/cpu.h.

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int32_t, uintptr_t

cdef extern from "cpu.h" nogil:
    enum:
        NUM_GLOBALS
        NUM_TEMPS
        NUM_VALUES
        V_R0
        V_SP
        V_LR
        V_PC
        V_NF
        V_ZF
        V_CF
        V_VF
        V_QF
        V_GE
        V_EXCL_ADDR
        V_EXCL_VAL
        V_EXCL_HI
        V_TEMP0
        MODE_USR
        MODE_FIQ
        MODE_IRQ
        MODE_SVC
        MODE_MON
        MODE_ABT
        MODE_HYP
        MODE_UND
        MODE_SYS
        BANK_USRSYS
        BANK_SVC
        BANK_ABT
        BANK_UND
        BANK_IRQ
        BANK_FIQ
        BANK_HYP
        BANK_MON
        NUM_BANKS
        CPSR_M
        CPSR_T
        CPSR_F
        CPSR_I
        CPSR_A
        CPSR_E
        CPSR_IT_2_7
        CPSR_GE
        CPSR_J
        CPSR_IT_0_1
        CPSR_Q
        CPSR_NZCV
        EXCP_NONE
        EXCP_UDEF
        EXCP_SWI
        EXCP_PREFETCH_ABORT
        EXCP_DATA_ABORT
        EXCP_IRQ
        EXCP_FIQ
        EXCP_BKPT
        EXCP_HVC
        EXCP_SMC
        EXCP_HALTED
        EXCP_SEMIHOST
        EXIT_REQ_IRQ
        EXIT_REQ_STOP
        EXIT_REQ_FLUSH
        EXIT_REQ_CLOCK
        DEBUG_EXC
        DEBUG_EXEC
        DEBUG_STORES
        STORE_LOG_SIZE
        IRQ_LINE_IRQ
        IRQ_LINE_FIQ
        TARGET_PAGE_BITS
        TARGET_PAGE_SIZE
        TARGET_PAGE_MASK
        TLB_BITS
        TLB_SIZE
        TLB_INVALID
        TLB_SLOW
        MMU_IDX_PRIV
        MMU_IDX_USER
        NB_MMU_MODES
        MAX_REGIONS
        MO_SIZE_MASK
        MO_SIGN
        MO_USER
        MO_BE
        MO_ALIGN
        TB_HASH_BITS
        TB_HASH_SIZE
        TB_JC_BITS
        TB_JC_SIZE
        TBF_MODE_MASK
        TBF_THUMB
        TBF_BE_DATA
        TBF_ALIGN
        TBF_SINGLE
        JIT_COLD
        JIT_QUEUED
        JIT_NATIVE
        TB_EXIT_SLOT0
        TB_EXIT_SLOT1
        TB_EXIT_JC
        TB_EXIT_NOCHAIN
        TB_EXIT_EXC
        TB_EXIT_WFI
        TB_EXIT_REQUESTED
        JIT_QUEUE_SIZE

    ctypedef struct TLBEntry:
        uint32_t addr_read
        uint32_t addr_write
        uint32_t addr_code
        uintptr_t addend

    ctypedef int (*mmio_read_fn)(void *opaque, uint32_t offset, int size, uint32_t *val) noexcept
    ctypedef int (*mmio_write_fn)(void *opaque, uint32_t offset, int size, uint32_t val) noexcept

    ctypedef struct MemRegion:
        uint32_t base
        uint32_t size
        uint8_t *host
        uint8_t *code_bitmap
        uint8_t *code_words
        int readonly
        mmio_read_fn read
        mmio_write_fn write
        void *opaque

    ctypedef struct IROp:
        uint16_t opc
        uint16_t d
        uint16_t a
        uint16_t b
        uint16_t c
        uint16_t aux
        uint32_t imm

    ctypedef struct TB:
        uint32_t pc
        uint32_t flags
        uint32_t size
        uint32_t ninsns
        uint32_t nops
        uint32_t invalid
        IROp *ops
        uint32_t *op_pc
        uint16_t *op_insn
        TB *hash_next
        TB *jmp_dest[2]
        uintptr_t host_page
        void *native
        uint32_t jit_state
        uint64_t exec_count
        uint64_t insn_count
        uint32_t translations
        uint32_t id

    ctypedef struct CPUARMState:
        uint32_t v[NUM_VALUES]
        uint32_t uncached_cpsr
        uint32_t spsr
        uint32_t banked_spsr[NUM_BANKS]
        uint32_t banked_r13[NUM_BANKS]
        uint32_t banked_r14[NUM_BANKS]
        uint32_t usr_regs[5]
        uint32_t fiq_regs[5]
        uint32_t elr_hyp
        uint32_t midr, mpidr, revidr
        uint32_t sctlr, actlr, cpacr, nsacr, scr
        uint32_t vbar, mvbar
        uint32_t ttbr0_lo, ttbr0_hi, ttbr1_lo, ttbr1_hi, ttbcr
        uint32_t dacr, dfsr, ifsr, dfar, ifar, par_lo, par_hi
        uint32_t prrr, nmrr, amair0, amair1
        uint32_t contextidr, tpidrurw, tpidruro, tpidrprw
        uint32_t csselr, fcseidr
        uint32_t cp15_reserved[32]
        uint32_t cntfrq, cntkctl
        uint32_t cntp_ctl, cntv_ctl
        uint32_t cntp_cval_lo, cntp_cval_hi, cntv_cval_lo, cntv_cval_hi
        uint32_t cntvoff_lo, cntvoff_hi
        uint32_t pmcr, pmcnten, pmovsr, pmintenset, pmselr, pmuserenr
        uint32_t pmevtyper[6]
        uint32_t pmevcntr[6]
        uint32_t pmccntr
        uint32_t pmccntr_frac
        uint64_t pm_sync_icount
        uint32_t teecr, teehbr
        int32_t exception_index
        uint32_t exception_arg
        uint32_t exception_pc
        uint32_t exit_request
        uint32_t irq_lines
        uint32_t halted
        uint32_t semihosting
        uint32_t miss_pc, miss_flags
        uint32_t debug_flags
        uint64_t icount
        uint64_t icount_limit
        int32_t clock_shift
        uint64_t clock_base_ns
        uint64_t clock_bias_ns
        TLBEntry tlb[NB_MMU_MODES][TLB_SIZE]
        MemRegion regions[MAX_REGIONS]
        int nregions
        TB *tb_hash[TB_HASH_SIZE]
        TB *tb_jc[TB_JC_SIZE]
        TB *last_tb
        uint32_t jit_threshold
        uint32_t jit_q_head
        uint32_t jit_q_tail
        uint32_t jit_queue[JIT_QUEUE_SIZE]
        uint32_t store_log_n
        uint64_t store_log[STORE_LOG_SIZE]
        void *machine

    uint32_t bank_of_mode(uint32_t mode)
    uint32_t tb_flags_of(const CPUARMState *env)
    uint32_t tb_hash_of(uint32_t pc, uint32_t flags)
    uint32_t tb_jc_of(uint32_t pc)

ctypedef uint32_t (*native_tb_fn)(CPUARMState *env) noexcept nogil
ctypedef uint32_t (*helper_fn)(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil

# memory slow path: 0 = done, nonzero = a guest exception was raised
cdef int mem_load_slow(CPUARMState *env, uint32_t addr, uint32_t aux, int mmu_idx,
                       bint align_all, uint32_t *val) noexcept nogil
cdef int mem_store_slow(CPUARMState *env, uint32_t addr, uint32_t aux, int mmu_idx,
                        bint align_all, uint32_t val) noexcept nogil
cdef void tlb_flush(CPUARMState *env) noexcept nogil
cdef uintptr_t code_host_page_slow(CPUARMState *env, uint32_t pc, int mmu_idx) noexcept nogil
cdef int raise_alignment_fault(CPUARMState *env, uint32_t addr, bint is_write) noexcept nogil

# CPSR, banking, exceptions
cdef uint32_t cpsr_read(CPUARMState *env) noexcept nogil
cdef void cpsr_write(CPUARMState *env, uint32_t val, uint32_t mask) noexcept nogil
cdef uint32_t spsr_read(CPUARMState *env) noexcept nogil
cdef void spsr_write(CPUARMState *env, uint32_t val, uint32_t mask) noexcept nogil
cdef uint32_t user_reg_read(CPUARMState *env, int r) noexcept nogil
cdef void user_reg_write(CPUARMState *env, int r, uint32_t val) noexcept nogil
cdef uint32_t banked_reg_read(CPUARMState *env, uint32_t enc) noexcept nogil
cdef void banked_reg_write(CPUARMState *env, uint32_t enc, uint32_t val) noexcept nogil
cdef void exception_return(CPUARMState *env, uint32_t pc, uint32_t cpsr) noexcept nogil
cdef void bx_write_pc(CPUARMState *env, uint32_t addr) noexcept nogil
cdef void do_interrupt(CPUARMState *env) noexcept nogil
cdef int take_pending_interrupt(CPUARMState *env) noexcept nogil
cdef helper_fn *helper_table() noexcept nogil

# cp15 (runtime/cp15_fns.pxi)
cdef int cp_read_dispatch(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil
cdef int cp_write_dispatch(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil
cdef int cp_read64_dispatch(CPUARMState *env, uint32_t idx, uint32_t *lo, uint32_t *hi) noexcept nogil
cdef int cp_write64_dispatch(CPUARMState *env, uint32_t idx, uint32_t lo, uint32_t hi) noexcept nogil


cdef class CPU:
    cdef CPUARMState *env
    cdef object ram_buffers
    cdef object mmio_devices
    cdef object __weakref__
    cdef public object pending_error
    cdef public object invalidate_hook
