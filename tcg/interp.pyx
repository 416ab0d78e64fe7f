# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The IR interpreter and the exec loop.

`cpu_exec` runs translated blocks with the GIL released until it needs
Python: a block that is not translated yet, a stop request or instruction
budget, or an exception that Python serves (semihosting, PSCI, halt, or
any exception while -d int is tracing).  Architectural exceptions are
taken here, in C.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int8_t, int16_t, int32_t, int64_t, uintptr_t
from libc.string cimport memcpy
from runtime.core cimport *

include "opcodes.pxi"

cdef extern from *:
    uint32_t __builtin_bswap32(uint32_t x) nogil
    int __builtin_clz(unsigned int x) nogil

# cpu_exec return values
cdef enum:
    C_RUN_TB_MISS = 1      # cpu.miss = (pc, flags) needs translating
    C_RUN_ICOUNT = 2       # icount_limit reached
    C_RUN_STOP = 3         # exit_request STOP or FLUSH
    C_RUN_EXCEPTION = 4    # cpu.exception_index needs Python (semihost/HVC/SMC/halt/trace)
    C_RUN_DEBUG = 5        # DEBUG_EXEC: about to run the block at pc
    C_RUN_BLOCKS = 6       # ran the max_blocks asked for

RUN_TB_MISS = C_RUN_TB_MISS
RUN_ICOUNT = C_RUN_ICOUNT
RUN_STOP = C_RUN_STOP
RUN_EXCEPTION = C_RUN_EXCEPTION
RUN_DEBUG = C_RUN_DEBUG
RUN_BLOCKS = C_RUN_BLOCKS

# interp_tb and native blocks return a TB_EXIT_* code (cpu.h)

cdef helper_fn *HELPERS = helper_table()
cdef vfp_fn *VFP_OPS = vfp_op_table()


cdef inline bint cond_holds(uint32_t *v, uint32_t cc) noexcept nogil:
    cdef int32_t nv
    if cc == 0:
        return v[V_ZF] == 0
    if cc == 1:
        return v[V_ZF] != 0
    if cc == 2:
        return v[V_CF] != 0
    if cc == 3:
        return v[V_CF] == 0
    if cc == 4:
        return <int32_t>v[V_NF] < 0
    if cc == 5:
        return <int32_t>v[V_NF] >= 0
    if cc == 6:
        return <int32_t>v[V_VF] < 0
    if cc == 7:
        return <int32_t>v[V_VF] >= 0
    if cc == 8:
        return v[V_CF] != 0 and v[V_ZF] != 0
    if cc == 9:
        return v[V_CF] == 0 or v[V_ZF] == 0
    nv = <int32_t>(v[V_NF] ^ v[V_VF])
    if cc == 10:
        return nv >= 0
    if cc == 11:
        return nv < 0
    if cc == 12:
        return v[V_ZF] != 0 and nv >= 0
    if cc == 13:
        return v[V_ZF] == 0 or nv < 0
    return True


cdef inline int mem_ld(CPUARMState *env, uint32_t addr, uint32_t aux, int mmu,
                       bint align_all, uint32_t *out) noexcept nogil:
    """Soft-TLB fast path; the slow path handles everything else."""
    cdef uint32_t size_log2 = aux & MO_SIZE_MASK
    cdef uint32_t size = 1u << size_log2
    cdef TLBEntry *e
    cdef uint8_t *p
    cdef uint32_t val
    cdef uint16_t h
    if aux & MO_USER:
        mmu = MMU_IDX_USER
    e = &env.tlb[mmu][(addr >> TARGET_PAGE_BITS) & (TLB_SIZE - 1)]
    if ((addr & TARGET_PAGE_MASK) == e.addr_read
            and (addr & ~TARGET_PAGE_MASK) <= TARGET_PAGE_SIZE - size
            and ((addr & (size - 1)) == 0 or not ((aux & MO_ALIGN) or align_all))):
        p = <uint8_t *>(e.addend + addr)
        if size_log2 == 2:
            memcpy(&val, p, 4)
            if aux & MO_BE:
                val = __builtin_bswap32(val)
        elif size_log2 == 1:
            memcpy(&h, p, 2)
            if aux & MO_BE:
                h = <uint16_t>((h << 8) | (h >> 8))
            val = <uint32_t><int32_t><int16_t>h if aux & MO_SIGN else h
        else:
            val = <uint32_t><int32_t><int8_t>p[0] if aux & MO_SIGN else p[0]
        out[0] = val
        return 0
    return mem_load_slow(env, addr, aux, mmu, align_all, out)


cdef void log_store(CPUARMState *env, uint32_t addr, uint32_t size_log2) noexcept nogil:
    if env.store_log_n < STORE_LOG_SIZE:
        env.store_log[env.store_log_n] = (<uint64_t>addr << 2) | size_log2
    if env.store_log_n <= STORE_LOG_SIZE:
        env.store_log_n += 1


cdef inline int mem_st(CPUARMState *env, uint32_t addr, uint32_t aux, int mmu,
                       bint align_all, uint32_t val) noexcept nogil:
    cdef uint32_t size_log2 = aux & MO_SIZE_MASK
    cdef uint32_t size = 1u << size_log2
    cdef TLBEntry *e
    cdef uint8_t *p
    cdef uint16_t h
    if aux & MO_USER:
        mmu = MMU_IDX_USER
    if env.debug_flags & DEBUG_STORES:
        log_store(env, addr, size_log2)
    e = &env.tlb[mmu][(addr >> TARGET_PAGE_BITS) & (TLB_SIZE - 1)]
    if ((addr & TARGET_PAGE_MASK) == e.addr_write
            and (addr & ~TARGET_PAGE_MASK) <= TARGET_PAGE_SIZE - size
            and ((addr & (size - 1)) == 0 or not ((aux & MO_ALIGN) or align_all))):
        p = <uint8_t *>(e.addend + addr)
        if size_log2 == 2:
            if aux & MO_BE:
                val = __builtin_bswap32(val)
            memcpy(p, &val, 4)
        elif size_log2 == 1:
            h = <uint16_t>val
            if aux & MO_BE:
                h = <uint16_t>((h << 8) | (h >> 8))
            memcpy(p, &h, 2)
        else:
            p[0] = <uint8_t>val
        return 0
    return mem_store_slow(env, addr, aux, mmu, align_all, val)


cdef inline uint32_t ror32(uint32_t x, uint32_t n) noexcept nogil:
    n &= 31
    if n == 0:
        return x
    return (x >> n) | (x << (32 - n))


cdef int interp_tb(CPUARMState *env, TB *tb, uint32_t *executed) noexcept nogil:
    """Run one TB.  Returns a TB_EXIT_* code; *executed = guest
    instructions completed."""
    cdef uint32_t *v = env.v
    cdef IROp *ops = tb.ops
    cdef IROp *op
    cdef uint32_t i = 0
    cdef uint32_t opc, a, b, c, r, n, addr
    cdef uint64_t w
    cdef int64_t sw
    cdef int mmu = MMU_IDX_USER if (tb.flags & TBF_MODE_MASK) == MODE_USR else MMU_IDX_PRIV
    cdef bint align_all = (tb.flags & TBF_ALIGN) != 0
    cdef int rc
    cdef uint32_t lo, hi
    while True:
        op = &ops[i]
        opc = op.opc
        i += 1
        if opc == OP_MOVI:
            v[op.d] = op.imm
        elif opc == OP_MOV:
            v[op.d] = v[op.a]
        elif opc == OP_ADD:
            v[op.d] = v[op.a] + v[op.b]
        elif opc == OP_ADDI:
            v[op.d] = v[op.a] + op.imm
        elif opc == OP_SUB:
            v[op.d] = v[op.a] - v[op.b]
        elif opc == OP_RSBI:
            v[op.d] = op.imm - v[op.a]
        elif opc == OP_AND:
            v[op.d] = v[op.a] & v[op.b]
        elif opc == OP_ANDI:
            v[op.d] = v[op.a] & op.imm
        elif opc == OP_OR:
            v[op.d] = v[op.a] | v[op.b]
        elif opc == OP_ORI:
            v[op.d] = v[op.a] | op.imm
        elif opc == OP_XOR:
            v[op.d] = v[op.a] ^ v[op.b]
        elif opc == OP_XORI:
            v[op.d] = v[op.a] ^ op.imm
        elif opc == OP_ANDN:
            v[op.d] = v[op.a] & ~v[op.b]
        elif opc == OP_NOT:
            v[op.d] = ~v[op.a]
        elif opc == OP_MUL:
            v[op.d] = v[op.a] * v[op.b]
        elif opc == OP_ADC:
            v[op.d] = v[op.a] + v[op.b] + v[V_CF]
        elif opc == OP_SBC:
            v[op.d] = v[op.a] - v[op.b] - (1 - v[V_CF])
        elif opc == OP_SHLI:
            v[op.d] = v[op.a] << op.imm
        elif opc == OP_SHRI:
            v[op.d] = v[op.a] >> op.imm
        elif opc == OP_SARI:
            v[op.d] = <uint32_t>(<int32_t>v[op.a] >> op.imm)
        elif opc == OP_RORI:
            v[op.d] = ror32(v[op.a], op.imm)
        elif opc == OP_SHL:
            n = v[op.b] & 0xff
            v[op.d] = v[op.a] << n if n < 32 else 0
        elif opc == OP_SHR:
            n = v[op.b] & 0xff
            v[op.d] = v[op.a] >> n if n < 32 else 0
        elif opc == OP_SAR:
            n = v[op.b] & 0xff
            v[op.d] = <uint32_t>(<int32_t>v[op.a] >> (n if n < 32 else 31))
        elif opc == OP_ROR:
            v[op.d] = ror32(v[op.a], v[op.b])
        elif opc == OP_RRX:
            v[op.d] = (v[V_CF] << 31) | (v[op.a] >> 1)
        elif opc == OP_LSL_CI:
            a = v[op.a]
            v[V_CF] = (a >> (32 - op.imm)) & 1
            v[op.d] = a << op.imm
        elif opc == OP_LSR_CI:
            a = v[op.a]
            v[V_CF] = (a >> (op.imm - 1)) & 1
            v[op.d] = a >> op.imm if op.imm < 32 else 0
        elif opc == OP_ASR_CI:
            a = v[op.a]
            n = op.imm if op.imm < 32 else 32
            v[V_CF] = (<uint32_t>(<int32_t>a >> (n - 1))) & 1
            v[op.d] = <uint32_t>(<int32_t>a >> (n if n < 32 else 31))
        elif opc == OP_ROR_CI:
            r = ror32(v[op.a], op.imm)
            v[V_CF] = r >> 31
            v[op.d] = r
        elif opc == OP_RRX_C:
            a = v[op.a]
            v[op.d] = (v[V_CF] << 31) | (a >> 1)
            v[V_CF] = a & 1
        elif opc == OP_LSL_C:
            a = v[op.a]
            n = v[op.b] & 0xff
            if n == 0:
                r = a
            elif n < 32:
                v[V_CF] = (a >> (32 - n)) & 1
                r = a << n
            else:
                v[V_CF] = (a & 1) if n == 32 else 0
                r = 0
            v[op.d] = r
        elif opc == OP_LSR_C:
            a = v[op.a]
            n = v[op.b] & 0xff
            if n == 0:
                r = a
            elif n < 32:
                v[V_CF] = (a >> (n - 1)) & 1
                r = a >> n
            else:
                v[V_CF] = (a >> 31) if n == 32 else 0
                r = 0
            v[op.d] = r
        elif opc == OP_ASR_C:
            a = v[op.a]
            n = v[op.b] & 0xff
            if n == 0:
                r = a
            elif n < 32:
                v[V_CF] = (<uint32_t>(<int32_t>a >> (n - 1))) & 1
                r = <uint32_t>(<int32_t>a >> n)
            else:
                v[V_CF] = a >> 31
                r = <uint32_t>(<int32_t>a >> 31)
            v[op.d] = r
        elif opc == OP_ROR_C:
            a = v[op.a]
            n = v[op.b] & 0xff
            r = a
            if n != 0:
                r = ror32(a, n)
                v[V_CF] = r >> 31
            v[op.d] = r
        elif opc == OP_ADDS or opc == OP_ADDSI:
            a = v[op.a]
            b = v[op.b] if opc == OP_ADDS else op.imm
            r = a + b
            v[V_CF] = r < a
            v[V_VF] = (r ^ a) & ~(a ^ b)
            v[V_NF] = r
            v[V_ZF] = r
            v[op.d] = r
        elif opc == OP_ADCS:
            a = v[op.a]
            b = v[op.b]
            w = <uint64_t>a + b + v[V_CF]
            r = <uint32_t>w
            v[V_CF] = <uint32_t>(w >> 32)
            v[V_VF] = (r ^ a) & ~(a ^ b)
            v[V_NF] = r
            v[V_ZF] = r
            v[op.d] = r
        elif opc == OP_SUBS or opc == OP_SUBSI:
            a = v[op.a]
            b = v[op.b] if opc == OP_SUBS else op.imm
            r = a - b
            v[V_CF] = a >= b
            v[V_VF] = (a ^ b) & (a ^ r)
            v[V_NF] = r
            v[V_ZF] = r
            v[op.d] = r
        elif opc == OP_SBCS:
            a = v[op.a]
            b = v[op.b]
            w = <uint64_t>a + (~b) + v[V_CF]
            r = <uint32_t>w
            v[V_CF] = <uint32_t>(w >> 32)
            v[V_VF] = (a ^ b) & (a ^ r)
            v[V_NF] = r
            v[V_ZF] = r
            v[op.d] = r
        elif opc == OP_SET_NZ:
            v[V_NF] = v[op.a]
            v[V_ZF] = v[op.a]
        elif opc == OP_MULU64:
            w = <uint64_t>v[op.a] * v[op.b]
            v[op.d] = <uint32_t>w
            v[op.c] = <uint32_t>(w >> 32)
        elif opc == OP_MULS64:
            sw = <int64_t><int32_t>v[op.a] * <int64_t><int32_t>v[op.b]
            v[op.d] = <uint32_t>sw
            v[op.c] = <uint32_t>(<uint64_t>sw >> 32)
        elif opc == OP_ADD64:
            w = ((<uint64_t>v[op.c] << 32) | v[op.d]) + ((<uint64_t>v[op.b] << 32) | v[op.a])
            v[op.d] = <uint32_t>w
            v[op.c] = <uint32_t>(w >> 32)
        elif opc == OP_UDIV:
            b = v[op.b]
            v[op.d] = v[op.a] / b if b != 0 else 0
        elif opc == OP_SDIV:
            a = v[op.a]
            b = v[op.b]
            if b == 0:
                v[op.d] = 0
            elif a == 0x80000000u and b == 0xffffffffu:
                v[op.d] = 0x80000000u
            else:
                v[op.d] = <uint32_t>(<int32_t>a / <int32_t>b)
        elif opc == OP_CLZ:
            a = v[op.a]
            v[op.d] = <uint32_t>__builtin_clz(a) if a != 0 else 32
        elif opc == OP_REV:
            v[op.d] = __builtin_bswap32(v[op.a])
        elif opc == OP_REV16:
            a = v[op.a]
            v[op.d] = ((a & 0x00ff00ffu) << 8) | ((a >> 8) & 0x00ff00ffu)
        elif opc == OP_REVSH:
            a = v[op.a]
            v[op.d] = <uint32_t><int32_t><int16_t>(((a & 0xff) << 8) | ((a >> 8) & 0xff))
        elif opc == OP_RBIT:
            a = v[op.a]
            a = ((a >> 1) & 0x55555555u) | ((a & 0x55555555u) << 1)
            a = ((a >> 2) & 0x33333333u) | ((a & 0x33333333u) << 2)
            a = ((a >> 4) & 0x0f0f0f0fu) | ((a & 0x0f0f0f0fu) << 4)
            v[op.d] = __builtin_bswap32(a)
        elif opc == OP_SEXT8:
            v[op.d] = <uint32_t><int32_t><int8_t>v[op.a]
        elif opc == OP_SEXT16:
            v[op.d] = <uint32_t><int32_t><int16_t>v[op.a]
        elif opc == OP_ZEXT8:
            v[op.d] = v[op.a] & 0xff
        elif opc == OP_ZEXT16:
            v[op.d] = v[op.a] & 0xffff
        elif opc == OP_HELPER:
            v[op.d] = HELPERS[op.imm](env, v[op.a], v[op.b], v[op.c])
        elif opc == OP_VFP:
            VFP_OPS[op.aux](env, op.imm)
        elif opc == OP_BR:
            i = op.imm
        elif opc == OP_BRCOND:
            if cond_holds(v, op.aux):
                i = op.imm
        elif opc == OP_BRZ:
            if v[op.a] == 0:
                i = op.imm
        elif opc == OP_BRNZ:
            if v[op.a] != 0:
                i = op.imm
        elif opc == OP_LD:
            if mem_ld(env, v[op.a] + op.imm, op.aux, mmu, align_all, &r):
                break
            v[op.d] = r
        elif opc == OP_ST:
            if mem_st(env, v[op.a] + op.imm, op.aux, mmu, align_all, v[op.b]):
                break
        elif opc == OP_LDEX:
            addr = v[op.a]
            if mem_ld(env, addr, op.aux | MO_ALIGN, mmu, align_all, &r):
                break
            v[V_EXCL_ADDR] = addr
            v[V_EXCL_VAL] = r
            v[op.d] = r
        elif opc == OP_LDEXD:
            addr = v[op.a]
            if addr & 7:        # LDREXD: doubleword alignment, always
                raise_alignment_fault(env, addr, False)
                break
            if mem_ld(env, addr, op.aux | MO_ALIGN, mmu, align_all, &lo):
                break
            if mem_ld(env, addr + 4, op.aux, mmu, align_all, &hi):
                break
            v[V_EXCL_ADDR] = addr
            v[V_EXCL_VAL] = lo
            v[V_EXCL_HI] = hi
            v[op.d] = lo
            v[op.c] = hi
        elif opc == OP_STEX:
            addr = v[op.a]
            if addr & ((1u << (op.aux & MO_SIZE_MASK)) - 1):
                raise_alignment_fault(env, addr, True)   # checked before the monitor
                break
            if v[V_EXCL_ADDR] == addr:
                if mem_st(env, addr, op.aux | MO_ALIGN, mmu, align_all, v[op.b]):
                    break
                v[op.d] = 0
            else:
                v[op.d] = 1
            v[V_EXCL_ADDR] = 0xffffffffu
        elif opc == OP_STEXD:
            addr = v[op.a]
            if addr & 7:
                raise_alignment_fault(env, addr, True)
                break
            if v[V_EXCL_ADDR] == addr:
                # check both words are writable before storing either
                if mem_st(env, addr, op.aux | MO_ALIGN, mmu, align_all, v[op.b]):
                    break
                if mem_st(env, addr + 4, op.aux, mmu, align_all, v[op.c]):
                    break
                v[op.d] = 0
            else:
                v[op.d] = 1
            v[V_EXCL_ADDR] = 0xffffffffu
        elif opc == OP_CLREX:
            v[V_EXCL_ADDR] = 0xffffffffu
        elif opc == OP_CPSR_READ:
            v[op.d] = cpsr_read(env)
        elif opc == OP_CPSR_WRITE:
            cpsr_write(env, v[op.a], op.imm)
        elif opc == OP_SPSR_READ:
            v[op.d] = spsr_read(env)
        elif opc == OP_SPSR_WRITE:
            spsr_write(env, v[op.a], op.imm)
        elif opc == OP_USER_READ:
            v[op.d] = user_reg_read(env, op.imm)
        elif opc == OP_USER_WRITE:
            user_reg_write(env, op.imm, v[op.a])
        elif opc == OP_BANKED_READ:
            v[op.d] = banked_reg_read(env, op.imm)
        elif opc == OP_BANKED_WRITE:
            banked_reg_write(env, op.imm, v[op.a])
        elif opc == OP_CP_READ:
            if cp_read_dispatch(env, op.imm, &r):
                break
            v[op.d] = r
        elif opc == OP_CP_WRITE:
            if cp_write_dispatch(env, op.imm, v[op.a]):
                break
        elif opc == OP_CP_READ64:
            if cp_read64_dispatch(env, op.imm, &lo, &hi):
                break
            v[op.d] = lo
            v[op.c] = hi
        elif opc == OP_CP_WRITE64:
            if cp_write64_dispatch(env, op.imm, v[op.a], v[op.b]):
                break
        elif opc == OP_LD_ENV:
            memcpy(&v[op.d], <char *>env + op.imm, 4)
        elif opc == OP_ST_ENV:
            memcpy(<char *>env + op.imm, &v[op.a], 4)
        elif opc == OP_GOTO_TB:
            v[V_PC] = op.imm
            executed[0] = tb.op_insn[i - 1] + 1
            return TB_EXIT_SLOT0 + op.aux
        elif opc == OP_EXIT_JC:
            executed[0] = tb.op_insn[i - 1] + 1
            return TB_EXIT_JC
        elif opc == OP_EXIT_TB:
            v[V_PC] = op.imm
            executed[0] = tb.op_insn[i - 1] + 1
            return TB_EXIT_NOCHAIN
        elif opc == OP_BX:
            bx_write_pc(env, v[op.a])
            executed[0] = tb.op_insn[i - 1] + 1
            return TB_EXIT_NOCHAIN
        elif opc == OP_EXC_RETURN:
            exception_return(env, v[op.a], v[op.b])
            executed[0] = tb.op_insn[i - 1] + 1
            return TB_EXIT_NOCHAIN
        elif opc == OP_RAISE_EXC:
            env.exception_index = op.aux
            env.exception_arg = op.imm
            env.exception_pc = tb.op_pc[i - 1]
            v[V_PC] = tb.op_pc[i - 1]
            executed[0] = tb.op_insn[i - 1] + 1
            return TB_EXIT_EXC
        elif opc == OP_WFI:
            v[V_PC] = op.imm
            executed[0] = tb.op_insn[i - 1] + 1
            return TB_EXIT_WFI
        elif opc == OP_NOP:
            pass
    # a memory or system op raised a guest exception (already recorded):
    # counted as the instruction that raised it, as raise_exc is, so that
    # an exception storm with no other progress still meets the budget
    env.exception_pc = tb.op_pc[i - 1]
    v[V_PC] = tb.op_pc[i - 1]
    executed[0] = tb.op_insn[i - 1] + 1
    return TB_EXIT_EXC


cdef inline TB *tb_lookup(CPUARMState *env, uint32_t pc, uint32_t flags) noexcept nogil:
    """The TB for (pc, flags) whose code is the page pc maps to now."""
    cdef int mmu = MMU_IDX_USER if (flags & TBF_MODE_MASK) == MODE_USR else MMU_IDX_PRIV
    cdef TLBEntry *e = &env.tlb[mmu][(pc >> TARGET_PAGE_BITS) & (TLB_SIZE - 1)]
    cdef uintptr_t host
    cdef uint32_t j = tb_jc_of(pc)
    cdef TB *tb = env.tb_jc[j]
    if e.addr_code == (pc & TARGET_PAGE_MASK):
        host = e.addend + (pc & TARGET_PAGE_MASK)
    else:
        host = code_host_page_slow(env, pc, mmu)
        if host == 0:
            return NULL
    if tb != NULL and tb.pc == pc and tb.flags == flags and tb.host_page == host:
        return tb
    tb = env.tb_hash[tb_hash_of(pc, flags)]
    while tb != NULL:
        if tb.pc == pc and tb.flags == flags and tb.host_page == host:
            env.tb_jc[j] = tb
            return tb
        tb = tb.hash_next
    return NULL


cdef inline void queue_hot(CPUARMState *env, TB *tb) noexcept nogil:
    """Hand a block that became hot to the background compiler."""
    if env.jit_q_head - env.jit_q_tail >= JIT_QUEUE_SIZE:
        return                  # full: try again on its next execution
    env.jit_queue[env.jit_q_head % JIT_QUEUE_SIZE] = tb.id
    tb.jit_state = JIT_QUEUED
    env.jit_q_head = env.jit_q_head + 1


cdef inline int run_tb(CPUARMState *env, TB *tb) noexcept nogil:
    """Run tb natively (it may chain on; env.last_tb is the block that
    exited) or in the interpreter.  Counts instructions and executions."""
    cdef uint32_t executed = 0
    cdef int ret
    if tb.native != NULL:
        env.last_tb = tb
        return (<native_tb_fn>tb.native)(env)
    ret = interp_tb(env, tb, &executed)
    env.icount += executed
    tb.exec_count += 1
    tb.insn_count += executed
    env.last_tb = tb
    if env.jit_threshold != 0 and tb.jit_state == JIT_COLD \
            and tb.exec_count >= env.jit_threshold and not (tb.flags & TBF_SINGLE):
        queue_hot(env, tb)
    return ret


cdef int cpu_exec_nogil(CPUARMState *env, uint64_t max_blocks, bint resume,
                        uint64_t *blocks_run) noexcept nogil:
    """Run blocks until Python is needed or, with max_blocks != 0, until
    that many blocks ran (C_RUN_BLOCKS).  resume: the caller saw C_RUN_DEBUG
    for the block at pc: run it now, without the exit and debug checks."""
    cdef TB *tb
    cdef TB *last = NULL
    cdef int last_exit = TB_EXIT_NOCHAIN
    cdef int ret
    cdef uint32_t pc, flags
    cdef uint64_t budget
    cdef uint64_t left = max_blocks
    blocks_run[0] = 0
    while True:
        if env.exit_request and not resume:
            if env.exit_request & (EXIT_REQ_STOP | EXIT_REQ_FLUSH | EXIT_REQ_CLOCK):
                return C_RUN_STOP
            # taken atomically: the host alarm sets EXIT_REQ_TIMER from its thread
            if exit_request_take(&env.exit_request, EXIT_REQ_IRQ | EXIT_REQ_TIMER) & EXIT_REQ_TIMER:
                gt_service(env)         # the timer's deadline: outputs -> GIC -> irq_lines
            if env.irq_lines and not (env.debug_flags & DEBUG_NOIRQ):
                env.halted = 0
                if env.debug_flags & DEBUG_EXC:
                    if (env.irq_lines & IRQ_LINE_FIQ) and not (env.uncached_cpsr & CPSR_F):
                        env.exception_index = EXCP_FIQ
                        return C_RUN_EXCEPTION
                    if (env.irq_lines & IRQ_LINE_IRQ) and not (env.uncached_cpsr & CPSR_I):
                        env.exception_index = EXCP_IRQ
                        return C_RUN_EXCEPTION
                elif take_pending_interrupt(env):
                    last = NULL
        if env.icount >= env.icount_limit:
            if env.icount >= env.gt_deadline_icount:
                gt_service(env)         # -icount: the timer's deadline, served here
                continue
            return C_RUN_ICOUNT
        budget = env.icount_limit - env.icount
        pc = env.v[V_PC]
        flags = tb_flags_of(env)
        if last != NULL and last_exit <= TB_EXIT_SLOT1 and last.jmp_dest[last_exit] != NULL \
                and last.jmp_dest[last_exit].pc == pc and last.jmp_dest[last_exit].flags == flags \
                and not last.jmp_dest[last_exit].invalid:
            tb = last.jmp_dest[last_exit]
        else:
            tb = tb_lookup(env, pc, flags)
            if tb == NULL:
                env.miss_pc = pc
                env.miss_flags = flags
                return C_RUN_TB_MISS
            # Chain only within a page: the mapping that was verified when
            # the chain was entered then covers the target too.
            if last != NULL and last_exit <= TB_EXIT_SLOT1 \
                    and ((last.pc ^ pc) & TARGET_PAGE_MASK) == 0:
                last.jmp_dest[last_exit] = tb
        if tb.ninsns > budget:
            # run exactly up to the budget: one instruction per block
            flags |= TBF_SINGLE
            tb = tb_lookup(env, pc, flags)
            if tb == NULL:
                env.miss_pc = pc
                env.miss_flags = flags
                return C_RUN_TB_MISS
        if (env.debug_flags & DEBUG_EXEC) and not resume:
            return C_RUN_DEBUG
        resume = False
        if left == 1:
            # the last block of a step: native code must not chain on
            env.icount_limit = env.icount + tb.ninsns
            ret = run_tb(env, tb)
            # (the block may have moved the timer's deadline)
            env.icount_limit = min(env.icount_limit_run, env.gt_deadline_icount)
        else:
            ret = run_tb(env, tb)
        blocks_run[0] += 1
        last = env.last_tb
        if last.flags & TBF_SINGLE:
            last = NULL
        last_exit = ret
        if ret == TB_EXIT_EXC:
            last = NULL
            if env.exception_index >= EXCP_HALTED or env.exception_index == EXCP_HVC \
                    or env.exception_index == EXCP_SMC or (env.debug_flags & DEBUG_EXC):
                return C_RUN_EXCEPTION
            do_interrupt(env)
        elif ret == TB_EXIT_WFI:
            last = NULL
            # (gt_idle: woke in C at the timer's deadline, or for a stop request)
            if not env.irq_lines and not gt_idle(env):
                env.halted = 1
                env.exception_index = EXCP_HALTED
                return C_RUN_EXCEPTION
        elif ret == TB_EXIT_REQUESTED:
            last = NULL
        if left != 0:
            left -= 1
            if left == 0:
                return C_RUN_BLOCKS


cdef void *jit_lookup_native(CPUARMState *env) noexcept nogil:
    """Native code's indirect jump (exit_jc): the compiled block for the
    pc in r15 under the current state, or NULL to return to the loop."""
    cdef TB *tb = tb_lookup(env, env.v[V_PC], tb_flags_of(env))
    if tb == NULL:
        return NULL
    return tb.native


cdef void jit_tier_up(CPUARMState *env, TB *tb) noexcept nogil:
    """Baseline native code reached its tier-up count: queue the block for
    the optimising compiler (again on a later entry if the queue is full)."""
    if tb.jit_state == JIT_BASELINE:
        queue_hot(env, tb)


def runtime_symbols():
    """The exec loop's functions that generated code calls."""
    return {"jit_lookup_native": <uintptr_t>jit_lookup_native,
            "jit_tier_up": <uintptr_t>jit_tier_up}


def cpu_exec(CPU cpu, uint64_t max_blocks=0, bint resume=False):
    """Run until Python is needed, or (max_blocks != 0) until that many
    blocks ran; returns (RUN_* code, blocks run).  resume: run the block
    that RUN_DEBUG stopped before."""
    cdef CPUARMState *env = cpu.env
    cdef int r
    cdef uint64_t ran = 0
    with nogil:
        r = cpu_exec_nogil(env, max_blocks, resume, &ran)
    return r, ran


def do_pending_exception(CPU cpu):
    """Take the exception that cpu_exec returned for (after Python logged
    or declined to serve it)."""
    if cpu.env.exception_index == EXCP_IRQ or cpu.env.exception_index == EXCP_FIQ:
        cpu.env.exception_index = EXCP_NONE
        take_pending_interrupt(cpu.env)
    else:
        do_interrupt(cpu.env)


def set_debug_flags(CPU cpu, uint32_t flags):
    cpu.env.debug_flags = flags


def take_store_log(CPU cpu):
    """[(address, size)] the interpreter stored to since the last call, or
    None when there were more than the log holds."""
    cdef CPUARMState *env = cpu.env
    cdef uint32_t i
    out = None
    if env.store_log_n <= STORE_LOG_SIZE:
        out = [(env.store_log[i] >> 2, 1 << (env.store_log[i] & 3)) for i in range(env.store_log_n)]
    env.store_log_n = 0
    return out
