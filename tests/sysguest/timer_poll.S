/* PL0 access checks for timer_poll.c: drop to User mode, try MRRC CNTVCT,
 * come back with SVC (whose handler resumes after the SVC in SVC mode). */
    .syntax unified
    .arm
    .arch armv7-a

    .text
    .global pl0_cntvct_undefs

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

#include "undef_probe.h"
