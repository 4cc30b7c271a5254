/* SPDX-License-Identifier: MIT */
/* async.c -- the job on one thread with libcurl's multi interface.
 * Idea: nothing blocks. One loop waits on all sockets at once, handles each
 * transfer as it completes (in any order: the seeds' as_completed) and at
 * once starts the next request in the freed slot: a sliding window of at
 * most W in flight (the seeds' semaphore), or all N at once when W = 0
 * (the seeds' gather). Ideal time: ceil(N / W) * d; about d when W = 0. */
#include "crawl.h"

#include <stdlib.h>

/* One thread owns everything here, so nothing needs a lock. */
struct pool {
    const struct job *job;
    struct result *res;
    CURLM *multi;
    int next;      /* next request index to hand out */
    int in_flight; /* transfers added to multi and not yet done */
};

/* Hand out request indexes one by one; -1 when none is left. */
static int claim_next(struct pool *pool)
{
    return pool->next < pool->job->n ? pool->next++ : -1; /* CONC: one thread, no lock */
}

/* Put the next request, if any, on slot f. Never blocks. */
static void start_next(struct pool *pool, struct fetch *f)
{
    int i;

    while ((i = claim_next(pool)) >= 0) {
        if (fetch_start(f, pool->job, i, &pool->res[i]) != 0)
            continue; /* its row says why; the slot takes the next request */
        if (curl_multi_add_handle(pool->multi, f->easy) == CURLM_OK) {
            pool->in_flight++; /* CONC: one more in flight, nobody waited */
            return;
        }
        fetch_finish(f, CURLE_FAILED_INIT);
    }
}

/* Judge every finished transfer and reuse its slot at once. */
static int handle_done(struct pool *pool)
{
    struct CURLMsg *msg;
    int left;
    struct fetch *f;
    CURLcode rc;

    while ((msg = curl_multi_info_read(pool->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        rc = msg->data.result; /* msg does not survive the remove below */
        if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f) != CURLE_OK ||
            curl_multi_remove_handle(pool->multi, f->easy) != CURLM_OK)
            return -1;
        pool->in_flight--;
        fetch_finish(f, rc); /* CONC: handled as it completes */
        start_next(pool, f);
    }
    return 0;
}

/* The event loop: let curl work, handle what completed, sleep until a
 * socket is ready (or 1 s, curl's own timers permitting). */
static int run_loop(struct pool *pool)
{
    int running;

    while (pool->in_flight > 0) {
        if (curl_multi_perform(pool->multi, &running) != CURLM_OK || handle_done(pool) != 0)
            return -1;
        if (pool->in_flight > 0 &&
            curl_multi_poll(pool->multi, NULL, 0, 1000, NULL) != CURLM_OK) /* CONC: wait on all */
            return -1;
    }
    return 0;
}

/* A slot's own easy handle. When every request has a slot of its own there
 * is nothing to reuse, and searching thousands of busy connections for an
 * idle one on every start costs O(N^2): 10,000 requests took 3 s, not 2. */
static int slot_init(struct fetch *f, int index, int one_request_each)
{
    if (fetch_init(f, index) != 0)
        return -1;
    if (one_request_each && (curl_easy_setopt(f->easy, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK ||
                             curl_easy_setopt(f->easy, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK))
        return -1;
    return 0;
}

int crawl_run(const struct job *job, struct result *res)
{
    int nslots = job->nworkers == 0 || job->nworkers > job->n ? job->n : job->nworkers;
    struct fetch *slot = calloc((size_t)nslots + 1, sizeof *slot); /* one easy handle each */
    struct pool pool = {.job = job, .res = res, .multi = curl_multi_init()};
    int rc = 0, made = 0;

    if (!slot || !pool.multi)
        rc = -1;
    for (; rc == 0 && made < nslots; made++)
        rc = slot_init(&slot[made], made, nslots == job->n);
    for (int s = 0; rc == 0 && s < nslots; s++)
        start_next(&pool, &slot[s]);
    if (rc == 0)
        rc = run_loop(&pool);
    for (int s = 0; s < made; s++) {
        if (slot[s].res) { /* still in flight after an error: say so on its row */
            curl_multi_remove_handle(pool.multi, slot[s].easy);
            slot[s].res->end_s = clock_now();
            result_fail(slot[s].res, "aborted: the event loop failed");
        }
        fetch_cleanup(&slot[s]);
    }
    if (pool.multi && curl_multi_cleanup(pool.multi) != CURLM_OK)
        rc = -1;
    free(slot);
    return rc;
}

const struct model MODEL = {
    .name = "async", .default_workers = 0, .min_workers = 0, .max_workers = CRAWL_COUNT_MAX};
