/* virtio-console over virtio-mmio, single port, polled (virtio 1.2 5.3).
 *
 * Finds the console device, negotiates VERSION_1 and EMERG_WRITE (not
 * MULTIPORT: port 0 is then live from DRIVER_OK, 5.3.6), sends one line on
 * port 0's transmitq, then two characters through the emerg_wr config
 * field (5.3.4).  The host side (QEMU's -chardev file) receives both.
 */
#include "guest.h"

#define MMIO_BASE   0x0a000000u
#define MMIO_STRIDE 0x200u

#define QSIZE 4
#define D_WRITE 2

struct desc { uint32_t addr_lo, addr_hi, len; uint16_t flags, next; };
struct avail { uint16_t flags, idx, ring[QSIZE], used_event; };
struct used_elem { uint32_t id, len; };
struct used { uint16_t flags, idx; struct used_elem ring[QSIZE]; uint16_t avail_event; };
struct queue {
    struct desc desc[QSIZE] __attribute__((aligned(16)));
    struct avail avail __attribute__((aligned(4)));
    struct used used __attribute__((aligned(4)));
};

static struct queue rxq, txq;
static const char line[] = "hello from the guest over virtio-console\n";
static uint32_t base;

static inline void dsb(void) { __asm__ volatile("dsb" ::: "memory"); }
static uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(base + off); }
static void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(base + off) = v; }

static void setup(uint32_t index, struct queue *q)
{
    wr(0x030, index);
    wr(0x038, QSIZE);
    wr(0x080, (uint32_t)q->desc);
    wr(0x084, 0);
    wr(0x090, (uint32_t)&q->avail);
    wr(0x094, 0);
    wr(0x0a0, (uint32_t)&q->used);
    wr(0x0a4, 0);
    wr(0x044, 1);
}

int main(void)
{
    int slot = -1;
    for (int i = 0; i < 32 && slot < 0; i++) {
        base = MMIO_BASE + MMIO_STRIDE * (uint32_t)i;
        if (rd(0x000) == 0x74726976u && rd(0x004) == 2 && rd(0x008) == 3)
            slot = i;
    }
    if (slot < 0) {
        printf("no modern virtio-console\n");
        guest_exit(1);
    }
    printf("console on slot %d\n", slot);
    wr(0x070, 0);
    wr(0x070, 1);
    wr(0x070, 3);
    wr(0x014, 0);
    uint32_t lo = rd(0x010);
    printf("features: SIZE %u MULTIPORT %u EMERG_WRITE %u; max_nr_ports %u\n",
           lo & 1, (lo >> 1) & 1, (lo >> 2) & 1, rd(0x104));
    wr(0x024, 0);
    wr(0x020, lo & 4);
    wr(0x024, 1);
    wr(0x020, 1);
    wr(0x070, 11);
    printf("status %u\n", rd(0x070));
    setup(0, &rxq);
    setup(1, &txq);
    wr(0x070, 15);

    txq.desc[0] = (struct desc){(uint32_t)line, 0, sizeof line - 1, 0, 0};
    txq.avail.ring[0] = 0;
    dsb();
    txq.avail.idx = 1;
    dsb();
    wr(0x050, 1);
    uint32_t spin;
    for (spin = 0; spin < 10000000u; spin++) {
        dsb();
        if (*(volatile uint16_t *)&txq.used.idx == 1)
            break;
    }
    printf("transmit: used idx %u id %u len %u\n", txq.used.idx, txq.used.ring[0].id,
           txq.used.ring[0].len);
    wr(0x100 + 8, 'E');     /* emerg_wr */
    wr(0x100 + 8, '\n');
    printf("isr %u\n", rd(0x060));
    guest_exit(0);
}
