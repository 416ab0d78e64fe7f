/* Waits in WFI until the virtual timer fires WAIT_TICKS ticks (62.5 MHz)
 * from now, then powers off: the host CPU time armtcg spends while a guest
 * sits in WFI (bench/wfi_idle.py). */
    .syntax unified
    .arm
    .arch armv7-a
    .arch_extension virt
    .global _start
_start:
    ldr r0, =WAIT_TICKS
    mcr p15, 0, r0, c14, c3, 0  @ CNTV_TVAL
    mov r0, #1
    mcr p15, 0, r0, c14, c3, 1  @ CNTV_CTL: ENABLE, output unmasked
    isb
1:  wfi                         @ may end at the deadline even though the GIC is off
                                @ (WFI may complete early: ARM ARM B1.8.13)
    mrc p15, 0, r0, c14, c3, 1
    tst r0, #4                  @ ISTATUS
    beq 1b
    ldr r0, =0x84000008
    hvc #0
    b .
