/* SPDX-License-Identifier: MIT */
/* judged.h -- the graded program's side of tests/grade.sh's channel (the
 * records: channel.h). Not part of the lesson: a graded run hands the judge
 * its rows over a descriptor the judge owns, and stops twice so the judge
 * can look at the process from outside (/proc) before and after crawl_run. */
#ifndef JUDGED_H
#define JUDGED_H

#include "channel.h"
#include "crawl.h"

/* NULL outside a graded run: the hooks count only when it is set. */
extern struct judged_calls *judged_calls;

/* Before crawl_run: read the judge's nonce, say "ready", wait for "go".
 * 0, or -1 with err filled (the run then stops: the judge is gone). */
int judged_begin(int fd, char *err, size_t errsize);

/* After crawl_run: every row, the counted calls, "end", wait for "go". */
int judged_end(int fd, const struct result *res, int n, int rc, char *err, size_t errsize);

#endif
