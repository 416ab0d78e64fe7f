/* IRQ entry for dev_uart_rx.c: save the caller-saved registers, call
 * uart_irq(), return to the interrupted instruction (ARM ARM B1.8.10:
 * the IRQ's LR is the return address + 4). */
    .syntax unified
    .arm
    .text
    .global irq_handler
irq_handler:
    sub lr, lr, #4
    push {r0-r3, r12, lr}
    bl uart_irq
    pop {r0-r3, r12, lr}
    movs pc, lr
