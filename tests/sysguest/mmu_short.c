/* Short-descriptor MMU (ARM ARM DDI 0406C B3.5, B3.7, B3.8, B3.9, B3.10,
 * B3.12): builds translation tables, enables the MMU and prints one line
 * per check; tests/test_mmu_short.py holds the expected values with the
 * rule each one comes from.
 *
 * RAM (0x40000000, 128 MB) and the UART are identity-mapped by sections
 * in domain 0; the checks use VAs from 0x80000000 and physical pages
 * from 0x44000000 (above the image).
 */
#include "mmu_common.h"

/* section (B3.5.1): AP[2] 15, TEX 14:12, AP[1:0] 11:10, domain 8:5, XN 4, C 3, B 2, PXN 0 */
#define S_NORMAL   ((1u << 12) | (1u << 3) | (1u << 2))  /* TEX=001 C=1 B=1: WB-WA */
#define S_DEVICE   (1u << 2)                             /* TEX=000 C=0 B=1 */
#define S_SO       0u                                    /* TEX=000 C=0 B=0 */
#define S_XN       (1u << 4)
#define S_PXN      1u
#define S_NG       (1u << 17)
#define S_SUPER    (1u << 18)
/* small page: AP[2] 9, TEX 8:6, AP[1:0] 5:4, C 3, B 2, XN 0; nG 11 */
#define P_NORMAL   ((1u << 6) | (1u << 3) | (1u << 2))
#define P_NG       (1u << 11)
/* large page: TEX 14:12, XN 15 */
#define L_NORMAL   ((1u << 12) | (1u << 3) | (1u << 2))

static uint32_t l1a[4096] __attribute__((aligned(16384)));
static uint32_t l1b[4096] __attribute__((aligned(16384)));
static uint32_t l1c[4096] __attribute__((aligned(16384)));
static uint32_t l2p[256] __attribute__((aligned(1024)));
static uint32_t l2q[256] __attribute__((aligned(1024)));
static uint32_t l2r[256] __attribute__((aligned(1024)));
static uint32_t l2_a[256] __attribute__((aligned(1024)));
static uint32_t l2_b[256] __attribute__((aligned(1024)));

static uint32_t section(uint32_t pa, uint32_t ap, uint32_t dom, uint32_t attrs)
{
    return (pa & 0xfff00000u) | ((ap >> 2) << 15) | ((ap & 3) << 10) | (dom << 5) | attrs | 2;
}

static uint32_t page_table(uint32_t *l2, uint32_t dom, uint32_t pxn)
{
    return ((uint32_t)l2 & 0xfffffc00u) | (dom << 5) | (pxn << 2) | 1;
}

static uint32_t small_page(uint32_t pa, uint32_t ap, uint32_t attrs)
{
    return (pa & 0xfffff000u) | ((ap >> 2) << 9) | ((ap & 3) << 4) | attrs | 2;
}

static uint32_t large_page(uint32_t pa, uint32_t ap, uint32_t attrs)
{
    return (pa & 0xffff0000u) | ((ap >> 2) << 9) | ((ap & 3) << 4) | attrs | 1;
}

static void sync_tables(void)
{
    DSB();
    ISB();
}

static void check_par(const char *name, uint32_t mask)
{
    printf("%s %08x\n", name, PAR_READ() & mask);
}

/* PAR bits QEMU 7.2 fills: PA, SS, NS, F and FS -- not SH/Inner/Outer/NOS */
#define PAR_NO_ATTRS 0xfffff203u

static void switch_mm(uint32_t asid, uint32_t *l1)
{
    /* as Linux's cpu_v7_switch_mm: the ASID, then the table */
    CONTEXTIDR_WRITE(asid);
    TTBR0_WRITE((uint32_t)l1);
}

static void translations(void)
{
    /* section, 1 MB */
    fill(0x44000100, 4, 0x11110000);
    l1a[0x800] = section(0x44000000, 3, 0, S_NORMAL);
    /* supersection, 16 MB: 16 identical entries (B3.5.1) */
    fill(0x45abc000, 4, 0x22220000);
    for (int i = 0; i < 16; i++)
        l1a[0x810 + i] = section(0x45000000, 3, 0, S_NORMAL | S_SUPER);
    /* large page, 64 KB: 16 identical entries; small page, 4 KB */
    fill(0x44104008, 4, 0x33330000);
    fill(0x44200020, 4, 0x44440000);
    l1a[0x820] = page_table(l2p, 1, 0);
    for (int i = 0; i < 16; i++)
        l2p[i] = large_page(0x44100000, 3, L_NORMAL);
    l2p[0x10] = small_page(0x44200000, 3, P_NORMAL);
    sync_tables();
    check_read("section", 0x80000104);
    check_read("supersection", 0x81abc000);
    check_read("large_page", 0x82004008);
    check_read("small_page", 0x82010020);
    check_read("l1_translation", 0x83000000);
    check_read("l2_translation", 0x82020004);
}

static void permissions(void)
{
    l1a[0x801] = section(0x44000000, 5, 2, S_NORMAL);     /* PL1 RO, domain 2 */
    l1a[0x802] = section(0x44000000, 1, 2, S_NORMAL);     /* PL1 RW, PL0 none */
    l1a[0x803] = section(0x44000000, 2, 2, S_NORMAL);     /* PL1 RW, PL0 RO */
    sync_tables();
    check_read("ro_read", 0x80100104);
    check_write("ro_write", 0x80100000, 1);
    check_read("priv_read", 0x80200104);
    check_read_user("priv_read_pl0", 0x80200104);
    check_read_user("pl0ro_read_pl0", 0x80300104);
    check_write_user("pl0ro_write_pl0", 0x80300000, 1);
    check_write("pl0ro_write_pl1", 0x80300108, 0x11110002);
}

static void domains(void)
{
    l1a[0x804] = section(0x44000000, 3, 3, S_NORMAL);
    l1a[0x821] = page_table(l2q, 3, 0);
    l2q[0] = small_page(0x44200000, 3, P_NORMAL);
    sync_tables();
    DACR_WRITE(0x15);              /* domains 0-2 client, 3 no access */
    check_read("domain_section", 0x80400104);
    check_read("domain_page", 0x82100020);
    DACR_WRITE(0x15 | (3 << 6));   /* domain 3 manager: no permission checks */
    check_read("manager_section", 0x80400104);
    DACR_WRITE(0x15 | (3 << 4));   /* domain 2 manager: the PL1 RO section */
    check_write("manager_ro_write", 0x80100100, 0x5a5a5a5a);
    check_read("manager_ro_readback", 0x80000100);
    probe_write(0x80000100, 0x11110000);
    DACR_WRITE(0x55);              /* all four client */
}

static void execute_never(void)
{
    put_return_n(0x44300000, 7);
    l1a[0x805] = section(0x44300000, 3, 0, S_NORMAL | S_XN);
    l1a[0x806] = section(0x44300000, 3, 0, S_NORMAL);
    l1a[0x807] = section(0x44300000, 3, 0, S_NORMAL | S_PXN);
    l1a[0x822] = page_table(l2r, 0, 1);                   /* PXN in the L1 descriptor */
    l2r[0] = small_page(0x44300000, 3, P_NORMAL);
    l1a[0x823] = page_table(l2r, 0, 0);
    sync_tables();
    check_exec("exec_xn_section", 0x80500000);
    check_exec("exec_section", 0x80600000);
    check_exec("exec_pxn_section", 0x80700000);
    check_exec("exec_pxn_table", 0x82200000);
    check_exec("exec_page", 0x82300000);
}

static void access_flag(void)
{
    l1a[0x808] = section(0x44000000, 2, 0, S_NORMAL);     /* AP[0] = 0: AF clear */
    l2p[0x11] = small_page(0x44200000, 2, P_NORMAL);
    l1a[0x809] = section(0x44000000, 1, 0, S_NORMAL);     /* AP[2:1] = 00 */
    l1a[0x80a] = section(0x44000000, 5, 0, S_NORMAL);     /* AP[2:1] = 10 */
    l1a[0x80b] = section(0x44000000, 7, 0, S_NORMAL);     /* AP[2:1] = 11 */
    sync_tables();
    SCTLR_WRITE(SCTLR_READ() | (1u << 29));               /* AFE */
    TLBIALL();
    check_read("af_section", 0x80800104);
    check_read("af_page", 0x82011020);
    check_read("afe_00_pl1", 0x80900104);
    check_read_user("afe_00_pl0", 0x80900104);
    check_write("afe_10_pl1_write", 0x80a00000, 1);
    check_read_user("afe_11_pl0", 0x80b00104);
    check_write_user("afe_11_pl0_write", 0x80b00000, 1);
    SCTLR_WRITE(SCTLR_READ() & ~(1u << 29));
    TLBIALL();
}

static void tex_remap(void)
{
    /* memory types are seen through unaligned accesses (which fault on
     * Device and Strongly-ordered memory, A3.2.1) and PAR's attributes */
    l1a[0x80c] = section(0x44000000, 3, 0, S_SO);                     /* TEX0 C B = 000 */
    l1a[0x80d] = section(0x44000000, 3, 0, (1u << 3));                /* 010 */
    l1a[0x80e] = section(0x44000000, 3, 0, S_DEVICE | (1u << 16));    /* 001, S */
    sync_tables();
    check_read("notre_so_unaligned", 0x80c00101);
    check_read("notre_wt_unaligned", 0x80d00101);
    ATS1CPR(0x80c00000);
    check_par("notre_so_par_attrs", 0x4fc);
    ATS1CPR(0x80d00000);
    check_par("notre_wt_par_attrs", 0x4fc);
    ATS1CPR(0x80e00000);
    check_par("notre_dev_par_attrs", 0x4fc);
    /* TR0 SO, TR1 Device, TR2 Normal (NMRR IR2 = WT, OR2 = WB-WA), TR7 Normal;
     * DS1 (S=1 Device shareable), NS1 (S=1 Normal shareable), NOS2 */
    PRRR_WRITE((0u << 0) | (1u << 2) | (2u << 4) | (2u << 14)
               | (1u << 17) | (1u << 19) | (1u << 26));
    NMRR_WRITE((2u << 4) | (1u << 20) | (1u << 14) | (1u << 30));
    SCTLR_WRITE(SCTLR_READ() | (1u << 28));               /* TRE */
    TLBIALL();
    check_read("tre_tr0_so_unaligned", 0x80c00101);
    check_read("tre_tr2_normal_unaligned", 0x80d00101);
    check_read("tre_tr1_device_unaligned", 0x80e00101);
    ATS1CPR(0x80d00000);
    check_par("tre_tr2_par_attrs", 0x4fc);
    ATS1CPR(0x80e00000);
    check_par("tre_tr1_par_attrs", 0x4fc);
    ATS1CPR(0x80000000);
    check_par("tre_tr7_par_attrs", 0x4fc);
    SCTLR_WRITE(SCTLR_READ() & ~(1u << 28));
    TLBIALL();
}

static void ats(void)
{
    ATS1CPR(0x80000104);
    check_par("ats_section", PAR_NO_ATTRS);
    check_par("ats_section_attrs", 0x4fc);
    ATS1CPR(0x81abc000);
    check_par("ats_supersection", PAR_NO_ATTRS);
    ATS1CPR(0x82010020);
    check_par("ats_small_page", PAR_NO_ATTRS);
    ATS1CPW(0x80100000);
    check_par("ats_cpw_ro", 0xffffffff);
    ATS1CUR(0x80200000);
    check_par("ats_cur_priv", 0xffffffff);
    ATS1CUR(0x80300000);
    check_par("ats_cur_pl0ro", PAR_NO_ATTRS);
    ATS1CUW(0x80300000);
    check_par("ats_cuw_pl0ro", 0xffffffff);
    ATS1CPR(0x83000000);
    check_par("ats_l1_translation", 0xffffffff);
    ATS1CPR(0x82020000);
    check_par("ats_l2_translation", 0xffffffff);
    printf("ats_par64 %016llx\n", (unsigned long long)(PAR64_READ() & 0xffffffffull));
    /* ATS12NSOPR needs the Security Extensions (B4.1.12): UNDEFINED here */
    fault_clear();
    ATS(4, 0x80000104);
    report("ats12nsopr", PAR_READ());
    /* a supersection above 4 GB (PA[35:32] = 1): PAR holds PA[39:32] in
     * bits 23:16; an access finds nothing there */
    for (int i = 0; i < 16; i++)
        l1a[0x840 + i] = section(0x45000000, 3, 0, S_NORMAL | S_SUPER | (1u << 20));
    sync_tables();
    ATS1CPR(0x84000000);
    check_par("ats_supersection_high", PAR_NO_ATTRS);
    check_read("supersection_high_read", 0x84000000);
}

static void split(void)
{
    /* TTBCR.N = 1: VAs from 0x80000000 walk TTBR1 (B3.5.4) */
    fill(0x44500100, 4, 0x55550000);
    l1c[0x800] = section(0x44500000, 3, 0, S_NORMAL);
    sync_tables();
    TTBR1_WRITE((uint32_t)l1c);
    TTBCR_WRITE(1);
    check_read("ttbr1_section", 0x80000104);
    check_read("ttbr0_below", 0x40100000);
    TTBCR_WRITE(1 | (1u << 5));    /* PD1 (no Security Extensions: UNK/SBZP) */
    printf("ttbcr_pd1 %08x\n", MRC(0, c2, c0, 2));
    check_read("ttbr1_pd1", 0x80000104);
    TTBCR_WRITE(0);
    check_read("n0_section", 0x80000104);
}

static void asids(void)
{
    /* one VA, two address spaces: nG pages under ASIDs 1 and 2 (B3.9.3) */
    fill(0x44400000, 4, 0xa0a00000);
    fill(0x44401000, 4, 0xb0b00000);
    put_return_n(0x44402000, 1);
    put_return_n(0x44403000, 2);
    for (int i = 0; i < 4096; i++)
        l1b[i] = l1a[i];
    l1a[0x850] = page_table(l2_a, 0, 0);
    l1b[0x850] = page_table(l2_b, 0, 0);
    l2_a[0] = small_page(0x44400000, 3, P_NORMAL | P_NG);
    l2_b[0] = small_page(0x44401000, 3, P_NORMAL | P_NG);
    l2_a[1] = small_page(0x44402000, 3, P_NORMAL | P_NG);
    l2_b[1] = small_page(0x44403000, 3, P_NORMAL | P_NG);
    sync_tables();
    for (int round = 0; round < 2; round++) {
        switch_mm(1, l1a);
        check_read("asid1_data", 0x85000000);
        check_exec("asid1_code", 0x85001000);
        switch_mm(2, l1b);
        check_read("asid2_data", 0x85000000);
        check_exec("asid2_code", 0x85001000);
    }
    switch_mm(1, l1a);
}

/* remap l2p[idx] (VA 0x82000000 + idx * 4 KB) between two physical pages;
 * always non-global, so that every operation (by-ASID ones included) must
 * drop the old entry: TLBIASID leaves global entries alone (B4.2.2) */
static void remap(int idx, uint32_t pa, uint32_t attrs)
{
    l2p[idx] = small_page(pa, 3, P_NORMAL | P_NG | attrs);
    DSB();
}

static void tlb_maintenance(void)
{
    /* after each operation the new mapping must be used (B3.10.1); whether
     * the old one was still used before it is not checked */
    fill(0x44600000, 4, 0xc0c00000);
    fill(0x44601000, 4, 0xd0d00000);
    remap(0x12, 0x44600000, 0);
    sync_tables();
    check_read("tlb_before", 0x82012000);
    remap(0x12, 0x44601000, 0);
    TLBIMVA(0x82012000 | 1);
    check_read("tlbimva", 0x82012000);
    remap(0x12, 0x44600000, 0);
    TLBIMVAA(0x82012000);
    check_read("tlbimvaa", 0x82012000);
    remap(0x12, 0x44601000, P_NG);
    TLBIASID(1);
    check_read("tlbiasid", 0x82012000);
    remap(0x12, 0x44600000, 0);
    TLBIALL();
    check_read("tlbiall", 0x82012000);
    remap(0x12, 0x44601000, 0);
    TLBIMVAIS(0x82012000 | 1);
    check_read("tlbimvais", 0x82012000);
    remap(0x12, 0x44600000, 0);
    TLBIMVAAIS(0x82012000);
    check_read("tlbimvaais", 0x82012000);
    remap(0x12, 0x44601000, P_NG);
    TLBIASIDIS(1);
    check_read("tlbiasidis", 0x82012000);
    remap(0x12, 0x44600000, 0);
    TLBIALLIS();
    check_read("tlbiallis", 0x82012000);
    remap(0x12, 0x44601000, 0);
    DTLBIMVA(0x82012000 | 1);
    check_read("dtlbimva", 0x82012000);
    remap(0x12, 0x44600000, P_NG);
    DTLBIASID(1);
    check_read("dtlbiasid", 0x82012000);
    remap(0x12, 0x44601000, 0);
    DTLBIALL();
    check_read("dtlbiall", 0x82012000);
    /* instruction side: the code page at VA 0x82014000 */
    remap(0x14, 0x44402000, 0);
    sync_tables();
    check_exec("itlb_before", 0x82014000);
    remap(0x14, 0x44403000, 0);
    ITLBIMVA(0x82014000 | 1);
    check_exec("itlbimva", 0x82014000);
    remap(0x14, 0x44402000, P_NG);
    ITLBIASID(1);
    check_exec("itlbiasid", 0x82014000);
    remap(0x14, 0x44403000, 0);
    ITLBIALL();
    check_exec("itlbiall", 0x82014000);
    /* a section: TLBIMVA of one address drops the whole 1 MB entry */
    fill(0x44080000, 1, 0xe0e00000);
    fill(0x44580000, 1, 0xf0f00000);
    l1a[0x860] = section(0x44000000, 3, 0, S_NORMAL);
    sync_tables();
    check_read("section_before", 0x86080000);
    l1a[0x860] = section(0x44500000, 3, 0, S_NORMAL);
    TLBIMVA(0x86000000 | 1);
    check_read("section_tlbimva", 0x86080000);
    /* a large page and a supersection: the whole 64 KB / 16 MB entry goes */
    fill(0x4410c000, 1, 0x12120000);
    fill(0x4420c000, 1, 0x34340000);
    check_read("large_before", 0x8200c000);
    for (int i = 0; i < 16; i++)
        l2p[i] = large_page(0x44200000, 3, L_NORMAL);
    DSB();
    TLBIMVA(0x82000000 | 1);
    check_read("large_tlbimva", 0x8200c000);
    fill(0x45def000, 1, 0x56560000);
    fill(0x46def000, 1, 0x78780000);
    check_read("super_before", 0x81def000);
    for (int i = 0; i < 16; i++)
        l1a[0x810 + i] = section(0x46000000, 3, 0, S_NORMAL | S_SUPER);
    DSB();
    TLBIMVA(0x81000000 | 1);
    check_read("super_tlbimva", 0x81def000);
}

static void alignment(void)
{
    /* SCTLR.A: every unaligned access faults, FS 00001 (B3-23) */
    SCTLR_WRITE(SCTLR_READ() | 2);
    check_read("sctlr_a_unaligned", 0x80000101);
    SCTLR_WRITE(SCTLR_READ() & ~2u);
    check_read("normal_unaligned", 0x80000101);
}

int main(void)
{
    /* identity map: RAM (Normal), UART (Device, XN) */
    for (uint32_t mb = 0x400; mb < 0x480; mb++)
        l1a[mb] = section(mb << 20, 3, 0, S_NORMAL);
    l1a[0x090] = section(0x09000000, 3, 0, S_DEVICE | S_XN);
    sync_tables();
    TTBCR_WRITE(0);
    TTBR0_WRITE((uint32_t)l1a);
    DACR_WRITE(0x55);              /* domains 0-3: client */
    CONTEXTIDR_WRITE(1);
    TLBIALL();
    SCTLR_WRITE(SCTLR_READ() | 1); /* M */
    printf("mmu_on %d\n", (int)(SCTLR_READ() & 1));
    translations();
    permissions();
    domains();
    execute_never();
    access_flag();
    tex_remap();
    ats();
    split();
    asids();
    tlb_maintenance();
    alignment();
    printf("done\n");
    return 0;
}
