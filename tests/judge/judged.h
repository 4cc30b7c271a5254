/* SPDX-License-Identifier: MIT */
/* judged.h -- the graded program's side of tests/grade.sh's channel (the
 * records: channel.h). Linked only into graded builds (tests/judge.cmake),
 * never into the classroom's binaries: a graded run hands the judge its
 * rows over a descriptor the judge owns, and stops twice so the judge can
 * look at the process from outside (/proc) before and after crawl_run. */
#ifndef JUDGED_H
#define JUDGED_H

#include "channel.h"
#include "crawl.h"

/* NULL outside a graded run: the hooks count only when it is set. */
extern struct judged_calls *judged_calls;

/* The channel's descriptor: JUDGE_FD in the environment the judge gives
 * the program (read before main and every constructor, when the nonce is
 * taken off it), or -1: a graded binary run by hand runs as the
 * classroom's does, without the judge. */
int judged_channel(void);

/* Before crawl_run: say "ready" with the judge's nonce, wait for "go".
 * 0, or -1 with err filled (the run then stops: the judge is gone). */
int judged_begin(char *err, size_t errsize);

/* Between two calls of crawl_run (a job that makes two): the first call's
 * rows that were not a success in their own slot. */
void judged_first(int bad);

/* After crawl_run: rows 1..n, the counted calls, "end", wait for "go". */
int judged_end(const struct result *res, int n, int rc, char *err, size_t errsize);

#endif
