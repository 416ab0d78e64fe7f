/* fw_cfg over MMIO (QEMU docs/specs/fw_cfg.rst): signature and ID through
 * the data register, the file directory, a DMA read and a DMA skip. */
#include "guest.h"

#define FWCFG       0x09020000u
#define DATA8       (*(volatile uint8_t *)(FWCFG + 0x00))
#define DATA32      (*(volatile uint32_t *)(FWCFG + 0x00))
#define SEL         (*(volatile uint16_t *)(FWCFG + 0x08))
#define DMA_HI      (*(volatile uint32_t *)(FWCFG + 0x10))
#define DMA_LO      (*(volatile uint32_t *)(FWCFG + 0x14))

static uint32_t be32(uint32_t x) { return __builtin_bswap32(x); }
static uint16_t be16(uint16_t x) { return __builtin_bswap16(x); }

static void select_key(uint16_t key) { SEL = be16(key); }

static uint32_t read_be32(void)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = (v << 8) | DATA8;
    return v;
}

struct dma_access {
    uint32_t control, length;
    uint32_t address_hi, address_lo;
} __attribute__((aligned(16)));

static volatile struct dma_access dma;
static uint8_t buf[64];

static uint32_t do_dma(uint32_t control, uint32_t len, void *dst)
{
    dma.control = be32(control);
    dma.length = be32(len);
    dma.address_hi = 0;
    dma.address_lo = be32((uint32_t)dst);
    DMA_HI = 0;
    DMA_LO = be32((uint32_t)&dma);
    return be32(dma.control);
}

int main(void)
{
    select_key(0x0000);
    uint32_t sig = DATA32;                        /* string order: "QEMU" */
    printf("signature: %c%c%c%c\n", sig & 0xFF, (sig >> 8) & 0xFF, (sig >> 16) & 0xFF, sig >> 24);
    select_key(0x0001);
    uint32_t id = DATA8;                          /* little-endian features */
    id |= (uint32_t)DATA8 << 8;
    id |= (uint32_t)DATA8 << 16;
    id |= (uint32_t)DATA8 << 24;
    printf("id: %x\n", id);
    printf("dma signature: %x %x\n", be32(DMA_HI), be32(DMA_LO));

    select_key(0x0005);
    printf("nb_cpus: %d\n", DATA8 | (DATA8 << 8));

    select_key(0x0019);
    uint32_t count = read_be32();
    printf("files: %u\n", count);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t size = read_be32();
        uint32_t sel_res = read_be32();
        char name[57];
        for (int j = 0; j < 56; j++)
            name[j] = (char)DATA8;
        name[56] = 0;
        printf("  %x %u %s\n", sel_res >> 16, size, name);
    }

    memset(buf, 0xEE, sizeof(buf));
    uint32_t st = do_dma((0x0000u << 16) | 0x08 | 0x02, 6, buf);   /* select + read */
    printf("dma read: %x %c%c%c%c %x %x %x\n", st, buf[0], buf[1], buf[2], buf[3],
           buf[4], buf[5], buf[6]);
    select_key(0x0019);
    st = do_dma(0x04, 4, 0);                      /* skip the count */
    st |= do_dma(0x02, 4, buf);                   /* first entry's size */
    printf("dma skip+read: %x %x\n", st, be32(*(uint32_t *)buf));
    st = do_dma((0x7FFFu << 16) | 0x08 | 0x02, 4, buf);  /* no such item: zeros */
    printf("dma missing: %x %x\n", st, *(uint32_t *)buf);
    st = do_dma((0x0000u << 16) | 0x08 | 0x10, 4, buf);  /* write: not allowed */
    printf("dma write: %x\n", st);
    return 0;
}
