/* SPDX-License-Identifier: MIT */
/* hybrid.c -- the job on P forked processes, each running its own event
 * loop with at most W transfers in flight (the seeds' aiomultiprocess:
 * processes x coroutines). Read it against multiprocess.c (fork, pipe,
 * reap) and async.c (the loop: a slot's request comes from the shared
 * counter, its row goes home by the pipe). Processes add cores, which wins
 * when each page needs CPU work too (--work-us). Ideal: ceil(N/(P*W)) * d. */
#include "crawl.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Mapped MAP_SHARED before the fork; one atomic add (multiprocess.c: a lock). */
struct shared_work {
    int next, n;
};

static int claim_next(struct shared_work *work)
{
    int i = __atomic_fetch_add(&work->next, 1, __ATOMIC_RELAXED); /* CONC: across processes */

    return i < work->n ? i : -1;
}

/* One write() under PIPE_BUF is atomic: the children's records never mix. */
_Static_assert(sizeof(struct result) <= PIPE_BUF, "a result must fit one atomic pipe write");
static int send_result(int fd, const struct result *r)
{
    ssize_t put;

    while ((put = write(fd, r, sizeof *r)) < 0 && errno == EINTR)
        ;
    return put == (ssize_t)sizeof *r ? 0 : -1;
}

/* One child's loop; one thread owns it, so nothing needs a lock. */
struct loop {
    const struct job *job;
    struct shared_work *work;
    int out_fd, nslots;  /* the pipe home; transfers at most in flight here */
    struct result *rows; /* [nslots]: slot s's request in flight, sent home when final */
    CURLM *multi;
    struct fetch *slot;         /* [nslots]: one easy handle per transfer in flight */
    int in_flight, backing_off; /* transfers in multi; slots waiting to retry */
};

/* Hand slot f's transfer to the multi handle and return at once. */
static int add_transfer(struct loop *l, struct fetch *f)
{
    if (curl_multi_add_handle(l->multi, f->easy) != CURLM_OK) {
        fetch_finish(f, CURLE_FAILED_INIT); /* not worth a retry: a row that says why */
        return -1;
    }
    l->in_flight++; /* CONC: one more in flight, and nobody waits for it */
    return 0;
}

/* Send slot f's final row home (none when fresh), put the next request on it. */
static void next_on_slot(struct loop *l, struct fetch *f, int fresh)
{
    struct result *row = &l->rows[f - l->slot];
    int i;

    if (!fresh && send_result(l->out_fd, row) != 0) /* CONC: res[] is the parent's */
        _exit(1);                                   /* the parent is gone: nobody to work for */
    while ((i = claim_next(l->work)) >= 0) {        /* CONC: across processes */
        if (fetch_start(f, l->job, i, row) == 0 && add_transfer(l, f) == 0)
            return; /* in flight; else it failed at once, its row says why: send it */
        if (send_result(l->out_fd, row) != 0)
            _exit(1);
    }
}

/* Judge each finished transfer and reuse its slot at once. */
static int handle_done(struct loop *l)
{
    struct CURLMsg *msg;
    struct fetch *f;
    int left;

    while ((msg = curl_multi_info_read(l->multi, &left))) {
        CURLcode rc = msg->data.result; /* msg dies with the handle's removal */

        if (msg->msg != CURLMSG_DONE)
            continue;
        if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f) != CURLE_OK ||
            curl_multi_remove_handle(l->multi, f->easy) != CURLM_OK)
            return -1;
        l->in_flight--;
        if (fetch_finish(f, rc) == FETCH_RETRY) /* CONC: as it completes */
            l->backing_off++;                   /* the slot keeps its request until f->retry_at */
        else
            next_on_slot(l, f, 0); /* CONC: the freed slot takes the next request now */
    }
    return 0;
}

/* Restart each retry whose backoff is over; *wait_ms: till the next one. */
static void restart_due(struct loop *l, int *wait_ms)
{
    double now = clock_now();

    for (int s = 0; l->backing_off > 0 && s < l->nslots; s++) {
        struct fetch *f = &l->slot[s];
        double left = f->retry_at - now;

        if (!f->res || f->retry_at <= 0)
            continue; /* idle, or in flight */
        if (left > 0) {
            *wait_ms = left * 1000 < *wait_ms ? (int)(left * 1000) + 1 : *wait_ms;
            continue;
        }
        l->backing_off--;
        fetch_retry(f); /* CONC: the next attempt, after a wait nobody blocked on */
        if (add_transfer(l, f) != 0)
            next_on_slot(l, f, 0);
    }
}

/* Let curl work, handle what ended, restart what waited, sleep till more. */
static int run_loop(struct loop *l)
{
    int running, wait_ms;

    while (l->in_flight + l->backing_off > 0) {
        if (curl_multi_perform(l->multi, &running) != CURLM_OK || handle_done(l) != 0)
            return -1;
        wait_ms = 1000;
        if (l->backing_off > 0)
            restart_due(l, &wait_ms);
        if (l->in_flight + l->backing_off > 0 &&
            curl_multi_poll(l->multi, NULL, 0, wait_ms, NULL) != CURLM_OK) /* CONC: wait on all */
            return -1;
    }
    return 0;
}

/* The child: its own loop over what it claims. Its exit status. */
static int worker_main(const struct job *job, struct shared_work *work, int index, int out_fd)
{
    int share = (job->n + job->nprocs - 1) / job->nprocs; /* W = 0: its share of N */
    int nslots = job->nworkers == 0 || job->nworkers > share ? share : job->nworkers;
    int rc, made = 0;
    struct loop l = {.job = job, .work = work, .out_fd = out_fd, .nslots = nslots};

    l.multi = curl_multi_init(); /* CONC: a loop per process, made after the fork */
    l.rows = calloc((size_t)nslots, sizeof *l.rows);
    l.slot = calloc((size_t)nslots, sizeof *l.slot);
    rc = l.multi && l.rows && l.slot ? 0 : -1;
    for (; rc == 0 && made < nslots; made++)
        rc = fetch_init(&l.slot[made], index * nslots + made);
    for (int s = 0; rc == 0 && s < nslots; s++)
        next_on_slot(&l, &l.slot[s], 1);
    if (rc == 0)
        rc = run_loop(&l);
    for (int s = 0; s < made; s++)
        fetch_cleanup(&l.slot[s]);
    if (l.multi && curl_multi_cleanup(l.multi) != CURLM_OK)
        rc = -1;
    free(l.rows);
    free(l.slot);
    return rc == 0 ? 0 : 1;
}

/* Read rows until every child has closed the pipe; skip a bad record. */
static int collect_results(int in_fd, const struct job *job, struct result *res)
{
    struct result r;
    ssize_t got;
    int rc = 0;

    while ((got = read(in_fd, &r, sizeof r)) != 0) { /* CONC: whoever finishes first */
        if (got < 0 && errno != EINTR)
            return -1;
        if (got == (ssize_t)sizeof r && r.id >= 1 && r.id <= job->n)
            res[r.id - 1] = r;
        else if (got >= 0)
            rc = -1; /* not a record a child of ours wrote */
    }
    return rc;
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
    int nworkers = job->nprocs < job->n ? job->nprocs : job->n; /* no idle children */
    pid_t *pid = calloc((size_t)nworkers + 1, sizeof *pid);
    struct shared_work *work =
        mmap(NULL, sizeof *work, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int pipe_fd[2], started = 0, rc;

    if (!pid || work == MAP_FAILED || pipe(pipe_fd) != 0) {
        free(pid);
        if (work != MAP_FAILED)
            munmap(work, sizeof *work);
        return -1;
    }
    *work = (struct shared_work){.next = 0, .n = job->n};
    for (; started < nworkers; started++) {
        pid[started] = fork(); /* CONC: a new process with a copy of everything */
        if (pid[started] < 0)
            break; /* the workers already running share out all the work */
        if (pid[started] == 0) {
            close(pipe_fd[0]);
            _exit(worker_main(job, work, started, pipe_fd[1])); /* no atexit, no stdio flush */
        }
    }
    close(pipe_fd[1]); /* now only the children hold the write end: EOF when all exit */
    rc = collect_results(pipe_fd[0], job, res);
    close(pipe_fd[0]);
    if (reap_workers(pid, started) != 0 || started < nworkers)
        rc = -1;
    munmap(work, sizeof *work);
    free(pid);
    return rc;
}

const struct model MODEL = {.name = "hybrid",
                            .default_workers = 0,
                            .min_workers = 0,
                            .max_workers = CRAWL_COUNT_MAX,
                            .takes_processes = 1};
