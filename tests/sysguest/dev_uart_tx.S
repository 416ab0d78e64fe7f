/* IRQ entry for dev_uart_tx.c (as dev_uart_rx.S). */
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
