/* SPDX-License-Identifier: MIT */
/* blocking_trap.c -- WRONG ON PURPOSE: the async model with one blocking
 * call in its event loop (crawl-async-blocking). A lesson, not a model.
 *
 * What is wrong: it is async.c line for line, the same loop (window.c),
 * the same window of slots, except that a slot starts its transfer with
 * fetch_perform(), i.e. curl_easy_perform(): a call that returns only when
 * the response is in. While it waits, the one thread that runs the loop
 * waits with it: no other transfer is started or advanced, nothing is
 * handled as it completes. The window fills one slot at a time, each slot
 * finishing before the next begins.
 *
 * Why it matters: an event loop overlaps waits only if nothing in it
 * waits. This is the seeds' `requests.get()` inside an `async def` (seed
 * 000) and `time.sleep()` inside a coroutine (seed 004): it looks
 * concurrent, and it is serial. Expect serial's staircase on the
 * timeline, at most 1 request in flight at the server, and N * d. */
#include "window.h"

struct pool {
    const struct job *job;
    struct result *res;
    int next; /* next request index to hand out */
};

static int claim_next(void *ctx)
{
    struct pool *pool = ctx;

    return pool->next < pool->job->n ? pool->next++ : -1; /* CONC: one thread, no lock */
}

static struct result *row_for(void *ctx, struct fetch *f, int i)
{
    struct pool *pool = ctx;

    (void)f;
    return &pool->res[i];
}

/* THE MISTAKE: a blocking transfer inside the event loop. */
static int start_blocking(struct window *w, struct fetch *f)
{
    (void)w;
    fetch_perform(f); /* CONC: none -- the whole loop stops here for d */
    return 0;         /* already finished: the loop never had it in flight */
}

int crawl_run(const struct job *job, struct result *res)
{
    int nslots = job->nworkers == 0 || job->nworkers > job->n ? job->n : job->nworkers;
    struct pool pool = {.job = job, .res = res, .next = 0};
    const struct window_ops ops = {
        .claim = claim_next,
        .row = row_for,
        .start = start_blocking, /* async.c has window_add here */
    };

    return window_run(job, nslots, 0, &ops, &pool);
}

const struct model MODEL = {.name = "async-blocking",
                            .default_workers = 0,
                            .min_workers = 0,
                            .max_workers = CRAWL_COUNT_MAX};
