/* SPDX-License-Identifier: MIT */
/* multiprocess.c -- the job on a pool of W forked worker processes.
 * Idea: as with threads, W waits overlap; but processes share no memory, so
 * a child's res[i] is its own copy. Results come back through a pipe, and
 * only the counter that hands out work lives in one page mapped shared.
 * Ideal time: ceil(N / W) * d (100 x 1 s on 10 processes: 10 s).
 *
 * libcurl and fork: libcurl promises nothing about its state in a forked
 * child, so nothing of it that carries a connection may cross the fork: no
 * easy or multi handle exists before it, and each child makes its own and
 * cleans it up before _exit(). The driver calls curl_global_init() once,
 * before the fork (it is not thread-safe, and a child that repeated it
 * would redo the TLS library's set-up per process); that global state holds
 * no connection, so the children share nothing live. */
#include "crawl.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* The one thing the processes share: mapped MAP_SHARED before the fork. */
struct pool {
    pthread_mutex_t lock; /* PTHREAD_PROCESS_SHARED: locks across processes */
    int next;             /* guarded by lock: next request index to hand out */
};

/* Hand out request indexes one by one; -1 when none is left.
 * Lock and unlock fail only when misused, so they are not checked. A worker
 * killed while it holds the lock would block the others: it is held for
 * one increment only, and no signal is expected there. */
static int claim_next(struct pool *pool, int n)
{
    int i = -1;

    pthread_mutex_lock(&pool->lock); /* CONC: claim the next index */
    if (pool->next < n)
        i = pool->next++;
    pthread_mutex_unlock(&pool->lock);
    return i;
}

/* A result is far smaller than PIPE_BUF, so each write() is atomic: the
 * children can share one pipe without their records interleaving. */
_Static_assert(sizeof(struct result) <= PIPE_BUF, "a result must fit one atomic pipe write");
static int send_result(int fd, const struct result *r)
{
    return write(fd, r, sizeof *r) == (ssize_t)sizeof *r ? 0 : -1;
}

/* The child: fetch what it claims, send each result home, exit. */
static int worker_main(const struct job *job, struct pool *pool, int index, int out_fd)
{
    struct fetch f; /* made after the fork: no handle crosses it */
    struct result r;
    int i, rc = 0;

    if (fetch_init(&f, index) != 0)
        return 1;
    while (rc == 0 && (i = claim_next(pool, job->n)) >= 0) {
        fetch_one(&f, job, i, &r);
        rc = send_result(out_fd, &r); /* CONC: the parent's res[] is not ours */
    }
    fetch_cleanup(&f);
    return rc == 0 ? 0 : 1;
}

static struct pool *pool_map(void)
{
    struct pool *pool =
        mmap(NULL, sizeof *pool, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_t attr;

    if (pool == MAP_FAILED)
        return NULL;
    pool->next = 0;
    if (pthread_mutexattr_init(&attr) != 0 ||
        pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) != 0 ||
        pthread_mutex_init(&pool->lock, &attr) != 0) {
        munmap(pool, sizeof *pool);
        return NULL;
    }
    pthread_mutexattr_destroy(&attr);
    return pool;
}

/* Read results until every child has closed its end of the pipe. A bad
 * record is skipped, not a reason to stop: the children still running
 * would die writing to a pipe nobody reads. */
static int collect_results(int in_fd, const struct job *job, struct result *res)
{
    struct result r;
    ssize_t got;
    int rc = 0;

    while ((got = read(in_fd, &r, sizeof r)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got != (ssize_t)sizeof r || r.id < 1 || r.id > job->n) {
            rc = -1; /* not a record a child of ours wrote */
            continue;
        }
        res[r.id - 1] = r;
    }
    return rc;
}

/* Fork the workers; returns how many started (pid[] filled). */
static int start_workers(const struct job *job, struct pool *pool, int nworkers, int pipe_fd[2],
                         pid_t *pid)
{
    int started = 0;

    for (; started < nworkers; started++) {
        pid[started] = fork(); /* CONC: a new process with a copy of everything */
        if (pid[started] < 0)
            break; /* the workers already running share out all the work */
        if (pid[started] == 0) {
            close(pipe_fd[0]);
            _exit(worker_main(job, pool, started, pipe_fd[1])); /* no atexit, no stdio flush */
        }
    }
    return started;
}

/* Wait for every child; -1 if one failed or died. */
static int reap_workers(const pid_t *pid, int started)
{
    int rc = 0, status;

    for (int k = 0; k < started; k++) {
        while (waitpid(pid[k], &status, 0) < 0) { /* CONC: no zombie is left */
            if (errno != EINTR)
                return -1;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            rc = -1;
    }
    return rc;
}

int crawl_run(const struct job *job, struct result *res)
{
    int nworkers = job->nworkers < job->n ? job->nworkers : job->n; /* no idle children */
    pid_t *pid = calloc((size_t)nworkers + 1, sizeof *pid);
    struct pool *pool = pool_map();
    int pipe_fd[2], started, rc;

    if (!pid || !pool || pipe(pipe_fd) != 0) {
        free(pid);
        if (pool)
            munmap(pool, sizeof *pool);
        return -1;
    }
    started = start_workers(job, pool, nworkers, pipe_fd, pid);
    close(pipe_fd[1]); /* now only the children hold the write end: EOF when all exit */
    rc = collect_results(pipe_fd[0], job, res);
    close(pipe_fd[0]);
    if (reap_workers(pid, started) != 0 || started < nworkers)
        rc = -1;
    pthread_mutex_destroy(&pool->lock);
    munmap(pool, sizeof *pool);
    free(pid);
    return rc;
}

const struct model MODEL = {
    .name = "multiprocess", .default_workers = 10, .min_workers = 1, .max_workers = 1000};
