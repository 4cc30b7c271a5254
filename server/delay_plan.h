/* SPDX-License-Identifier: MIT */
/* delay_plan.h -- which delay and which fault each request gets, as pure
 * functions of (seed, id[, attempt]). No server state, no I/O: a client,
 * a tool or the grader links this (CMake target delay_plan) and computes
 * exactly the numbers the delay-server uses, e.g. the ideal schedule. */
#ifndef DELAY_PLAN_H
#define DELAY_PLAN_H

#include <stdint.h>

/* What the server does with one attempt at a /detail/<id> page. */
enum dplan_fault {
    DPLAN_OK,    /* answered normally */
    DPLAN_FAIL,  /* HTTP 500 after the delay (--fail-rate) */
    DPLAN_RESET, /* connection reset after the delay (--reset-rate) */
    DPLAN_STALL, /* never answered (--stall-rate) */
};

struct dplan_rates {
    double fail, reset, stall; /* each in [0,1], their sum <= 1 */
};

/* splitmix64's finaliser: a fixed 64-bit mix, the same on every machine. */
uint64_t dplan_mix(uint64_t x);

/* H(seed, id): the hash behind an id's delay. */
uint64_t dplan_hash(uint64_t seed, uint64_t id);

/* delay(id) = min + H(seed, id) mod (max - min + 1); min when min >= max. */
long dplan_delay_ms(uint64_t seed, long id, long min_ms, long max_ms);

/* The fault for attempt (1-based: the id's fetch count at arrival).
 * One uniform u = H(seed, id, attempt) in [0,1) picks from consecutive
 * intervals: [0,fail) fail, then reset, then stall, the rest OK. */
enum dplan_fault dplan_fault(uint64_t seed, long id, long attempt, const struct dplan_rates *r);

#endif
