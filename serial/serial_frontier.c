/* SPDX-License-Identifier: MIT */
/* serial_frontier.c -- serial.c when the work is found as it runs.
 * Read it against serial.c: the job starts from L list pages, and each list
 * page, once fetched, names the detail pages to fetch next. One request at
 * a time, so the queue is a plain array that grows behind the loop over it:
 * nothing else runs, so nothing can add to it while the loop is not looking.
 * Ideal time: the sum of every page's delay. */
#include "crawl.h"

#include <stdlib.h>

/* Queue p at rows[*tail] unless it was seen before. */
static void push_page(const struct job *job, struct result *rows, int *tail, struct page_set *seen,
                      const struct page_ref *p)
{
    if (*tail < job->n && page_set_add(seen, p))
        result_queued(&rows[(*tail)++], p);
}

int crawl_run(const struct job *job, struct result *res)
{
    struct page_ref links[CRAWL_LINKS_MAX];
    struct page_set *seen = calloc(1, sizeof *seen);
    struct fetch f; /* one handle, reused: one connection for the whole job */
    int tail = 0;

    if (!seen || fetch_init(&f, 0) != 0) {
        free(seen);
        return -1;
    }
    for (int p = 1; p <= job->pages; p++) /* the known part of the work */
        push_page(job, res, &tail, seen, &(struct page_ref){.kind = PAGE_LIST, .id = p});
    for (int i = 0; i < tail; i++) {  /* tail grows as list pages are read */
        fetch_page(&f, job, &res[i]); /* CONC: none; blocks for d each time */
        for (int k = 0, n = fetch_links(&f, links, CRAWL_LINKS_MAX); k < n; k++)
            push_page(job, res, &tail, seen, &links[k]);
    }
    fetch_cleanup(&f);
    free(seen);
    return 0;
}

/* The serial model is a pool of exactly one worker. */
const struct model MODEL = {.name = "serial-frontier",
                            .default_workers = 1,
                            .min_workers = 1,
                            .max_workers = 1,
                            .frontier = 1};
