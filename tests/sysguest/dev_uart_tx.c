/* PL011 interrupt-driven transmit the way Linux's amba-pl011 does it
 * (pl011_tx_chars from pl011_int): the first byte is written directly,
 * then every TX interrupt writes up to half a FIFO (8 bytes) until the
 * buffer is empty and TXIM is masked again. */
#include "guest.h"

#define UART        0x09000000u
#define REG(base, off) (*(volatile uint32_t *)((base) + (off)))
#define DR          REG(UART, 0x000)
#define FR          REG(UART, 0x018)
#define LCR_H       REG(UART, 0x02C)
#define IMSC        REG(UART, 0x038)
#define RIS         REG(UART, 0x03C)
#define MIS         REG(UART, 0x040)
#define ICR         REG(UART, 0x044)
#define INT_TX      (1u << 5)
#define GICD        0x08000000u
#define GICC        0x08010000u
#define UART_INTID  33u

static const char text[] = "the quick brown fox jumps over the lazy dog\n"
                           "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG\n";
static volatile uint32_t pos, irqs, done;

void uart_irq(void)
{
    uint32_t intid = REG(GICC, 0x0C);
    if ((intid & 0x3FF) == UART_INTID && (MIS & INT_TX)) {
        irqs++;
        for (int n = 0; n < 8 && text[pos]; n++)
            DR = (uint32_t)(unsigned char)text[pos++];
        if (!text[pos]) {
            IMSC = IMSC & ~INT_TX;               /* pl011_stop_tx */
            done = 1;
        }
    }
    REG(GICC, 0x10) = intid;
}

int main(void)
{
    REG(GICD, 0x000) = 1;
    REG(GICD, 0x820) = 0x0100;
    REG(GICD, 0x104) = 1u << (UART_INTID - 32);
    REG(GICC, 0x004) = 0xFF;
    REG(GICC, 0x000) = 1;
    LCR_H = 0x70;                                 /* 8 bits, FIFOs on (Linux) */
    ICR = 0x7FF;
    IMSC = INT_TX;                                /* unmasking alone raises nothing */
    uint32_t ris = RIS, mis = MIS;
    IMSC = 0;
    printf("unmasked: ris=%x mis=%x\n", ris, mis);
    ICR = 0x7FF;
    printf("ris before: %x\n", RIS & INT_TX);
    DR = (uint32_t)(unsigned char)text[pos++];    /* pl011_start_tx_pio's first write */
    printf("ris after write: %x\n", RIS & INT_TX);
    asm volatile("cpsie i" ::: "memory");
    IMSC = INT_TX;
    while (!done)
        ;
    asm volatile("cpsid i" ::: "memory");
    printf("irqs: %u mis: %x ris: %x\n", irqs, MIS, RIS & INT_TX);
    ICR = INT_TX;
    printf("after icr: %x\n", RIS & INT_TX);
    return 0;
}
