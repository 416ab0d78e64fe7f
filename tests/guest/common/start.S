/* Guest start-up: vector table at the image start, reset handler, PSCI off.
 * Programs override the weak *_handler symbols with their own vectors'
 * targets (see exceptions_asm.S); the default reports and powers off. */
    .syntax unified
    .arm
    .arch armv7-a
    .arch_extension virt        @ for hvc
    .arch_extension sec

    .equ MODE_FIQ, 0x11
    .equ MODE_IRQ, 0x12
    .equ MODE_SVC, 0x13
    .equ MODE_ABT, 0x17
    .equ MODE_UND, 0x1b
    .equ MODE_SYS, 0x1f
    .equ MASK_AIF, 0x1c0
    .equ PSCI_SYSTEM_OFF, 0x84000008

    .section .vectors, "ax"
    .global _start, vector_table
_start:
vector_table:
    ldr pc, vec_reset
    ldr pc, vec_undef
    ldr pc, vec_svc
    ldr pc, vec_pabt
    ldr pc, vec_dabt
    ldr pc, vec_reset           @ 0x14: not used (HYP trap)
    ldr pc, vec_irq
    ldr pc, vec_fiq
vec_reset: .word reset_handler
vec_undef: .word undef_handler
vec_svc:   .word svc_handler
vec_pabt:  .word pabt_handler
vec_dabt:  .word dabt_handler
vec_irq:   .word irq_handler
vec_fiq:   .word fiq_handler

    .text
    .weak undef_handler, svc_handler, pabt_handler, dabt_handler
    .weak irq_handler, fiq_handler
    .set undef_handler, unexpected_undef
    .set svc_handler, unexpected_svc
    .set pabt_handler, unexpected_pabt
    .set dabt_handler, unexpected_dabt
    .set irq_handler, unexpected_irq
    .set fiq_handler, unexpected_fiq

reset_handler:
    cpsid aif, #MODE_SVC
    @ vectors at VBAR (SCTLR.V = 0), VBAR = this image
    mrc p15, 0, r0, c1, c0, 0
    bic r0, r0, #(1 << 13)
    mcr p15, 0, r0, c1, c0, 0
    ldr r0, =vector_table
    mcr p15, 0, r0, c12, c0, 0
    isb

#ifdef __ARM_FP
    @ hard-float guests: cp10/cp11 full access (CPACR), then FPEXC.EN
    .fpu vfpv4
    mrc p15, 0, r0, c1, c0, 2
    orr r0, r0, #(0xf << 20)
    mcr p15, 0, r0, c1, c0, 2
    isb
    mov r0, #0x40000000
    vmsr fpexc, r0
#endif

    @ one stack per mode
    cps #MODE_FIQ
    ldr sp, =__stack_fiq_top
    cps #MODE_IRQ
    ldr sp, =__stack_irq_top
    cps #MODE_ABT
    ldr sp, =__stack_abt_top
    cps #MODE_UND
    ldr sp, =__stack_und_top
    cps #MODE_SYS
    ldr sp, =__stack_sys_top
    cps #MODE_SVC
    ldr sp, =__stack_svc_top

    @ zero .bss
    ldr r0, =__bss_start
    ldr r1, =__bss_end
    mov r2, #0
1:  cmp r0, r1
    strlo r2, [r0], #4
    blo 1b

    bl main
    b guest_exit                @ guest_exit(main's return value)

    .global psci_system_off
    .type psci_system_off, %function   @ ARM code: Thumb callers need BLX (the linker sees the type)
psci_system_off:
    ldr r0, =PSCI_SYSTEM_OFF
    hvc #0
1:  wfi                         @ power-off failed: wait for the timeout
    b 1b

@ An exception nobody expected: print its name and stop.
    .macro unexpected name, num
unexpected_\name:
    cpsid aif
    ldr sp, =__stack_und_top    @ whatever mode we are in, use a known stack
    mov r1, lr
    mov r0, #\num
    b unexpected_exception      @ (num, lr) -> never returns
    .endm
    unexpected undef, 1
    unexpected svc, 2
    unexpected pabt, 3
    unexpected dabt, 4
    unexpected irq, 6
    unexpected fiq, 7

unexpected_exception:
    mov r4, r0
    mov r5, r1
    ldr r0, =unexpected_fmt
    mov r1, r4
    mov r2, r5
    bl printf
    mov r0, #99
    b guest_exit

    .section .rodata
unexpected_fmt:
    .asciz "*** unexpected exception %d, lr=0x%08x\n"
