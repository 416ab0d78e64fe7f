/* Code that rewrites itself, for smc.c. */
    .syntax unified
    .arm
    .arch armv7-a

    .text
    .balign 64

@ uint32_t self_patch(uint32_t x, uint32_t insn, uint32_t patch)
@ If patch != 0, first stores insn over the instruction at `slot` -- in
@ this function, so in the page that is running -- and makes the store
@ visible to instruction fetch (ARM ARM B2.2.9): DCCMVAU, DSB, ICIMVAU,
@ BPIALL, DSB, ISB.  Then runs slot with r0 = x and returns r0.
    .global self_patch
    .type self_patch, %function
self_patch:
    cmp r2, #0
    beq slot
    adr r3, slot
    str r1, [r3]
    mcr p15, 0, r3, c7, c11, 1      @ DCCMVAU: clean to the point of unification
    dsb
    mcr p15, 0, r3, c7, c5, 1       @ ICIMVAU: invalidate the instruction line
    mcr p15, 0, r3, c7, c5, 6       @ BPIALL: branch predictors
    dsb
    isb                             @ later instructions are fetched anew
slot:
    mov r0, r0                      @ replaced by insn
    bx lr
    .size self_patch, . - self_patch
