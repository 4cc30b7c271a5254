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

/* ---- the frontier crawl: list pages that name the detail pages ----
 * With --pages L --per-page K, list page P (1..L) lists K detail ids, and
 * every id 1..L*K is on exactly one page: page P holds positions
 * (P-1)*K .. P*K-1 of a permutation of 1..L*K drawn from the seed. */

/* List page P's delay: like dplan_delay_ms, from a hash of its own,
 * dplan_hash(seed, DPLAN_LIST_DOMAIN | P), so list page 3 and detail 3
 * get unrelated delays. */
#define DPLAN_LIST_DOMAIN (1ULL << 63)
long dplan_list_delay_ms(uint64_t seed, long page, long min_ms, long max_ms);

/* The permutation of 1..m (m <= 2^62): the id at position pos (0..m-1),
 * and its inverse, the position of id (1..m). A 6-round Feistel network
 * over the smallest even number of bits that holds m-1, walked until it
 * lands below m (cycle walking, at most 4 steps on average). Round r's
 * key is dplan_hash(seed, DPLAN_PERM_DOMAIN | r); the round function is
 * dplan_mix(key ^ half) masked to half the bits. O(1), no memory: the
 * server computes a page when it answers it, a grader any id's page.
 * Out of range (m < 1, pos or id outside): -1. */
#define DPLAN_PERM_DOMAIN (1ULL << 62)
long dplan_perm_id(uint64_t seed, long m, long pos);
long dplan_perm_pos(uint64_t seed, long m, long id);

/* The per_page ids list page P shows, in its order, into ids[0..per_page):
 * positions (P-1)*per_page .. P*per_page-1 of the permutation of
 * 1..pages*per_page. 0, or -1 when P is not 1..pages. */
int dplan_list_page(uint64_t seed, long pages, long per_page, long page, long *ids);

/* ---- the ideal schedule ----
 * Times in ms in, seconds out; -1 for bad arguments (n < 0, a NULL array
 * with n > 0) or when memory for the heaps runs out. */

/* The greedy list schedule of ids 1..n (delays_ms[0..n)) on w machines:
 * each id in turn goes to the machine free first. w <= 0 or w >= n: all
 * at once, the largest delay. A binary heap of w free times: O(n log w). */
double dplan_greedy_s(const long *delays_ms, int n, int w);

/* dplan_frontier_s's flags. */
#define DPLAN_CHAIN  1u /* list P+1 is known only when list P has ended */
#define DPLAN_STAGES 2u /* level after level of links, each behind a barrier */

/* The greedy schedule of a frontier crawl on w machines (w <= 0:
 * unlimited): pages list pages, list_ms[P-1] the delay of list P, and
 * pages * per_page details, detail_ms[(P-1)*per_page + j] the delay of
 * the j-th detail page P lists. A list page is ready at 0 (DPLAN_CHAIN:
 * list P+1 when list P ends), a detail when its list page ends. Pages
 * wait in one queue in the order they became known, first in, first out,
 * as the frontier variants keep it: the seeded lists first; a list page's
 * details in its order, then (DPLAN_CHAIN) its link to the next list; a
 * free machine takes the head, or waits for the next page to be known.
 * DPLAN_STAGES: one level of links after another, each behind a barrier
 * (a Pool.map per level): the lists, then all details; with DPLAN_CHAIN
 * list 1, then its details and list 2, then list 2's details and list 3,
 * and so on; each level greedy in the pages' order. */
double dplan_frontier_s(const long *list_ms, int pages, const long *detail_ms, int per_page, int w,
                        unsigned flags);

#endif
