/* Long-descriptor (LPAE) MMU (ARM ARM DDI 0406C B3.6, B3.7, B3.8.4, B3.9,
 * B3.10, B3.12.4, B4.1.113): TTBCR.EAE = 1, 64-bit TTBRs, three levels,
 * MAIR attributes, the long-descriptor fault status and the 64-bit PAR.
 * tests/test_mmu_lpae.py holds the expected values with their rules.
 *
 * Level 1 (T0SZ = 0: four 1 GB entries): 0-1 GB a level 2 table with the
 * UART block, 1-2 GB an identity block (RAM), 2-3 GB the test table,
 * 3-4 GB a 1 GB block onto RAM (PL1 only).
 */
#include "mmu_common.h"

#define D_BLOCK  1ull
#define D_TABLE  3ull
#define D_PAGE   3ull
#define ATTR(i)  ((uint64_t)(i) << 2)       /* AttrIndx[2:0] */
#define AP(a)    ((uint64_t)(a) << 6)       /* AP[2:1] */
#define SH(s)    ((uint64_t)(s) << 8)
#define AF       (1ull << 10)
#define NG       (1ull << 11)
#define PXN      (1ull << 53)
#define XN       (1ull << 54)
#define PXNTABLE (1ull << 59)
#define XNTABLE  (1ull << 60)
#define APTABLE(a) ((uint64_t)(a) << 61)

/* MAIR0: 0 Normal WB-WA, 1 Device, 2 Strongly-ordered, 3 Normal NC;
 * MAIR1: 4 Normal WT (read/write-allocate) */
#define MAIR0_VAL 0x440004ffu
#define MAIR1_VAL 0x000000bbu

#define NORMAL  (ATTR(0) | SH(3) | AF)
#define RW_ALL  AP(1)

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l1b[512] __attribute__((aligned(4096)));
static uint64_t l1_hi[512] __attribute__((aligned(4096)));
static uint64_t l2_low[512] __attribute__((aligned(4096)));
static uint64_t l2_test[512] __attribute__((aligned(4096)));
static uint64_t l2_test_b[512] __attribute__((aligned(4096)));
static uint64_t l2_hi[512] __attribute__((aligned(4096)));
static uint64_t l3a[512] __attribute__((aligned(4096)));
static uint64_t l3b[512] __attribute__((aligned(4096)));
static uint64_t l3c[512] __attribute__((aligned(4096)));
static uint64_t l3_asid_a[512] __attribute__((aligned(4096)));
static uint64_t l3_asid_b[512] __attribute__((aligned(4096)));

static uint64_t table(uint64_t *next, uint64_t attrs)
{
    return (uint64_t)(uint32_t)next | attrs | D_TABLE;
}

static void sync_tables(void)
{
    DSB();
    ISB();
}

static void ttbr0(uint64_t asid, uint64_t *l1t)
{
    MCRR(0, c2, (asid << 48) | (uint32_t)l1t);
    ISB();
}

static void check_par64(const char *name)
{
    printf("%s %016llx\n", name, (unsigned long long)PAR64_READ());
}

static void walks(void)
{
    fill(0x44000100, 4, 0x11110000);
    fill(0x44200020, 4, 0x44440000);
    put_return_n(0x44300000, 7);
    l2_test[0] = 0x44000000 | NORMAL | RW_ALL | D_BLOCK;       /* 2 MB block */
    l2_test[1] = table(l3a, 0);
    l3a[0] = 0x44200000 | NORMAL | RW_ALL | D_PAGE;            /* 4 KB page */
    l3a[1] = 0;
    l3a[2] = 0x44200000 | ATTR(0) | SH(3) | RW_ALL | D_PAGE;   /* AF = 0 */
    l3a[3] = 0x44200000 | NORMAL | AP(3) | D_PAGE;             /* RO at both */
    l3a[4] = 0x44200000 | NORMAL | AP(0) | D_PAGE;             /* PL1 only */
    l3a[5] = 0x44300000 | NORMAL | RW_ALL | XN | D_PAGE;
    l3a[6] = 0x44300000 | NORMAL | RW_ALL | D_PAGE;
    l3a[7] = 0x44300000 | NORMAL | RW_ALL | PXN | D_PAGE;
    l3a[8] = 0x44200000 | NORMAL | RW_ALL | 1;                 /* 0b01 at level 3: reserved */
    l2_test[2] = 0;
    l2_test[3] = 0x44000000 | ATTR(0) | SH(3) | RW_ALL | D_BLOCK;   /* AF = 0 */
    l2_test[4] = 0x44000000 | NORMAL | AP(3) | D_BLOCK;
    sync_tables();
    check_read("block_l2", 0x80000104);
    check_read("page_l3", 0x80200020);
    check_read("block_l1", 0xc4000104);
    check_read_user("block_l1_pl0", 0xc4000104);
    check_read("xlat_l3", 0x80201000);
    check_read("xlat_l3_reserved", 0x80208000);
    check_read("xlat_l2", 0x80400000);
    check_read("af_l3", 0x80202020);
    check_read("af_l2", 0x80600104);
    check_write("perm_l3_ro_write", 0x80203000, 1);
    check_read_user("perm_l3_ro_read_pl0", 0x80203020);
    check_read_user("perm_l3_priv_pl0", 0x80204020);
    check_write("perm_l2_ro_write", 0x80800000, 1);
    check_exec("exec_l3", 0x80206000);
    check_exec("exec_l3_xn", 0x80205000);
    check_exec("exec_l3_pxn", 0x80207000);
}

static void table_limits(void)
{
    /* APTable, XNTable, PXNTable limit the levels below (B3.6.1) */
    l3b[0] = 0x44200000 | NORMAL | RW_ALL | D_PAGE;
    l3c[0] = 0x44300000 | NORMAL | RW_ALL | D_PAGE;
    l2_test[5] = table(l3b, APTABLE(2));     /* no write access */
    l2_test[6] = table(l3b, APTABLE(1));     /* no PL0 access */
    l2_test[7] = table(l3c, XNTABLE);
    l2_test[8] = table(l3c, PXNTABLE);
    l2_test[9] = 0x44300000 | NORMAL | RW_ALL | PXN | D_BLOCK;
    sync_tables();
    check_read("aptable_ro_read", 0x80a00020);
    check_write("aptable_ro_write", 0x80a00000, 1);
    check_read_user("aptable_ro_read_pl0", 0x80a00020);
    check_read("aptable_nopl0_read", 0x80c00020);
    check_read_user("aptable_nopl0_read_pl0", 0x80c00020);
    check_exec("xntable_exec", 0x80e00000);
    check_exec("pxntable_exec", 0x81000000);
    check_exec("pxn_block_exec", 0x81200000);
}

static void attributes(void)
{
    l2_test[10] = 0x44000000 | ATTR(1) | SH(2) | AF | RW_ALL | XN | D_BLOCK;  /* Device */
    l2_test[11] = 0x44000000 | ATTR(4) | SH(2) | AF | RW_ALL | D_BLOCK;       /* MAIR1: WT */
    l2_test[12] = 0x100000000ull | NORMAL | RW_ALL | D_BLOCK;                 /* PA 4 GB */
    l2_test[13] = table((uint64_t *)0, 0) | 0x100000000ull;                   /* L3 table at 4 GB */
    sync_tables();
    check_read("device_unaligned", 0x81400101);
    check_read("normal_unaligned", 0x80000101);
    SCTLR_WRITE(SCTLR_READ() | 2);           /* SCTLR.A: every unaligned access faults */
    check_read("sctlr_a_unaligned", 0x80000101);
    SCTLR_WRITE(SCTLR_READ() & ~2u);
    check_read("above_4g_read", 0x81800000);
    check_read("walk_above_4g", 0x81a00000);
}

static void ats(void)
{
    ATS1CPR(0x80000104);
    check_par64("ats_block");
    printf("ats_par32 %08x\n", PAR_READ());
    ATS1CPR(0x80200020);
    check_par64("ats_page");
    ATS1CPR(0xc4000104);
    check_par64("ats_block_l1");
    ATS1CPR(0x81400000);
    check_par64("ats_device");
    ATS1CPR(0x81600000);
    check_par64("ats_mair1");
    ATS1CPR(0x81800000);
    check_par64("ats_above_4g");
    ATS1CPW(0x80800000);
    check_par64("ats_cpw_ro");
    ATS1CUR(0x80204000);
    check_par64("ats_cur_priv");
    ATS1CUW(0x80203000);
    check_par64("ats_cuw_ro");
    ATS1CUR(0x80203000);
    check_par64("ats_cur_ro");
    ATS1CPR(0x80400000);
    check_par64("ats_xlat_l2");
    ATS1CPR(0x80202000);
    check_par64("ats_af_l3");
}

static void split(void)
{
    /* TTBR0 [0, 2 GB) with T0SZ = 1; TTBR1 with T1SZ = 1 [2 GB, 4 GB) or
     * T1SZ = 2 [3 GB, 4 GB), starting at level 2 (B3.6.4, B3.6.6) */
    fill(0x44800100, 4, 0x55550000);
    l2_hi[0] = 0x44800000 | NORMAL | RW_ALL | D_BLOCK;       /* 2 MB aligned */
    l1_hi[0] = table(l2_hi, 0);
    sync_tables();
    MCRR(1, c2, (uint32_t)l1_hi);
    ISB();
    TTBCR_WRITE((1u << 31) | 1 | (1u << 16));
    check_read("t1sz1_ttbr1", 0x80000104);
    check_read("t1sz1_ttbr0", 0x40100000);
    MCRR(1, c2, (uint32_t)l2_hi);
    ISB();
    TTBCR_WRITE((1u << 31) | 1 | (2u << 16));
    check_read("t1sz2_ttbr1", 0xc0000104);
    check_read("t1sz2_gap", 0x80000104);
    TTBCR_WRITE((1u << 31) | 1 | (2u << 16) | (1u << 23));   /* EPD1 */
    check_read("epd1", 0xc0000104);
    TTBCR_WRITE(1u << 31);
    TLBIALL();
    check_read("t0sz0", 0x80000104);
}

static void asids(void)
{
    /* the ASID is TTBR0[55:48] (TTBCR.A1 = 0): nG pages of ASIDs 1 and 2 */
    fill(0x44400000, 4, 0xa0a00000);
    fill(0x44401000, 4, 0xb0b00000);
    put_return_n(0x44402000, 1);
    put_return_n(0x44403000, 2);
    l3_asid_a[0] = 0x44400000 | NORMAL | RW_ALL | NG | D_PAGE;
    l3_asid_a[1] = 0x44402000 | NORMAL | RW_ALL | NG | D_PAGE;
    l3_asid_b[0] = 0x44401000 | NORMAL | RW_ALL | NG | D_PAGE;
    l3_asid_b[1] = 0x44403000 | NORMAL | RW_ALL | NG | D_PAGE;
    for (int i = 0; i < 512; i++) {
        l1b[i] = l1[i];
        l2_test_b[i] = l2_test[i];
    }
    l2_test[14] = table(l3_asid_a, 0);
    l2_test_b[14] = table(l3_asid_b, 0);
    l1b[2] = table(l2_test_b, 0);
    sync_tables();
    for (int round = 0; round < 2; round++) {
        ttbr0(1, l1);
        check_read("asid1_data", 0x81c00000);
        check_exec("asid1_code", 0x81c01000);
        ttbr0(2, l1b);
        check_read("asid2_data", 0x81c00000);
        check_exec("asid2_code", 0x81c01000);
    }
    ttbr0(1, l1);
}

static void tlb_maintenance(void)
{
    fill(0x44600000, 4, 0xc0c00000);
    fill(0x44601000, 4, 0xd0d00000);
    /* non-global throughout: TLBIASID leaves global entries alone (B4.2.2) */
    l3a[16] = 0x44600000 | NORMAL | RW_ALL | NG | D_PAGE;
    sync_tables();
    check_read("tlb_before", 0x80210000);
    l3a[16] = 0x44601000 | NORMAL | RW_ALL | NG | D_PAGE;
    TLBIMVA(0x80210000 | 1);
    check_read("tlbimva", 0x80210000);
    l3a[16] = 0x44600000 | NORMAL | RW_ALL | NG | D_PAGE;
    TLBIASID(1);
    check_read("tlbiasid", 0x80210000);
    l3a[16] = 0x44601000 | NORMAL | RW_ALL | NG | D_PAGE;
    TLBIMVAA(0x80210000);
    check_read("tlbimvaa", 0x80210000);
    /* a 2 MB block: TLBIMVA of one address drops the whole entry */
    fill(0x44080000, 1, 0xe0e00000);
    fill(0x44280000, 1, 0xf0f00000);
    l2_test[15] = 0x44000000 | NORMAL | RW_ALL | D_BLOCK;
    sync_tables();
    check_read("block_before", 0x81e80000);
    l2_test[15] = 0x44200000 | NORMAL | RW_ALL | D_BLOCK;
    TLBIMVA(0x81e00000 | 1);
    check_read("block_tlbimva", 0x81e80000);
}

int main(void)
{
    l2_low[0x09000000 >> 21] = 0x09000000 | ATTR(1) | SH(2) | AF | RW_ALL | XN | D_BLOCK;
    l1[0] = table(l2_low, 0);
    l1[1] = 0x40000000 | NORMAL | RW_ALL | D_BLOCK;           /* 1 GB identity */
    l1[2] = table(l2_test, 0);
    l1[3] = 0x40000000 | NORMAL | AP(0) | D_BLOCK;            /* 1 GB, PL1 only */
    sync_tables();
    MCR(0, c10, c2, 0, MAIR0_VAL);
    MCR(0, c10, c2, 1, MAIR1_VAL);
    TTBCR_WRITE(1u << 31);                                    /* EAE, T0SZ = T1SZ = 0 */
    ttbr0(1, l1);
    TLBIALL();
    SCTLR_WRITE(SCTLR_READ() | 1);
    printf("mmu_on %d ttbcr %08x\n", (int)(SCTLR_READ() & 1), MRC(0, c2, c0, 2));
    walks();
    table_limits();
    attributes();
    ats();
    split();
    asids();
    tlb_maintenance();
    printf("done\n");
    return 0;
}
