/* pl0_try(fn): run fn in User mode; 1 if it took an UNDEF (the UNDEF
 * handler notes it and skips the instruction).  fn returns with SVC #0,
 * whose handler resumes after the SVC in SVC mode. */
    .syntax unified
    .arm
    .arch armv7-a

    .text
    .global pl0_try
    .global pl0_pmccntr_read, pl0_pmuserenr_read, pl0_pmintenset_read
    .global pl0_teehbr_read, pl0_teehbr_write, pl0_teecr_read, pl0_teecr_write

@ uint32_t pl0_try(void (*fn)(void))
pl0_try:
    push {r4, lr}
    ldr r4, =undef_hit
    mov r1, #0
    str r1, [r4]
    cps #0x10                       @ User (SP is the System stack)
    blx r0
    svc #0                          @ back to SVC
    ldr r0, [r4]
    pop {r4, pc}

#include "undef_probe.h"

@ the User-mode probes (leaf functions: bx lr back into pl0_try)
pl0_pmccntr_read:    mrc p15, 0, r0, c9, c13, 0
                     bx lr
pl0_pmuserenr_read:  mrc p15, 0, r0, c9, c14, 0
                     bx lr
pl0_pmintenset_read: mrc p15, 0, r0, c9, c14, 1
                     bx lr
pl0_teehbr_read:     mrc p14, 6, r0, c1, c0, 0
                     bx lr
pl0_teehbr_write:    mov r0, #0
                     mcr p14, 6, r0, c1, c0, 0
                     bx lr
pl0_teecr_read:      mrc p14, 6, r0, c0, c0, 0
                     bx lr
pl0_teecr_write:     mov r0, #0
                     mcr p14, 6, r0, c0, c0, 0
                     bx lr
