/* SPDX-License-Identifier: MIT */
/* hybrid.c -- the job on P forked processes, each running its own event
 * loop with at most W transfers in flight (the seeds' aiomultiprocess:
 * processes x coroutines).
 * Idea: async overlaps the waits on one core; processes add cores. When
 * each page also needs CPU work (--work-us), one thread becomes the limit
 * and P loops on P cores pull ahead. Requests are claimed one at a time
 * from shared work, as in multiprocess.c; results come home through the
 * same pipe. Read it beside multiprocess.c (the same crawl_run, a
 * different worker) and async.c (the same loop, another source of work).
 * Ideal time: ceil(N / (P * W)) * d; about d when W = 0. */
#include "forked.h"
#include "window.h"

#include <stdlib.h>
#include <unistd.h>

/* One child's loop: where its requests come from and where results go. */
struct child {
    struct shared_work *work;
    int out_fd;
    int first_worker;    /* its slots are workers first_worker ... */
    struct result *rows; /* a row per slot, sent home when final */
};

/* The window each process keeps: W, or with W = 0 its share of N, so the
 * processes split the job evenly instead of the first one claiming it all. */
static int slots_per_process(const struct job *job, int nprocs)
{
    int share = (job->n + nprocs - 1) / nprocs;

    return job->nworkers == 0 || job->nworkers > share ? share : job->nworkers;
}

static int claim_next(void *ctx)
{
    struct child *c = ctx;

    return claim_shared(c->work); /* CONC: claim across processes, from one loop */
}

static struct result *row_for(void *ctx, struct fetch *f, int i)
{
    struct child *c = ctx;

    (void)i;
    return &c->rows[f->worker - c->first_worker];
}

static int send_home(void *ctx, struct result *r)
{
    struct child *c = ctx;

    return send_result(c->out_fd, r); /* CONC: the parent's res[] is not ours */
}

/* The child: its own loop over what it claims, then exit. */
static int worker_main(const struct job *job, struct shared_work *work, int index, int out_fd)
{
    int nslots = slots_per_process(job, job->nprocs);
    struct child c = {.work = work, .out_fd = out_fd, .first_worker = index * nslots};
    const struct window_ops ops = {
        .claim = claim_next,
        .row = row_for,
        .done = send_home,
        .start = window_add, /* CONC: a loop per process, handles made after the fork */
    };
    int rc;

    c.rows = calloc((size_t)nslots, sizeof *c.rows);
    if (!c.rows)
        return 1;
    rc = window_run(job, nslots, c.first_worker, &ops, &c);
    free(c.rows);
    note_child_memory(work, index); /* for the report, while this process lives */
    return rc == 0 ? 0 : 1;
}

int crawl_run(const struct job *job, struct result *res)
{
    int nworkers = job->nprocs < job->n ? job->nprocs : job->n; /* no idle children */
    pid_t *pid = calloc((size_t)nworkers + 1, sizeof *pid);
    struct shared_work *work = shared_work_map(job->n, nworkers);
    int pipe_fd[2], started, rc;

    if (!pid || !work || pipe(pipe_fd) != 0) {
        free(pid);
        if (work)
            shared_work_unmap(work);
        return -1;
    }
    started = start_workers(job, work, nworkers, pipe_fd, worker_main, pid); /* CONC: fork */
    close(pipe_fd[1]); /* now only the children hold the write end: EOF when all exit */
    rc = collect_results(pipe_fd[0], job, res);
    close(pipe_fd[0]);
    if (reap_workers(pid, started) != 0 || started < nworkers) /* CONC: wait for all */
        rc = -1;
    shared_work_unmap(work);
    free(pid);
    return rc;
}

const struct model MODEL = {.name = "hybrid",
                            .default_workers = 0,
                            .min_workers = 0,
                            .max_workers = CRAWL_COUNT_MAX,
                            .takes_processes = 1};
