/* Quicksort (Hoare partition, median of three, insertion sort for short
 * ranges) of LCG-generated arrays; prints checksums before and after and a
 * few elements, and checks the result is sorted. */
#include "guest.h"

#ifndef ITERS
#define ITERS 4             /* arrays sorted */
#endif
#define N 16384

static int32_t a[N];

static void insertion_sort(int32_t *v, int lo, int hi)
{
    for (int i = lo + 1; i <= hi; i++) {
        int32_t x = v[i];
        int j = i - 1;
        while (j >= lo && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static void swap(int32_t *v, int i, int j)
{
    int32_t t = v[i];
    v[i] = v[j];
    v[j] = t;
}

static int32_t median3(int32_t *v, int lo, int hi)
{
    int mid = lo + (hi - lo) / 2;
    if (v[mid] < v[lo])
        swap(v, mid, lo);
    if (v[hi] < v[lo])
        swap(v, hi, lo);
    if (v[hi] < v[mid])
        swap(v, hi, mid);
    return v[mid];
}

static void quicksort(int32_t *v, int lo, int hi)
{
    while (hi - lo > 16) {
        int32_t pivot = median3(v, lo, hi);
        int i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (v[i] < pivot);
            do j--; while (v[j] > pivot);
            if (i >= j)
                break;
            swap(v, i, j);
        }
        /* recurse into the smaller half, loop on the larger */
        if (j - lo < hi - j) {
            quicksort(v, lo, j);
            lo = j + 1;
        } else {
            quicksort(v, j + 1, hi);
            hi = j;
        }
    }
    insertion_sort(v, lo, hi);
}

static uint32_t checksum(const int32_t *v, int n, int ordered)
{
    uint32_t s = 0;
    for (int i = 0; i < n; i++)
        s = ordered ? s * 33 + (uint32_t)v[i] : s + (uint32_t)v[i] * 2654435761u;
    return s;
}

int main(void)
{
    uint32_t seed = 2024;
    int failures = 0;

    for (int round = 0; round < ITERS; round++) {
        /* round 1 has many duplicates, others are full-range values */
        uint32_t mask = round % 2 ? 0xffu : 0xffffffffu;
        for (int i = 0; i < N; i++)
            a[i] = (int32_t)(lcg_next(&seed) & mask) - (int32_t)(mask >> 1);
        uint32_t before = checksum(a, N, 0);
        quicksort(a, 0, N - 1);
        int sorted = 1;
        for (int i = 1; i < N; i++)
            if (a[i - 1] > a[i])
                sorted = 0;
        printf("round %d: sum %08x -> %08x, order %08x, %s\n", round, before,
               checksum(a, N, 0), checksum(a, N, 1), sorted ? "sorted" : "NOT SORTED");
        printf("  first %d %d %d  middle %d  last %d %d\n",
               a[0], a[1], a[2], a[N / 2], a[N - 2], a[N - 1]);
        failures += !sorted;
    }
    printf("quicksort: %d rounds of %d, %d failures\n", ITERS, N, failures);
    return failures;
}
