/* SPDX-License-Identifier: MIT */
/* judged.h -- the driver's side of tests/grade.sh's channel (--judge-fd).
 * Not part of the lesson: a graded run hands the judge its rows over a
 * descriptor the judge owns, and stops twice so the judge can look at the
 * process from outside (/proc) before and after crawl_run. */
#ifndef JUDGED_H
#define JUDGED_H

#include "crawl.h"

/* Calls a graded binary counts (tests/judge/hooks.c, linked with ld
 * --wrap), in a page shared with every process the model forks. */
struct judged_calls {
    long easy_inits, easy_cleanups;
    long threads_created, threads_joined;
    long forks;
    long private_locks; /* a lock taken by a forked worker in memory its siblings cannot see */
    long threads_started, threads_detached; /* started: pthread_create succeeded */
    long sanitizer_reports; /* reports a sanitizer made, in any process of the run */
};

/* NULL outside a graded run: the hooks count only when it is set. */
extern struct judged_calls *judged_calls;

/* Before crawl_run: read the judge's nonce, say "ready", wait for "go".
 * 0, or -1 with err filled (the run then stops: the judge is gone). */
int judged_begin(int fd, char *err, size_t errsize);

/* After crawl_run: every row, the counted calls, "end", wait for "go". */
int judged_end(int fd, const struct result *res, int n, int rc, char *err, size_t errsize);

#endif
