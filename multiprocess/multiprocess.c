/* SPDX-License-Identifier: MIT */
/* multiprocess.c -- the job on a pool of W forked worker processes.
 * Idea: as with threads, W waits overlap; but processes share no memory, so
 * a child's res[i] is its own copy. Results come back through a pipe, and
 * only the counter that hands out work lives in one page mapped shared.
 * Ideal time: ceil(N / W) * d (100 x 1 s on 10 processes: 10 s).
 *
 * The mechanics (the shared page, the pipe's records, fork and waitpid)
 * are in common/forked.c, shared with the hybrid model; so is why no
 * libcurl handle may cross the fork. Each child makes its own. */
#include "forked.h"

#include <stdlib.h>
#include <unistd.h>

/* The child: fetch what it claims, send each result home, exit. */
static int worker_main(const struct job *job, struct shared_work *work, int index, int out_fd)
{
    struct fetch f; /* made after the fork: no handle crosses it */
    struct result r;
    int i, rc = 0;

    if (fetch_init(&f, index) != 0)
        return 1;
    while (rc == 0 && (i = claim_shared(work)) >= 0) { /* CONC: claim across processes */
        fetch_one(&f, job, i, &r);
        rc = send_result(out_fd, &r); /* CONC: the parent's res[] is not ours */
    }
    fetch_cleanup(&f);
    note_child_memory(work, index); /* for the report, while this process lives */
    return rc == 0 ? 0 : 1;
}

int crawl_run(const struct job *job, struct result *res)
{
    int nworkers = job->nworkers < job->n ? job->nworkers : job->n; /* no idle children */
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

const struct model MODEL = {
    .name = "multiprocess", .default_workers = 10, .min_workers = 1, .max_workers = 1000};
