/* SPDX-License-Identifier: MIT */
/* contract_child.h -- run a model's crawl_run() in a forked child under a
 * time limit and bring back what the contract judges: the rows, the
 * threads, children, descriptors and easy handles left behind, and how the
 * child ended. A crash, hang or fork bomb in the model ends the child,
 * never the test program (cmocka catches SIGSEGV, not abort or a hang). */
#ifndef CONTRACT_CHILD_H
#define CONTRACT_CHILD_H

#include "crawl.h"

#include <sys/types.h>

#define CONTRACT_RUNAWAY_TASKS 256 /* threads + processes started: more is a bomb */

/* Calls the model made, counted through ld --wrap (see contract.cmake) in
 * memory mapped shared, so a forked worker's calls count too. */
struct calls {
    int threads_created, threads_joined, threads_detached; /* created: attempts */
    int forks;                                             /* attempts */
    int easy_inits, easy_cleanups;
    int strays; /* forked workers that returned from crawl_run */
};

/* What the child looked like, from /proc/self and waitpid. */
struct hygiene {
    int threads; /* entries in /proc/self/task */
    int fds;     /* entries in /proc/self/fd */
    int zombies; /* children ended but never waited for */
    int alive;   /* children still running */
};

enum run_end {
    RUN_RETURNED,   /* crawl_run returned and the child exited with 0 */
    RUN_CRASHED,    /* killed by a signal before crawl_run returned */
    RUN_EXITED,     /* exited before crawl_run returned */
    RUN_HUNG,       /* killed at the time limit */
    RUN_RUNAWAY,    /* killed: started more than CONTRACT_RUNAWAY_TASKS */
    RUN_DIED_AFTER, /* crawl_run returned, then the child did not exit cleanly */
    RUN_NO_START,   /* the child could not set up: crawl_run never ran (not the model's fault) */
};

struct run {
    enum run_end end;
    int status;     /* the child's waitpid status */
    double limit_s; /* the time limit it ran under */
    int rc;         /* crawl_run's return value */
    double wall_s;  /* how long crawl_run took */
    struct hygiene before, after;
    struct calls calls;
    struct result *res;    /* the job's n rows as crawl_run left them */
    char sanitizer[200];   /* the first sanitizer report line, or "" */
    char output[1024];     /* the start of what the child printed */
    char setup_error[160]; /* RUN_NO_START: why */
};

/* Once, in main, before any fork: keep orphans of a killed run ours to reap
 * and note the signal handlers the sanitizers installed. 0, or -1. */
int contract_init(void);

/* Run crawl_run(job) in a child and fill *run. Returns 0, or -1 when the
 * child could not even start (errno). run->res needs contract_run_free. */
int contract_run(const struct job *job, double limit_s, struct run *run);
void contract_run_free(struct run *run);

/* One line for a run that did not end well ("crashed: SIGSEGV ..."), or
 * NULL when crawl_run returned, the child exited cleanly and no sanitizer
 * spoke. */
const char *contract_run_problem(const struct run *run, char *buf, size_t size);

#endif
