/* SPDX-License-Identifier: MIT */
/* async.c -- the job on one thread with libcurl's multi interface.
 * Idea: nothing blocks. One loop waits on all sockets at once, handles each
 * transfer as it completes (in any order: the seeds' as_completed) and at
 * once starts the next request in the freed slot: a sliding window of at
 * most W in flight (the seeds' semaphore), or all N at once when W = 0
 * (the seeds' gather). Ideal time: ceil(N / W) * d; about d when W = 0.
 *
 * The loop itself is common/window.c, shared with the hybrid model (one
 * such loop per process) and the blocking trap; this file says where the
 * requests come from (a counter) and where the results go (res[]). */
#include "window.h"

/* One thread owns everything here, so nothing needs a lock. */
struct pool {
    const struct job *job;
    struct result *res;
    int next; /* next request index to hand out */
};

/* Hand out request indexes one by one; -1 when none is left. */
static int claim_next(void *ctx)
{
    struct pool *pool = ctx;

    return pool->next < pool->job->n ? pool->next++ : -1; /* CONC: one thread, no lock */
}

/* The loop runs in this process: results go straight into res[]. */
static struct result *row_for(void *ctx, struct fetch *f, int i)
{
    struct pool *pool = ctx;

    (void)f;
    return &pool->res[i];
}

int crawl_run(const struct job *job, struct result *res)
{
    int nslots = job->nworkers == 0 || job->nworkers > job->n ? job->n : job->nworkers;
    struct pool pool = {.job = job, .res = res, .next = 0};
    const struct window_ops ops = {
        .claim = claim_next,
        .row = row_for,
        .start = window_add, /* CONC: hand each transfer to the loop; never wait for it */
    };

    return window_run(job, nslots, 0, &ops, &pool);
}

const struct model MODEL = {
    .name = "async", .default_workers = 0, .min_workers = 0, .max_workers = CRAWL_COUNT_MAX};
