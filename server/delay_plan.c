/* SPDX-License-Identifier: MIT */
/* delay_plan.c -- the pure delay and fault functions of delay_plan.h. */
#include "delay_plan.h"

uint64_t dplan_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t dplan_hash(uint64_t seed, uint64_t id)
{
    return dplan_mix(dplan_mix(seed) ^ id);
}

long dplan_delay_ms(uint64_t seed, long id, long min_ms, long max_ms)
{
    if (min_ms >= max_ms)
        return min_ms;
    return min_ms + (long)(dplan_hash(seed, (uint64_t)id) % (uint64_t)(max_ms - min_ms + 1));
}

enum dplan_fault dplan_fault(uint64_t seed, long id, long attempt, const struct dplan_rates *r)
{
    /* Mixing the attempt in once more keeps the fault independent of the
     * delay, which uses dplan_hash(seed, id) alone. */
    uint64_t h = dplan_mix(dplan_hash(seed, (uint64_t)id) ^ dplan_mix((uint64_t)attempt));
    double u = (double)(h >> 11) * 0x1.0p-53; /* 53 random bits: [0,1) */

    if (u < r->fail)
        return DPLAN_FAIL;
    if (u < r->fail + r->reset)
        return DPLAN_RESET;
    if (u < r->fail + r->reset + r->stall)
        return DPLAN_STALL;
    return DPLAN_OK;
}
