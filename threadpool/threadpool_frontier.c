/* SPDX-License-Identifier: MIT */
/* threadpool_frontier.c -- threadpool.c when the work is found as it runs.
 * Read it against threadpool.c: the job starts from L list pages, and each
 * list page, once fetched, names the detail pages to fetch next.
 * Idea: the queue can be empty while pages are still in flight that will
 * fill it again. A free thread then waits on a condition variable -- it
 * neither spins nor quits -- and the crawl is over exactly when the queue
 * is empty and nothing is in flight. Ideal time: the greedy schedule of W
 * threads where a detail starts no earlier than its list page ends. */
#include "crawl.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* What the threads share. The queue is the results array itself: a page is
 * queued by writing its row at tail, claimed by taking the row at head. */
struct frontier {
    const struct job *job;
    struct result *rows;  /* rows[0..head) claimed, rows[head..tail) waiting */
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t more;  /* the queue grew, or the crawl is over */
    int head, tail;
    int in_flight;         /* claimed and not finished: each may queue more */
    struct page_set *seen; /* every page ever queued: each is fetched once */
};

struct worker {
    pthread_t tid;
    int index; /* 0..nworkers-1, recorded in each result */
    struct frontier *fr;
    int failed; /* written by the thread, read by crawl_run after the join */
};

/* Queue p unless it was seen before. Called with the lock held. */
static int push_page(struct frontier *fr, const struct page_ref *p)
{
    if (fr->tail >= fr->job->n || !page_set_add(fr->seen, p))
        return 0; /* seen already (or no room: n is more than the server lists) */
    result_queued(&fr->rows[fr->tail++], p);
    return 1;
}

/* The next row to fetch, waiting while the queue is empty but pages in
 * flight may still add to it; -1 when the crawl is over. A default mutex
 * and condition variable fail only when misused: the calls are not checked. */
static int claim_next(struct frontier *fr)
{
    int i = -1;

    pthread_mutex_lock(&fr->lock);
    while (fr->head == fr->tail && fr->in_flight > 0)
        pthread_cond_wait(&fr->more, &fr->lock); /* CONC: sleep until the queue grows */
    if (fr->head < fr->tail) {
        i = fr->head++; /* CONC: claim the next page */
        fr->in_flight++;
    }
    pthread_mutex_unlock(&fr->lock);
    return i;
}

/* The page f fetched is done: queue what it links, then wake whoever can
 * go on -- a thread for each new page, or everyone when the crawl is over. */
static void finish_page(struct frontier *fr, const struct fetch *f)
{
    struct page_ref links[CRAWL_LINKS_MAX];
    int nlinks = fetch_links(f, links, CRAWL_LINKS_MAX), added = 0;

    pthread_mutex_lock(&fr->lock);
    for (int k = 0; k < nlinks; k++)
        added += push_page(fr, &links[k]);
    fr->in_flight--;
    if (fr->in_flight == 0 && fr->head == fr->tail)
        pthread_cond_broadcast(&fr->more); /* CONC: over: nobody waits forever */
    else
        for (int k = 0; k < added; k++)
            pthread_cond_signal(&fr->more); /* CONC: one waiter per new page */
    pthread_mutex_unlock(&fr->lock);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct frontier *fr = w->fr;
    struct fetch f; /* this thread's own easy handle: never shared */
    int i;

    if (fetch_init(&f, w->index) != 0) {
        w->failed = 1; /* the other workers take this one's share */
        return NULL;
    }
    while ((i = claim_next(fr)) >= 0) {
        fetch_page(&f, fr->job, &fr->rows[i]); /* CONC: blocks this thread only */
        finish_page(fr, &f);
    }
    fetch_cleanup(&f);
    return NULL;
}

int crawl_run(const struct job *job, struct result *res)
{
    struct frontier fr = {.job = job,
                          .rows = res,
                          .lock = PTHREAD_MUTEX_INITIALIZER,
                          .more = PTHREAD_COND_INITIALIZER};
    struct worker *w = calloc((size_t)job->nworkers + 1, sizeof *w);
    int started = 0, rc = 0;

    fr.seen = calloc(1, sizeof *fr.seen);
    if (!w || !fr.seen) {
        free(w);
        free(fr.seen);
        return -1;
    }
    for (int p = 1; p <= job->pages; p++) /* the known part of the work */
        push_page(&fr, &(struct page_ref){.kind = PAGE_LIST, .id = p});
    for (; started < job->nworkers; started++) {
        w[started].index = started;
        w[started].fr = &fr;
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
    free(fr.seen);
    return rc;
}

const struct model MODEL = {.name = "threadpool-frontier",
                            .default_workers = 10,
                            .min_workers = 1,
                            .max_workers = 1000,
                            .frontier = 1};
