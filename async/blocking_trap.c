/* SPDX-License-Identifier: MIT */
/* blocking_trap.c -- WRONG ON PURPOSE: async.c with one blocking call in
 * its event loop (crawl-async-blocking). A lesson, not a model.
 * Read it as a diff: `diff async/async.c async/blocking_trap.c`.
 *
 * What is wrong: start_next runs each transfer with fetch_perform(), i.e.
 * curl_easy_perform(): a call that returns only when the response is in.
 * While it waits, the one thread that runs the loop waits with it: no other
 * transfer is started or advanced. The first slot runs the whole job, one
 * request after another, before the loop ever polls.
 *
 * Why it matters: an event loop overlaps waits only if nothing in it waits.
 * This is the seeds' `requests.get()` inside an `async def` (seed 000) and
 * `time.sleep()` inside a coroutine (seed 004): it looks concurrent, and it
 * is serial. Expect serial's staircase, 1 in flight at the server, N * d. */
#include "crawl.h"

#include <stdlib.h>

struct finished { /* a transfer curl reported done, handled this turn */
    struct fetch *f;
    CURLcode rc;
};

/* One thread owns everything here, so nothing needs a lock. */
struct loop {
    const struct job *job;
    struct result *res;
    CURLM *multi;
    struct fetch *slot;        /* [nslots]: one easy handle per transfer in flight */
    struct finished *finished; /* [nslots]: the transfers done in one turn */
    int nslots;
    int next;        /* next request index to hand out */
    int in_flight;   /* transfers added to multi and not yet done */
    int backing_off; /* slots whose request waits to be tried again */
};

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

/* Put the next request, if any, on the free slot f. Never blocks. */
static void start_next(struct loop *l, struct fetch *f)
{
    while (l->next < l->job->n) {
        int i = l->next++; /* CONC: claim the next index: one thread, no lock */

        if (fetch_start(f, l->job, i, &l->res[i]) == 0)
            fetch_perform(f); /* THE MISTAKE: the whole loop stops here for d */
    }
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
            start_next(l, f); /* CONC: the freed slot takes the next request now */
    }
    return 0;
}

/* Restart each retry whose backoff is over; *wait_ms: till the next one. */
static void restart_due(struct loop *l, int *wait_ms)
{
    double now = clock_now();

    for (int s = 0; l->backing_off > 0 && s < l->nslots; s++) {
        struct fetch *f = &l->slot[s];
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

/* Let curl work, handle what ended, restart what waited, sleep till more. */
static int run_loop(struct loop *l)
{
    int running, wait_ms;

    while (l->in_flight + l->backing_off > 0) {
        if (curl_multi_perform(l->multi, &running) != CURLM_OK || handle_done(l) != 0)
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

/* A slot's own easy handle. With a slot per request there is nothing to
 * reuse, and searching thousands of busy connections costs O(N^2). */
static int slot_init(struct fetch *f, int worker, int one_request_each)
{
    if (fetch_init(f, worker) != 0)
        return -1;
    if (one_request_each && (curl_easy_setopt(f->easy, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK ||
                             curl_easy_setopt(f->easy, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK))
        return -1;
    return 0;
}

/* After an error: a row still in flight or waiting says so. */
static void abort_slots(struct loop *l, int made)
{
    for (struct fetch *f = l->slot; f < l->slot + made; f++) {
        if (!f->res)
            continue;
        if (f->retry_at <= 0) /* in flight: take it back (an error here changes nothing) */
            (void)curl_multi_remove_handle(l->multi, f->easy);
        f->res->end_s = clock_now();
        result_fail(f->res, "aborted: the event loop failed");
        f->res = NULL;
    }
}

int crawl_run(const struct job *job, struct result *res)
{
    int nslots = job->nworkers == 0 || job->nworkers > job->n ? job->n : job->nworkers;
    struct loop l = {.job = job, .res = res, .multi = curl_multi_init(), .nslots = nslots};
    int rc, made = 0;

    l.slot = calloc((size_t)nslots + 1, sizeof *l.slot);
    l.finished = calloc((size_t)nslots + 1, sizeof *l.finished);
    rc = l.multi && l.slot && l.finished ? 0 : -1;
    for (; rc == 0 && made < nslots; made++)
        rc = slot_init(&l.slot[made], made, nslots >= job->n);
    for (int s = 0; rc == 0 && s < nslots; s++)
        start_next(&l, &l.slot[s]); /* CONC: fill the window; nothing waits yet */
    if (rc == 0)
        rc = run_loop(&l);
    if (rc != 0)
        abort_slots(&l, made);
    for (int s = 0; s < made; s++)
        fetch_cleanup(&l.slot[s]);
    if (l.multi && curl_multi_cleanup(l.multi) != CURLM_OK)
        rc = -1;
    free(l.slot);
    free(l.finished);
    return rc;
}

const struct model MODEL = {.name = "async-blocking",
                            .default_workers = 0,
                            .min_workers = 0,
                            .max_workers = CRAWL_COUNT_MAX};
