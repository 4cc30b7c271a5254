/* SPDX-License-Identifier: MIT */
/* threadpool_stages.c -- the frontier crawl stage by stage, as the seeds
 * do it with two Pool.map calls: a pool fetches every list page; when the
 * last of them is done, a pool fetches every detail page they linked (and,
 * if those stages find more lists, the next stage fetches those).
 * Read it against threadpool_frontier.c. Each stage is threadpool.c as it
 * is -- the work is known when the stage starts -- so no condition
 * variable is needed. The cost: while the slowest list page of a stage is
 * still loading, the threads that are done with theirs sit idle, although
 * the details of every finished list are known. The frontier variant
 * starts them at once. Ideal time: the sum over the stages of each
 * stage's greedy schedule. */
#include "crawl.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* What the threads share. The queue is the results array itself: a stage
 * fetches rows[next..end); the pages it finds are queued at tail, beyond
 * end, for the next stage. */
struct pool {
    const struct job *job;
    struct result *rows;
    pthread_mutex_t lock; /* guards everything below */
    int next, end;        /* this stage's rows still to hand out */
    int tail;             /* the next stage's rows end here */
    struct page_set *seen;
};

struct worker {
    pthread_t tid;
    int index; /* 0..nworkers-1, recorded in each result */
    struct pool *pool;
    int failed; /* written by the thread, read by crawl_run after the join */
};

/* Queue p unless it was seen before. Called with the lock held. */
static void push_page(struct pool *pool, const struct page_ref *p)
{
    if (pool->tail < pool->job->n && page_set_add(pool->seen, p))
        result_queued(&pool->rows[pool->tail++], p);
}

/* Hand out this stage's rows one by one; -1 when none is left.
 * A default mutex fails only when misused, so the calls are not checked. */
static int claim_next(struct pool *pool)
{
    int i = -1;

    pthread_mutex_lock(&pool->lock); /* CONC: claim the next row of this stage */
    if (pool->next < pool->end)
        i = pool->next++;
    pthread_mutex_unlock(&pool->lock);
    return i;
}

/* The links of the page f fetched wait for the next stage. */
static void queue_links(struct pool *pool, const struct fetch *f)
{
    struct page_ref links[CRAWL_LINKS_MAX];
    int nlinks = fetch_links(f, links, CRAWL_LINKS_MAX);

    pthread_mutex_lock(&pool->lock);
    for (int k = 0; k < nlinks; k++)
        push_page(pool, &links[k]);
    pthread_mutex_unlock(&pool->lock);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *pool = w->pool;
    struct fetch f; /* this thread's own easy handle: never shared */
    int i;

    if (fetch_init(&f, w->index) != 0) {
        w->failed = 1; /* the other workers take this one's share */
        return NULL;
    }
    while ((i = claim_next(pool)) >= 0) {
        fetch_page(&f, pool->job, &pool->rows[i]); /* CONC: blocks this thread only */
        queue_links(pool, &f);
    }
    fetch_cleanup(&f);
    return NULL;
}

/* One stage: W threads over rows[next..end), all joined before it returns
 * (Pool.map returns when the last page of the stage is done). */
static int run_stage(struct pool *pool, struct worker *w, int nworkers)
{
    int started = 0, rc = 0;

    for (; started < nworkers; started++) {
        w[started] = (struct worker){.index = started, .pool = pool};
        errno = pthread_create(&w[started].tid, NULL, worker_main, &w[started]); /* CONC */
        if (errno != 0) {
            rc = -1; /* the threads already running share out all the work */
            break;
        }
    }
    for (int k = 0; k < started; k++) {
        if (pthread_join(w[k].tid, NULL) != 0 || w[k].failed) /* CONC: the stage ends here */
            rc = -1;
    }
    return started > 0 ? rc : -1; /* no thread at all: the stage would never end */
}

int crawl_run(const struct job *job, struct result *res)
{
    struct pool pool = {.job = job, .rows = res, .lock = PTHREAD_MUTEX_INITIALIZER};
    struct worker *w = calloc((size_t)job->nworkers + 1, sizeof *w);
    int rc = 0;

    pool.seen = calloc(1, sizeof *pool.seen);
    if (!w || !pool.seen) {
        free(w);
        free(pool.seen);
        return -1;
    }
    for (int p = 1; p <= job->pages; p++) /* the first stage: the list pages */
        push_page(&pool, &(struct page_ref){.kind = PAGE_LIST, .id = p});
    while (rc == 0 && pool.end < pool.tail) { /* the next stage: what the last one found */
        pool.next = pool.end;
        pool.end = pool.tail;
        rc = run_stage(&pool, w, job->nworkers);
    }
    free(w);
    free(pool.seen);
    return rc;
}

const struct model MODEL = {.name = "threadpool-stages",
                            .default_workers = 10,
                            .min_workers = 1,
                            .max_workers = 1000,
                            .frontier = 1};
