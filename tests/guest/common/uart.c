/* Guest target layer: PL011 UART output and PSCI power-off (QEMU virt). */
#include "guest.h"

#define UART0_BASE  0x09000000u
#define UART_DR     (*(volatile uint32_t *)(UART0_BASE + 0x00))
#define UART_FR     (*(volatile uint32_t *)(UART0_BASE + 0x18))
#define UART_FR_TXFF (1u << 5)      /* transmit FIFO full */

void uart_putc(int c)
{
    while (UART_FR & UART_FR_TXFF)
        ;
    UART_DR = (uint32_t)(unsigned char)c;
}

void psci_system_off(void) __attribute__((noreturn));   /* start.S */

/* Called by start.S when main returns, with main's return value. */
void guest_exit(int code)
{
    if (code != 0)
        printf("*** exit code %d\n", code);
    psci_system_off();
}
