/* SPDX-License-Identifier: MIT */
/* threadpool.c -- the job on a pool of W threads that share one counter.
 * Idea: while one thread waits for a response the others wait for theirs,
 * so W waits overlap. Each thread claims the next request as soon as it is
 * free (one at a time, not in chunks), so nobody idles while work is left.
 * Ideal time: ceil(N / W) * d (100 x 1 s on 10 threads: 10 s). */
#include "crawl.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* What the threads share. All the work is known before they start, so the
 * "queue" is just the next index: a mutex suffices, no condition variable. */
struct pool {
    const struct job *job;
    struct result *res; /* res[i] is written only by the thread that claimed i */
    pthread_mutex_t lock;
    int next; /* guarded by lock: next request index to hand out */
};

struct worker {
    pthread_t tid;
    int index; /* 0..nworkers-1, recorded in each result */
    struct pool *pool;
    int failed; /* written by the thread, read by crawl_run after the join */
};

/* Hand out request indexes one by one; -1 when none is left.
 * A default mutex fails only when misused, so the calls are not checked. */
static int claim_next(struct pool *pool)
{
    int i = -1;

    pthread_mutex_lock(&pool->lock); /* CONC: claim the next index */
    if (pool->next < pool->job->n)
        i = pool->next++;
    pthread_mutex_unlock(&pool->lock);
    return i;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct fetch f; /* this thread's own easy handle: never shared */
    int i;

    if (fetch_init(&f, w->index) != 0) {
        w->failed = 1; /* the other workers take this one's share */
        return NULL;
    }
    while ((i = claim_next(w->pool)) >= 0)
        fetch_one(&f, w->pool->job, i, &w->pool->res[i]); /* CONC: blocks this thread only */
    fetch_cleanup(&f);
    return NULL;
}

int crawl_run(const struct job *job, struct result *res)
{
    struct pool pool = {.job = job, .res = res, .lock = PTHREAD_MUTEX_INITIALIZER, .next = 0};
    int nworkers = job->nworkers < job->n ? job->nworkers : job->n; /* no idle threads */
    struct worker *w = calloc((size_t)nworkers + 1, sizeof *w);
    int started = 0, rc = 0;

    if (!w)
        return -1;
    for (; started < nworkers; started++) {
        w[started].index = started;
        w[started].pool = &pool;
        errno = pthread_create(&w[started].tid, NULL, worker_main, &w[started]); /* CONC */
        if (errno != 0) {
            rc = -1; /* the threads already running share out all the work */
            break;
        }
    }
    for (int k = 0; k < started; k++) {
        if (pthread_join(w[k].tid, NULL) != 0 || w[k].failed) /* CONC: all end before we return */
            rc = -1;
    }
    free(w);
    return rc;
}

const struct model MODEL = {
    .name = "threadpool", .default_workers = 10, .min_workers = 1, .max_workers = 1000};
