/* SPDX-License-Identifier: MIT */
/* async_frontier.c -- async.c when the work is found as it runs: L list
 * pages name the detail pages to fetch next. The queue is the results array,
 * as in threadpool_frontier.c, but one thread owns it: no lock, no condition
 * variable. A finished list page queues its details, idle slots take them,
 * and the loop ends exactly when nothing is queued, in flight or backing
 * off. Slots are made as pages wait, up to W (0: no limit): N is res[]'s room.
 * Ideal: the greedy schedule of W where a detail waits for its list page. */
#include "crawl.h"

#include <stdlib.h>

struct finished { /* a transfer curl reported done, handled this turn */
    struct fetch *f;
    CURLcode rc;
};

struct loop { /* one thread owns everything here, so nothing needs a lock */
    const struct job *job;
    struct result *rows; /* rows[0..head) claimed, rows[head..tail) waiting */
    int head, tail;
    CURLM *multi;
    struct fetch **slot;       /* [nslots] of max_slots pointers (untouched pages cost nothing) */
    struct finished *finished; /* [max_slots]: the transfers done in one turn */
    int nslots, max_slots;
    int in_flight, backing_off; /* transfers in multi; slots waiting to retry */
    struct page_set seen;       /* every page ever queued: each is fetched once */
};

/* Queue p unless it was seen before. */
static void push_page(struct loop *l, const struct page_ref *p)
{
    if (l->tail < l->job->n && page_set_add(&l->seen, p))
        result_queued(&l->rows[l->tail++], p);
}

/* Hand slot f's transfer to the multi handle and return at once. */
static int add_transfer(struct loop *l, struct fetch *f)
{
    if (curl_multi_add_handle(l->multi, f->easy) != CURLM_OK) {
        fetch_finish(f, CURLE_FAILED_INIT); /* not worth a retry: a row that says why */
        return -1;
    }
    l->in_flight++; /* CONC: one more in flight, and nobody waits for it */
    return 0;
}

/* Put the next queued page, if any, on the free slot f. Never blocks. */
static void start_next(struct loop *l, struct fetch *f)
{
    while (l->head < l->tail) {
        struct result *r = &l->rows[l->head++]; /* CONC: claim the next page: one thread, no lock */

        if (fetch_start_page(f, l->job, r) == 0 && add_transfer(l, f) == 0)
            return; /* in flight; else it failed at once, its row says why: take the next */
    }
}

/* Slot f's page is final: queue what it links before f fetches again. */
static void next_on_slot(struct loop *l, struct fetch *f)
{
    struct page_ref links[CRAWL_LINKS_MAX];

    for (int k = 0, n = fetch_links(f, links, CRAWL_LINKS_MAX); k < n; k++)
        push_page(l, &links[k]); /* CONC: the queue grows while pages are in flight */
    start_next(l, f);
}

/* One more slot, allocated alone (curl keeps its address), or -1. */
static int new_slot(struct loop *l)
{
    struct fetch *f = l->nslots < l->max_slots ? malloc(sizeof *f) : NULL;

    if (!f || fetch_init(f, l->nslots) != 0) {
        free(f);
        return -1;
    }
    if (l->job->nworkers == 0) { /* reuse: search 1000s of busy connections, O(N^2) */
        (void)curl_easy_setopt(f->easy, CURLOPT_FRESH_CONNECT, 1L);
        (void)curl_easy_setopt(f->easy, CURLOPT_FORBID_REUSE, 1L);
    }
    l->slot[l->nslots++] = f;
    return 0;
}

/* Queued pages to idle slots (f->res NULL), then new ones; -1: none can. */
static int fill_window(struct loop *l)
{
    for (int s = 0; l->in_flight + l->backing_off < l->nslots && s < l->nslots; s++)
        if (l->head < l->tail && !l->slot[s]->res)
            start_next(l, l->slot[s]); /* CONC: the window refills from the queue */
    while (l->head < l->tail && new_slot(l) == 0)
        start_next(l, l->slot[l->nslots - 1]); /* CONC: a new slot: the window widens */
    return l->head < l->tail && l->in_flight + l->backing_off == 0 ? -1 : 0;
}

/* Judge every finished transfer and reuse its slot at once. Read every
 * message before removing any handle: remove searches the queued messages,
 * so removing while reading is O(done^2) when thousands end in one turn. */
static int handle_done(struct loop *l)
{
    struct CURLMsg *msg;
    int left, ndone = 0;

    while (ndone < l->nslots && (msg = curl_multi_info_read(l->multi, &left))) {
        struct finished *d = &l->finished[ndone];

        if (msg->msg != CURLMSG_DONE)
            continue;
        d->rc = msg->data.result;
        if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&d->f) != CURLE_OK)
            return -1;
        ndone++;
    }
    for (int k = 0; k < ndone; k++) {
        struct fetch *f = l->finished[k].f;

        if (curl_multi_remove_handle(l->multi, f->easy) != CURLM_OK)
            return -1;
        l->in_flight--;
        if (fetch_finish(f, l->finished[k].rc) == FETCH_RETRY) /* CONC: as it completes */
            l->backing_off++; /* the slot keeps its request until f->retry_at */
        else
            next_on_slot(l, f); /* CONC: the freed slot takes the next page now */
    }
    return 0;
}

/* Restart each retry whose backoff is over; *wait_ms: till the next one. */
static void restart_due(struct loop *l, int *wait_ms)
{
    double now = clock_now();

    for (int s = 0; l->backing_off > 0 && s < l->nslots; s++) {
        struct fetch *f = l->slot[s];
        double left = f->retry_at - now;

        if (!f->res || f->retry_at <= 0)
            continue; /* idle, or in flight */
        if (left > 0) {
            *wait_ms = left * 1000 < *wait_ms ? (int)(left * 1000) + 1 : *wait_ms;
            continue;
        }
        l->backing_off--;
        fetch_retry(f); /* CONC: the next attempt, after a wait nobody blocked on */
        if (add_transfer(l, f) != 0)
            start_next(l, f);
    }
}

/* Let curl work, handle what ended, refill, restart what waited, sleep till more. */
static int run_loop(struct loop *l)
{
    int running, wait_ms;

    while (l->head < l->tail || l->in_flight + l->backing_off > 0) {
        if (curl_multi_perform(l->multi, &running) != CURLM_OK || handle_done(l) != 0 ||
            fill_window(l) != 0)
            return -1;
        wait_ms = 1000;
        if (l->backing_off > 0)
            restart_due(l, &wait_ms);
        if (l->in_flight + l->backing_off > 0 &&
            curl_multi_poll(l->multi, NULL, 0, wait_ms, NULL) != CURLM_OK) /* CONC: wait on all */
            return -1;
    }
    return 0;
}

int crawl_run(const struct job *job, struct result *res)
{
    int max_slots = job->nworkers == 0 || job->nworkers > job->n ? job->n : job->nworkers;
    struct loop l = {.job = job, .rows = res, .multi = curl_multi_init(), .max_slots = max_slots};
    int rc;

    l.slot = calloc((size_t)max_slots + 1, sizeof *l.slot);
    l.finished = calloc((size_t)max_slots + 1, sizeof *l.finished);
    rc = l.multi && l.slot && l.finished ? 0 : -1;
    for (int p = 1; rc == 0 && p <= job->pages; p++) /* the known part of the work */
        push_page(&l, &(struct page_ref){.kind = PAGE_LIST, .id = p});
    if (rc == 0)
        rc = run_loop(&l); /* CONC: its first turn fills the window */
    for (int s = 0; s < l.nslots; s++) {
        if (rc != 0 && l.slot[s]->res) /* in flight or waiting: its row says why */
            result_fail(l.slot[s]->res, "aborted: the event loop failed");
        fetch_cleanup(l.slot[s]); /* out of multi too, if still in it */
        free(l.slot[s]);
    }
    if (l.multi && curl_multi_cleanup(l.multi) != CURLM_OK)
        rc = -1;
    free(l.slot);
    free(l.finished);
    return rc;
}

const struct model MODEL = {.name = "async-frontier",
                            .default_workers = 0,
                            .min_workers = 0,
                            .max_workers = CRAWL_COUNT_MAX,
                            .frontier = 1};
