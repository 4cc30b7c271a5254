/* SPDX-License-Identifier: MIT */
/* observer.h -- the graded process seen from outside (observer.c). */
#ifndef OBSERVER_H
#define OBSERVER_H

#include "judge.h"
#include "sandbox.h"

#define WATCH_TIDS 512 /* threads whose context switches are followed */

/* What the observer follows while one job runs. */
struct watch {
    pid_t init;                /* bubblewrap's init as the judge sees it; the program without one */
    pid_t driver;              /* the graded process, found at "ready" */
    int sandboxed;             /* the program runs under init (else it is init) */
    uid_t uid;                 /* the job's (a runaway is looked for among its processes) */
    int tids[WATCH_TIDS];      /* the graded process's threads seen so far ... */
    long switches[WATCH_TIDS]; /* ... and the most context switches seen of each */
    int ntids;
    double bomb_next, bomb_since, bomb_cpu_since;
};

/* At "ready": find the graded process, and note its threads, descriptors,
 * signal dispositions and children before crawl_run. */
void observe_ready(struct watch *w, struct obs *o);

/* At "end": the same after crawl_run, its CPU time, the caller's children,
 * the job's other processes left behind. */
void observe_end(struct watch *w, struct obs *o);

/* While crawl_run runs: its threads (and their wake-ups, in the jobs whose
 * kind follows them). */
void observe_sample(struct watch *w, struct obs *o);

/* A fork or thread bomb (many tasks, burning CPU, for a while)? Then 1,
 * with o->runaway set. Looks at most every 0.25 s. */
int observe_runaway(struct watch *w, struct obs *o);

/* The first line of a sanitizer's report in the job's output folder, into
 * o->sanitizer (a file that is not the job uid's own, regular file is
 * never opened). */
void observe_sanitizer_log(const char *outdir, uid_t uid, struct obs *o);

#endif
