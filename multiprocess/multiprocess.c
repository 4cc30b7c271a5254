/* SPDX-License-Identifier: MIT */
/* multiprocess.c -- the job on a pool of W forked worker processes.
 * Idea: as with threads, W waits overlap; but processes share no memory, so
 * a child's res[i] is its own copy. Results come back through a pipe, and
 * only the counter that hands out work lives in one page mapped shared.
 * Ideal time: ceil(N / W) * d (100 x 1 s on 10 processes: 10 s).
 *
 * libcurl and fork: libcurl promises nothing about its state in a forked
 * child, so no handle may cross the fork: each child makes its own after
 * it and cleans it up before _exit(). The driver's curl_global_init(),
 * before the fork, holds no connection. */
#include "crawl.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* The one thing the processes share, mapped MAP_SHARED before the fork. */
struct shared_work {
    pthread_mutex_t lock; /* PTHREAD_PROCESS_SHARED: it locks across processes */
    int next;             /* guarded by lock: next request index to hand out */
    int n;
};

static struct shared_work *map_shared_work(int n)
{
    struct shared_work *work =
        mmap(NULL, sizeof *work, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_t attr;
    int ok;

    if (work == MAP_FAILED)
        return NULL;
    work->next = 0;
    work->n = n;
    ok = pthread_mutexattr_init(&attr) == 0;
    if (ok) {
        ok = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
             pthread_mutex_init(&work->lock, &attr) == 0;
        pthread_mutexattr_destroy(&attr); /* the mutex keeps what it needs */
    }
    if (!ok) {
        munmap(work, sizeof *work);
        return NULL;
    }
    return work;
}

/* Hand out request indexes one by one, across processes; -1 when none is
 * left. Lock and unlock fail only when misused, so they are not checked. */
static int claim_next(struct shared_work *work)
{
    int i = -1;

    pthread_mutex_lock(&work->lock); /* CONC: claim the next index, across processes */
    if (work->next < work->n)
        i = work->next++;
    pthread_mutex_unlock(&work->lock);
    return i;
}

/* A result is far smaller than PIPE_BUF, so each write() is atomic: the
 * children share one pipe without their records interleaving. */
_Static_assert(sizeof(struct result) <= PIPE_BUF, "a result must fit one atomic pipe write");
static int send_result(int fd, const struct result *r)
{
    ssize_t put;

    while ((put = write(fd, r, sizeof *r)) < 0 && errno == EINTR)
        ;
    return put == (ssize_t)sizeof *r ? 0 : -1;
}

/* The child: fetch what it claims, send each result home. Its exit status. */
static int worker_main(const struct job *job, struct shared_work *work, int index, int out_fd)
{
    struct fetch f; /* made after the fork: no handle crosses it */
    struct result r;
    int i, rc = 0;

    if (fetch_init(&f, index) != 0)
        return 1;
    while (rc == 0 && (i = claim_next(work)) >= 0) {
        fetch_one(&f, job, i, &r);
        rc = send_result(out_fd, &r); /* CONC: the parent's res[] is not ours */
    }
    fetch_cleanup(&f);
    return rc == 0 ? 0 : 1;
}

/* The parent: read results into res[] until every child has closed its end
 * of the pipe. A bad record is skipped: stopping would kill the writers. */
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
    int nworkers = job->nworkers < job->n ? job->nworkers : job->n; /* no idle children */
    pid_t *pid = calloc((size_t)nworkers + 1, sizeof *pid);
    struct shared_work *work = map_shared_work(job->n);
    int pipe_fd[2], started = 0, rc;

    if (!pid || !work || pipe(pipe_fd) != 0) {
        free(pid);
        if (work)
            munmap(work, sizeof *work);
        return -1;
    }
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
    pthread_mutex_destroy(&work->lock);
    munmap(work, sizeof *work);
    free(pid);
    return rc;
}

const struct model MODEL = {
    .name = "multiprocess", .default_workers = 10, .min_workers = 1, .max_workers = 1000};
