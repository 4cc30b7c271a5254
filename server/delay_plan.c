/* SPDX-License-Identifier: MIT */
/* delay_plan.c -- the pure functions of delay_plan.h: delays, faults, the
 * frontier's permutation and the ideal schedules. */
#include "delay_plan.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- the frontier crawl ---- */

long dplan_list_delay_ms(uint64_t seed, long page, long min_ms, long max_ms)
{
    if (min_ms >= max_ms)
        return min_ms;
    return min_ms + (long)(dplan_hash(seed, DPLAN_LIST_DOMAIN | (uint64_t)page) %
                           (uint64_t)(max_ms - min_ms + 1));
}

#define PERM_ROUNDS 6

/* A Feistel network on [0, 2^(2*half)): a bijection whatever the round
 * function, so it needs no table, and its inverse runs the rounds back. */
struct perm {
    uint64_t key[PERM_ROUNDS];
    unsigned half;
    uint64_t mask;
};

static void perm_init(struct perm *p, uint64_t seed, uint64_t m)
{
    unsigned bits = 0;

    while (bits < 64 && ((m - 1) >> bits) != 0)
        bits++;
    bits += bits & 1; /* two equal halves */
    p->half = bits / 2;
    p->mask = (1ULL << p->half) - 1;
    for (unsigned r = 0; r < PERM_ROUNDS; r++)
        p->key[r] = dplan_hash(seed, DPLAN_PERM_DOMAIN | r);
}

static uint64_t perm_f(const struct perm *p, unsigned r, uint64_t x)
{
    return dplan_mix(p->key[r] ^ x) & p->mask;
}

static uint64_t perm_enc(const struct perm *p, uint64_t x)
{
    uint64_t l = x >> p->half, r = x & p->mask;

    for (unsigned i = 0; i < PERM_ROUNDS; i++) {
        uint64_t t = l ^ perm_f(p, i, r);

        l = r;
        r = t;
    }
    return (l << p->half) | r;
}

static uint64_t perm_dec(const struct perm *p, uint64_t x)
{
    uint64_t l = x >> p->half, r = x & p->mask;

    for (unsigned i = PERM_ROUNDS; i-- > 0;) {
        uint64_t t = r ^ perm_f(p, i, l);

        r = l;
        l = t;
    }
    return (l << p->half) | r;
}

/* Cycle walking: the network permutes a power of 4 >= m; stepping on
 * until the value falls below m permutes 0..m-1 (the cycle through x
 * comes back below m at x itself at the latest). */
static long perm_walk(const struct perm *p, uint64_t m, uint64_t x, int inverse)
{
    do
        x = inverse ? perm_dec(p, x) : perm_enc(p, x);
    while (x >= m);
    return (long)x;
}

#define PERM_MAX_M (1L << 62)

long dplan_perm_id(uint64_t seed, long m, long pos)
{
    struct perm p;

    if (m < 1 || m > PERM_MAX_M || pos < 0 || pos >= m)
        return -1;
    perm_init(&p, seed, (uint64_t)m);
    return perm_walk(&p, (uint64_t)m, (uint64_t)pos, 0) + 1;
}

long dplan_perm_pos(uint64_t seed, long m, long id)
{
    struct perm p;

    if (m < 1 || m > PERM_MAX_M || id < 1 || id > m)
        return -1;
    perm_init(&p, seed, (uint64_t)m);
    return perm_walk(&p, (uint64_t)m, (uint64_t)(id - 1), 1);
}

int dplan_list_page(uint64_t seed, long pages, long per_page, long page, long *ids)
{
    struct perm p;
    uint64_t m;

    if (pages < 1 || per_page < 0 || page < 1 || page > pages ||
        (per_page > 0 && pages > PERM_MAX_M / per_page))
        return -1;
    m = (uint64_t)pages * (uint64_t)per_page;
    if (m == 0)
        return 0;
    perm_init(&p, seed, m);
    for (long j = 0; j < per_page; j++)
        ids[j] = perm_walk(&p, m, (uint64_t)(page - 1) * (uint64_t)per_page + (uint64_t)j, 0) + 1;
    return 0;
}

/* ---- the ideal schedule ---- */

/* A binary min-heap of slots by (t, page): machines by the time they are
 * free, or list pages by the time their details are ready. */
struct slot {
    long long t;
    long page; /* ties: the lower page first */
    long next; /* a page's first detail not yet taken */
};

struct heap {
    struct slot *a;
    long n;
};

static int slot_less(const struct slot *x, const struct slot *y)
{
    return x->t < y->t || (x->t == y->t && x->page < y->page);
}

static void heap_swap(struct heap *h, long i, long j)
{
    struct slot t = h->a[i];

    h->a[i] = h->a[j];
    h->a[j] = t;
}

static void heap_down(struct heap *h, long i)
{
    for (;;) {
        long l = 2 * i + 1, best = i;

        if (l < h->n && slot_less(&h->a[l], &h->a[best]))
            best = l;
        if (l + 1 < h->n && slot_less(&h->a[l + 1], &h->a[best]))
            best = l + 1;
        if (best == i)
            return;
        heap_swap(h, i, best);
        i = best;
    }
}

static void heap_push(struct heap *h, struct slot s) /* room was allocated */
{
    long i = h->n++;

    h->a[i] = s;
    for (; i > 0 && slot_less(&h->a[i], &h->a[(i - 1) / 2]); i = (i - 1) / 2)
        heap_swap(h, i, (i - 1) / 2);
}

static void heap_pop(struct heap *h)
{
    h->a[0] = h->a[--h->n];
    heap_down(h, 0);
}

/* n machines all free at t: already a heap. NULL when out of memory. */
static struct slot *machines(long n, long long t)
{
    struct slot *a = malloc((size_t)n * sizeof *a);

    for (long i = 0; a != NULL && i < n; i++)
        a[i] = (struct slot){.t = t};
    return a;
}

static int delays_ok(const long *d, long n)
{
    if (n > 0 && d == NULL)
        return 0;
    for (long i = 0; i < n; i++)
        if (d[i] < 0)
            return 0;
    return 1;
}

/* When the last of d[0..n) ends, each started on the machine free first,
 * all w machines free at start. -1: out of memory. */
static long long greedy_ms(const long *d, long n, long w, long long start)
{
    struct heap h;
    long long end = start;

    if (w <= 0 || w >= n) { /* a machine each: no heap needed */
        for (long i = 0; i < n; i++)
            end = start + d[i] > end ? start + d[i] : end;
        return end;
    }
    if ((h.a = machines(w, start)) == NULL)
        return -1;
    h.n = w;
    for (long i = 0; i < n; i++) {
        h.a[0].t += d[i];
        end = h.a[0].t > end ? h.a[0].t : end;
        heap_down(&h, 0);
    }
    free(h.a);
    return end;
}

double dplan_greedy_s(const long *delays_ms, int n, int w)
{
    long long end;

    if (n < 0 || !delays_ok(delays_ms, n))
        return -1;
    end = greedy_ms(delays_ms, n, w, 0);
    return end < 0 ? -1 : (double)end / 1000.0;
}

/* The frontier crawl being scheduled, one task at a time. */
struct frontier {
    const long *list_ms, *detail_ms;
    long pages, per_page;
    int chain;
    long next_list;          /* the first list page not started */
    long long last_list_end; /* when the last started one ends */
    struct heap mach, ready; /* machines; pages with details left */
};

static long long list_ready(const struct frontier *f)
{
    if (f->next_list >= f->pages)
        return LLONG_MAX;
    return f->chain ? f->last_list_end : 0;
}

/* Is the next list page ahead of the first waiting detail in a queue
 * kept in the order pages became known (first in, first out, as the
 * variants keep theirs)? The seeded lists are known first of all; with
 * DPLAN_CHAIN list P+1 is known when list P ends, after P's details
 * (they come first on the page), and after details of lower pages that
 * ended at the same moment. */
static int list_first(const struct frontier *f, long long lr, long long dr)
{
    if (lr != dr)
        return lr < dr;
    return !f->chain || f->ready.a[0].page > f->next_list - 1;
}

/* The machine free first takes the task queued first (list_first). No
 * task can be queued before that task is ready: a list page not yet
 * started ends after list_ready(). Returns when the task ends. */
static long long frontier_step(struct frontier *f)
{
    long long lr = list_ready(f), dr = f->ready.n > 0 ? f->ready.a[0].t : LLONG_MAX;
    int take_list = lr != LLONG_MAX && list_first(f, lr, dr);
    long long s = take_list ? lr : dr, end;

    s = f->mach.a[0].t > s ? f->mach.a[0].t : s;
    if (take_list) {
        end = s + f->list_ms[f->next_list];
        f->last_list_end = end;
        if (f->per_page > 0)
            heap_push(&f->ready, (struct slot){.t = end, .page = f->next_list});
        f->next_list++;
    } else {
        struct slot *p = &f->ready.a[0];

        end = s + f->detail_ms[p->page * f->per_page + p->next];
        if (++p->next == f->per_page)
            heap_pop(&f->ready);
    }
    f->mach.a[0].t = end;
    heap_down(&f->mach, 0);
    return end;
}

/* Unlimited machines: every task starts when it is ready, no heap. */
static long long unlimited_ms(const struct frontier *f)
{
    long long list_end = 0, end = 0;

    for (long p = 0; p < f->pages; p++) {
        list_end = (f->chain ? list_end : 0) + f->list_ms[p];
        end = list_end > end ? list_end : end;
        for (long j = 0; j < f->per_page; j++) {
            long long e = list_end + f->detail_ms[p * f->per_page + j];

            end = e > end ? e : end;
        }
    }
    return end;
}

static long long frontier_ms(struct frontier *f, long w)
{
    long tasks = f->pages + f->pages * f->per_page;
    long long end = 0;

    if (w <= 0 || w >= tasks)
        return unlimited_ms(f);
    f->mach = (struct heap){machines(w, 0), w};
    f->ready =
        (struct heap){malloc((size_t)(f->pages > 0 ? f->pages : 1) * sizeof(struct slot)), 0};
    if (f->mach.a == NULL || f->ready.a == NULL)
        end = -1;
    for (long k = 0; end >= 0 && k < tasks; k++) {
        long long e = frontier_step(f);

        end = e > end ? e : end;
    }
    free(f->mach.a);
    free(f->ready.a);
    return end;
}

/* DPLAN_STAGES: one level of links after another, each behind a barrier
 * (a Pool.map per level): the lists, then all details; with DPLAN_CHAIN
 * list 1, then list 1's details and list 2, then list 2's details and
 * list 3, and so on. Each level greedy, in the page's order. */
static long long stages_ms(const struct frontier *f, long w)
{
    long k = f->per_page;
    long long end;
    long *level;

    if (!f->chain) {
        end = greedy_ms(f->list_ms, f->pages, w, 0);
        return end < 0 ? -1 : greedy_ms(f->detail_ms, f->pages * k, w, end);
    }
    if ((level = malloc((size_t)(k + 1) * sizeof *level)) == NULL)
        return -1;
    end = f->pages > 0 ? f->list_ms[0] : 0;
    for (long p = 0; p < f->pages && end >= 0; p++) { /* list p's details, then list p + 1 */
        long n = k;

        if (k > 0)
            memcpy(level, f->detail_ms + p * k, (size_t)k * sizeof *level);
        if (p + 1 < f->pages)
            level[n++] = f->list_ms[p + 1];
        end = greedy_ms(level, n, w, end);
    }
    free(level);
    return end;
}

double dplan_frontier_s(const long *list_ms, int pages, const long *detail_ms, int per_page, int w,
                        unsigned flags)
{
    struct frontier f = {.list_ms = list_ms,
                         .detail_ms = detail_ms,
                         .pages = pages,
                         .per_page = per_page,
                         .chain = (flags & DPLAN_CHAIN) != 0};
    long long end;

    if (pages < 0 || per_page < 0 || !delays_ok(list_ms, pages) ||
        !delays_ok(detail_ms, (long)pages * per_page))
        return -1;
    end = (flags & DPLAN_STAGES) ? stages_ms(&f, w) : frontier_ms(&f, w);
    return end < 0 ? -1 : (double)end / 1000.0;
}
