/* SPDX-License-Identifier: MIT */
/* serial.c -- the job one request after another, on one easy handle.
 * Idea: the program waits for each response before it asks for the next,
 * so the waits add up. Ideal time: N * d (100 x 1 s: 100 s). */
#include "crawl.h"

int crawl_run(const struct job *job, struct result *res)
{
    struct fetch f; /* one handle, reused: one connection for the whole job */

    if (fetch_init(&f, 0) != 0)
        return -1;
    for (int i = 0; i < job->n; i++)
        fetch_one(&f, job, i, &res[i]); /* CONC: none; blocks for d each time */
    fetch_cleanup(&f);
    return 0;
}

/* The serial model is a pool of exactly one worker. */
const struct model MODEL = {
    .name = "serial", .default_workers = 1, .min_workers = 1, .max_workers = 1};
