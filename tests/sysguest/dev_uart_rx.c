/* PL011 receive: a line read by polling FR.RXFE, then a line taken by the
 * RX interrupt through the GIC (SPI 1 = INTID 33 on virt).
 * Input (from the test): "hello\n" then, after "ready2", "world\n". */
#include "guest.h"

#define UART        0x09000000u
#define REG(base, off) (*(volatile uint32_t *)((base) + (off)))
#define DR          REG(UART, 0x000)
#define FR          REG(UART, 0x018)
#define IMSC        REG(UART, 0x038)
#define RIS         REG(UART, 0x03C)
#define MIS         REG(UART, 0x040)
#define FR_RXFE     (1u << 4)
#define INT_RX      (1u << 4)

#define GICD        0x08000000u
#define GICC        0x08010000u
#define UART_INTID  33u

static volatile char line[64];
static volatile uint32_t len, done, irqs;

static void take(uint32_t c)
{
    if (len < sizeof(line) - 1)
        line[len++] = (char)c;
    if (c == '\n')
        done = 1;
}

void uart_irq(void)
{
    uint32_t intid = REG(GICC, 0x0C);          /* GICC_IAR */
    if ((intid & 0x3FF) == UART_INTID) {
        irqs++;
        while (!(FR & FR_RXFE))
            take(DR & 0xFF);
    }
    REG(GICC, 0x10) = intid;                   /* GICC_EOIR */
}

static void gic_init(void)
{
    REG(GICD, 0x000) = 1;                      /* GICD_CTLR: forward */
    REG(GICD, 0x820) = 0x0100;                 /* ITARGETSR8: INTID 33 -> CPU0 */
    REG(GICD, 0x104) = 1u << (UART_INTID - 32);/* ISENABLER1 */
    REG(GICC, 0x004) = 0xFF;                   /* GICC_PMR: all priorities */
    REG(GICC, 0x000) = 1;                      /* GICC_CTLR: enable */
}

int main(void)
{
    printf("fr=%x ris=%x\n", FR, RIS);        /* reset: TXFE|RXFE, nothing raised */
    printf("ready1\n");
    len = 0;
    while (!done) {
        while (FR & FR_RXFE)
            ;
        take(DR & 0xFF);
    }
    line[len] = 0;
    printf("polled: %s", line);

    len = 0;
    done = 0;
    gic_init();
    IMSC = INT_RX;
    asm volatile("cpsie i" ::: "memory");
    printf("ready2\n");
    while (!done)
        ;
    asm volatile("cpsid i" ::: "memory");
    line[len] = 0;
    printf("irq: %s", line);
    printf("irqs>0=%d fr.rxfe=%d mis=%x\n", irqs > 0, (FR & FR_RXFE) != 0, MIS & INT_RX);
    return 0;
}
