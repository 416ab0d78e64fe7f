/* PL0 access checks for timer_poll.c: drop to User mode, try MRRC CNTVCT,
 * come back with SVC (whose handler resumes after the SVC in SVC mode). */
    .syntax unified
    .arm
    .arch armv7-a

    .text
    .global pl0_cntvct_undefs, undef_handler, svc_handler

@ uint32_t pl0_cntvct_undefs(uint32_t cntkctl): 1 if the PL0 read was UNDEF
pl0_cntvct_undefs:
    push {r4, lr}
    mcr p15, 0, r0, c14, c1, 0      @ CNTKCTL
    isb
    ldr r4, =undef_hit
    mov r1, #0
    str r1, [r4]
    cps #0x10                       @ User
    mrrc p15, 1, r2, r3, c14        @ CNTVCT
    svc #0                          @ back to SVC
    ldr r0, [r4]
    pop {r4, pc}

undef_handler:                      @ UND mode: note it, skip the instruction
    push {r0, r1}
    ldr r0, =undef_hit
    mov r1, #1
    str r1, [r0]
    pop {r0, r1}
    movs pc, lr

svc_handler:                        @ continue after the SVC, now in SVC mode
    bx lr

    .data
    .align 2
undef_hit: .word 0
