/* SPDX-License-Identifier: MIT */
/* multiprocess_frontier.c -- multiprocess.c when the work is found as it
 * runs: the job starts from L list pages, and each, once fetched, names the
 * detail pages to fetch next. Read it against multiprocess.c and
 * threadpool_frontier.c: the children must share the queue, and the queue
 * is the rows themselves, so the whole results array is mapped MAP_SHARED
 * before the fork, with head, tail, the pages in flight, the pages seen, and
 * a mutex and condition variable made PTHREAD_PROCESS_SHARED. A child claims
 * a row, fetches into it, queues what it links and signals; it waits while
 * the queue is empty and pages are in flight. No pipe: the rows are where
 * the parent reads them once it has reaped every child.
 * Why not the parent as dispatcher: a pipe each way per child and a poll
 * loop in the parent, for the same schedule. The price: a child killed
 * mid-page would leave its page in flight and the others waiting (the
 * dispatcher would see its pipe close). Untouched pages of the mapping
 * (room for 110,000 rows) cost no memory. As in multiprocess.c, no libcurl
 * handle crosses the fork. Ideal: as threadpool_frontier.c's. */
#include "crawl.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the processes share, mapped MAP_SHARED before the fork. */
struct shared_frontier {
    pthread_mutex_t lock; /* PTHREAD_PROCESS_SHARED: guards everything below */
    pthread_cond_t more;  /* PTHREAD_PROCESS_SHARED: the queue grew, or the crawl is over */
    int head, tail;
    int in_flight;        /* claimed and not finished: each may queue more */
    int n;                /* room in rows[] */
    struct page_set seen; /* every page ever queued: each is fetched once */
    struct result rows[]; /* [n]: rows[0..head) claimed, rows[head..tail) waiting */
};

static size_t shared_size(int n)
{
    return sizeof(struct shared_frontier) + (size_t)n * sizeof(struct result);
}

/* The mutex and the condition variable, both shared across processes. */
static int init_shared_sync(struct shared_frontier *fr)
{
    pthread_mutexattr_t mattr;
    pthread_condattr_t cattr;
    int mutex_ok = 0, cond_ok = 0;

    if (pthread_mutexattr_init(&mattr) == 0) {
        mutex_ok = pthread_mutexattr_setpshared(&mattr, PTHREAD_PROCESS_SHARED) == 0 &&
                   pthread_mutex_init(&fr->lock, &mattr) == 0;
        pthread_mutexattr_destroy(&mattr); /* the mutex keeps what it needs */
    }
    if (mutex_ok && pthread_condattr_init(&cattr) == 0) {
        cond_ok = pthread_condattr_setpshared(&cattr, PTHREAD_PROCESS_SHARED) == 0 &&
                  pthread_cond_init(&fr->more, &cattr) == 0;
        pthread_condattr_destroy(&cattr);
    }
    if (mutex_ok && !cond_ok)
        pthread_mutex_destroy(&fr->lock);
    return cond_ok ? 0 : -1;
}

static struct shared_frontier *map_shared_frontier(int n)
{
    struct shared_frontier *fr =
        mmap(NULL, shared_size(n), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (fr == MAP_FAILED)
        return NULL;
    fr->n = n; /* the rest starts zero, as a new anonymous mapping does */
    if (init_shared_sync(fr) != 0) {
        munmap(fr, shared_size(n));
        return NULL;
    }
    return fr;
}

/* Queue p unless it was seen before. Called with the lock held. */
static int push_page(struct shared_frontier *fr, const struct page_ref *p)
{
    if (fr->tail >= fr->n || !page_set_add(&fr->seen, p))
        return 0; /* seen already (or no room: n is more than the server lists) */
    result_queued(&fr->rows[fr->tail++], p);
    return 1;
}

/* The next row to fetch, waiting while the queue is empty but pages in
 * flight may still add to it; -1 when the crawl is over. Lock, unlock, wait
 * and signal fail only when misused, so they are not checked. */
static int claim_next(struct shared_frontier *fr)
{
    int i = -1;

    pthread_mutex_lock(&fr->lock); /* CONC: across processes */
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
 * go on -- a child for each new page, or every child when the crawl is over. */
static void finish_page(struct shared_frontier *fr, const struct fetch *f)
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

/* The child: fetch what it claims into the shared rows. Its exit status. */
static int worker_main(const struct job *job, struct shared_frontier *fr, int index)
{
    struct fetch f; /* made after the fork: no handle crosses it */
    int i;

    if (fetch_init(&f, index) != 0)
        return 1; /* the other children take this one's share */
    while ((i = claim_next(fr)) >= 0) {
        fetch_page(&f, job, &fr->rows[i]); /* CONC: the row is this child's until done */
        finish_page(fr, &f);
    }
    fetch_cleanup(&f);
    return 0;
}

/* Wait for every child: no zombie is left. 0, or -1 if one failed or died. */
static int reap_workers(const pid_t *pid, int started)
{
    int rc = 0, status;
    pid_t got;

    for (int k = 0; k < started; k++) {
        while ((got = waitpid(pid[k], &status, 0)) < 0 && errno == EINTR) /* CONC: wait for it */
            ;
        if (got < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            rc = -1;
    }
    return rc;
}

int crawl_run(const struct job *job, struct result *res)
{
    pid_t *pid = calloc((size_t)job->nworkers + 1, sizeof *pid);
    struct shared_frontier *fr = map_shared_frontier(job->n);
    int started = 0, rc = 0;

    if (!pid || !fr) {
        free(pid);
        if (fr) {
            pthread_cond_destroy(&fr->more);
            pthread_mutex_destroy(&fr->lock);
            munmap(fr, shared_size(job->n));
        }
        return -1;
    }
    for (int p = 1; p <= job->pages; p++) /* the known part of the work */
        push_page(fr, &(struct page_ref){.kind = PAGE_LIST, .id = p});
    for (; started < job->nworkers; started++) {
        pid[started] = fork(); /* CONC: a new process; the mapping stays shared */
        if (pid[started] < 0) {
            rc = -1; /* the workers already running share out all the work */
            break;
        }
        if (pid[started] == 0)
            _exit(worker_main(job, fr, started)); /* no atexit, no stdio flush */
    }
    if (reap_workers(pid, started) != 0)
        rc = -1;
    memcpy(res, fr->rows, (size_t)fr->tail * sizeof *res); /* CONC: every child is gone */
    pthread_cond_destroy(&fr->more);
    pthread_mutex_destroy(&fr->lock);
    munmap(fr, shared_size(job->n));
    free(pid);
    return rc;
}

const struct model MODEL = {.name = "multiprocess-frontier",
                            .default_workers = 10,
                            .min_workers = 1,
                            .max_workers = 1000,
                            .frontier = 1};
