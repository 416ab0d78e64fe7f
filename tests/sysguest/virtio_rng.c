/* virtio-rng over virtio-mmio, polled (virtio 1.2 sections 3.1, 4.2, 2.7, 5.4).
 *
 * Prints the device of every occupied transport (so a test can check which
 * slot each -device lands in), then on the entropy device: negotiates
 * VERSION_1 only, posts one chain of two device-writable buffers (24 + 8
 * bytes) and prints the used length, whether the bytes changed from the
 * 0x5a fill, and that bytes around the buffers were left alone.
 */
#include "guest.h"

#define MMIO_BASE   0x0a000000u
#define MMIO_STRIDE 0x200u
#define NSLOTS      32

#define R_MAGIC          0x000
#define R_VERSION        0x004
#define R_DEVICE_ID      0x008
#define R_DEV_FEATURES   0x010
#define R_DEV_FEAT_SEL   0x014
#define R_DRV_FEATURES   0x020
#define R_DRV_FEAT_SEL   0x024
#define R_QUEUE_SEL      0x030
#define R_QUEUE_NUM_MAX  0x034
#define R_QUEUE_NUM      0x038
#define R_QUEUE_READY    0x044
#define R_QUEUE_NOTIFY   0x050
#define R_INT_STATUS     0x060
#define R_INT_ACK        0x064
#define R_STATUS         0x070
#define R_DESC_LO        0x080
#define R_DRIVER_LO      0x090
#define R_DEVICE_LO      0x0a0

#define QSIZE 4
#define D_NEXT 1
#define D_WRITE 2

struct desc { uint32_t addr_lo, addr_hi, len; uint16_t flags, next; };
struct avail { uint16_t flags, idx, ring[QSIZE], used_event; };
struct used_elem { uint32_t id, len; };
struct used { uint16_t flags, idx; struct used_elem ring[QSIZE]; uint16_t avail_event; };

static struct desc desc[QSIZE] __attribute__((aligned(16)));
static struct avail avail __attribute__((aligned(4)));
static struct used used __attribute__((aligned(4)));
static uint8_t buf[64] __attribute__((aligned(16)));

static uint32_t base;

static inline void dsb(void) { __asm__ volatile("dsb" ::: "memory"); }
static uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(base + off); }
static void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(base + off) = v; }

static uint32_t changed(uint32_t from, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t i = from; i < from + n; i++)
        c += buf[i] != 0x5a;
    return c;
}

int main(void)
{
    int slot = -1;
    for (int i = 0; i < NSLOTS; i++) {
        base = MMIO_BASE + MMIO_STRIDE * (uint32_t)i;
        uint32_t id = rd(R_DEVICE_ID);
        if (rd(R_MAGIC) != 0x74726976u || rd(R_VERSION) != 2)
            printf("slot %d: magic %x version %u\n", i, rd(R_MAGIC), rd(R_VERSION));
        if (id != 0)
            printf("slot %d: device %u\n", i, id);
        if (id == 4 && slot < 0)
            slot = i;
    }
    if (slot < 0) {
        printf("no virtio-rng\n");
        guest_exit(1);
    }
    base = MMIO_BASE + MMIO_STRIDE * (uint32_t)slot;

    wr(R_STATUS, 0);
    wr(R_STATUS, 1);
    wr(R_STATUS, 3);
    wr(R_DEV_FEAT_SEL, 1);
    printf("features hi bit 0 (VERSION_1): %u\n", rd(R_DEV_FEATURES) & 1);
    wr(R_DRV_FEAT_SEL, 0);
    wr(R_DRV_FEATURES, 0);
    wr(R_DRV_FEAT_SEL, 1);
    wr(R_DRV_FEATURES, 1);
    wr(R_STATUS, 11);
    printf("status %u\n", rd(R_STATUS));

    wr(R_QUEUE_SEL, 0);
    wr(R_QUEUE_NUM, QSIZE);
    wr(R_DESC_LO, (uint32_t)desc);
    wr(R_DRIVER_LO, (uint32_t)&avail);
    wr(R_DEVICE_LO, (uint32_t)&used);
    wr(R_QUEUE_READY, 1);
    wr(R_QUEUE_SEL, 1);
    printf("queue 1 num_max %u\n", rd(R_QUEUE_NUM_MAX));   /* only requestq exists */
    wr(R_STATUS, 15);

    memset(buf, 0x5a, sizeof buf);
    desc[0] = (struct desc){(uint32_t)&buf[4], 0, 24, D_WRITE | D_NEXT, 1};
    desc[1] = (struct desc){(uint32_t)&buf[40], 0, 8, D_WRITE, 0};
    avail.ring[0] = 0;
    dsb();
    avail.idx = 1;
    dsb();
    wr(R_QUEUE_NOTIFY, 0);
    uint32_t spin;
    for (spin = 0; spin < 10000000u; spin++) {
        dsb();
        if (*(volatile uint16_t *)&used.idx == 1)
            break;
    }
    if (spin == 10000000u) {
        printf("no answer\n");
        guest_exit(1);
    }
    /* 32 random bytes: a run of 32 unchanged bytes has probability 2^-256 */
    printf("used id %u len %u; random: %u %u; untouched: %u %u %u\n",
           used.ring[0].id, used.ring[0].len, changed(4, 24) >= 20, changed(40, 8) >= 4,
           changed(0, 4), changed(28, 12), changed(48, 16));
    uint32_t isr = rd(R_INT_STATUS);
    wr(R_INT_ACK, isr);
    printf("isr %u -> %u\n", isr, rd(R_INT_STATUS));
    guest_exit(0);
}
