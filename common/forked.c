/* SPDX-License-Identifier: MIT */
/* forked.c -- the mechanics of a pool of forked workers (see forked.h).
 *
 * libcurl and fork: libcurl promises nothing about its state in a forked
 * child, so nothing of it that carries a connection may cross the fork: no
 * easy or multi handle exists before it, and each child makes its own and
 * cleans it up before _exit(). The driver calls curl_global_init() once,
 * before the fork; that global state holds no connection. */
#include "forked.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared_work {
    pthread_mutex_t lock; /* PTHREAD_PROCESS_SHARED: locks across processes */
    int next;             /* guarded by lock: next request index to hand out */
    int n;                /* requests in the job */
    int nworkers;
    long pss_kb[]; /* each child's, written once by that child; -1: not reported */
};

/* Every forked model's children, summed in the parent for the report. */
static int children_reported;
static long children_pss_total_kb;

static size_t work_size(int nworkers)
{
    return sizeof(struct shared_work) + (size_t)nworkers * sizeof(long);
}

struct shared_work *shared_work_map(int n, int nworkers)
{
    struct shared_work *work =
        mmap(NULL, work_size(nworkers), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_t attr;

    if (work == MAP_FAILED)
        return NULL;
    work->next = 0;
    work->n = n;
    work->nworkers = nworkers;
    for (int k = 0; k < nworkers; k++)
        work->pss_kb[k] = -1;
    if (pthread_mutexattr_init(&attr) != 0 ||
        pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) != 0 ||
        pthread_mutex_init(&work->lock, &attr) != 0) {
        munmap(work, work_size(nworkers));
        return NULL;
    }
    pthread_mutexattr_destroy(&attr);
    return work;
}

void shared_work_unmap(struct shared_work *work)
{
    for (int k = 0; k < work->nworkers; k++) {
        if (work->pss_kb[k] >= 0) {
            children_reported++;
            children_pss_total_kb += work->pss_kb[k];
        }
    }
    pthread_mutex_destroy(&work->lock);
    munmap(work, work_size(work->nworkers));
}

/* Lock and unlock fail only when misused, so they are not checked. A worker
 * killed while it holds the lock would block the others: it is held for
 * one increment only, and no signal is expected there. */
int claim_shared(struct shared_work *work)
{
    int i = -1;

    pthread_mutex_lock(&work->lock); /* CONC: claim the next index, across processes */
    if (work->next < work->n)
        i = work->next++;
    pthread_mutex_unlock(&work->lock);
    return i;
}

/* "Pss:   1234 kB" from /proc/self/smaps_rollup (Linux 4.14+); -1 if absent. */
static long read_pss_kb(void)
{
    FILE *in = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    long kb = -1;

    if (!in)
        return -1;
    while (fgets(line, sizeof line, in)) {
        if (sscanf(line, "Pss: %ld kB", &kb) == 1)
            break;
    }
    fclose(in);
    return kb;
}

void note_child_memory(struct shared_work *work, int index)
{
    if (index >= 0 && index < work->nworkers)
        work->pss_kb[index] = read_pss_kb();
}

int forked_children(long *pss_kb)
{
    *pss_kb = children_pss_total_kb;
    return children_reported;
}

/* A result is far smaller than PIPE_BUF, so each write() is atomic: the
 * children can share one pipe without their records interleaving. */
_Static_assert(sizeof(struct result) <= PIPE_BUF, "a result must fit one atomic pipe write");
int send_result(int fd, const struct result *r)
{
    ssize_t put;

    while ((put = write(fd, r, sizeof *r)) < 0 && errno == EINTR)
        ;
    return put == (ssize_t)sizeof *r ? 0 : -1;
}

/* A bad record is skipped, not a reason to stop: the children still running
 * would die writing to a pipe nobody reads. */
int collect_results(int in_fd, const struct job *job, struct result *res)
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

int start_workers(const struct job *job, struct shared_work *work, int nworkers, int pipe_fd[2],
                  worker_fn *worker, pid_t *pid)
{
    int started = 0;

    for (; started < nworkers; started++) {
        pid[started] = fork(); /* CONC: a new process with a copy of everything */
        if (pid[started] < 0)
            break; /* the workers already running share out all the work */
        if (pid[started] == 0) {
            close(pipe_fd[0]);
            _exit(worker(job, work, started, pipe_fd[1])); /* no atexit, no stdio flush */
        }
    }
    return started;
}

int reap_workers(const pid_t *pid, int started)
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
