/* SPDX-License-Identifier: MIT */
/* window.c -- the event loop of window.h.
 * Idea: nothing blocks. One loop waits on all sockets at once, handles each
 * transfer as it completes (in any order: the seeds' as_completed) and at
 * once starts the next request in the freed slot: a sliding window of at
 * most nslots in flight (the seeds' semaphore). A request that will be
 * retried waits out its backoff in its slot, as a timer of the loop, never
 * as a sleep: the other transfers go on meanwhile. */
#include "window.h"

#include <stdlib.h>

/* A transfer curl reported done, kept until the loop's turn handles it. */
struct finished {
    struct fetch *f;
    CURLcode rc;
};

/* One thread owns everything here, so nothing needs a lock. */
struct window {
    const struct job *job;
    const struct window_ops *ops;
    void *ctx;
    CURLM *multi;
    struct fetch *slot;
    struct finished *finished; /* [nslots]: the transfers done in one turn */
    int nslots;
    int in_flight;   /* transfers added to multi and not yet done */
    int backing_off; /* slots whose request waits to be tried again */
};

int window_add(struct window *w, struct fetch *f)
{
    if (curl_multi_add_handle(w->multi, f->easy) == CURLM_OK) {
        w->in_flight++; /* CONC: one more in flight, nobody waited */
        return 1;
    }
    fetch_finish(f, CURLE_FAILED_INIT); /* not worth a retry: a row that says why */
    return 0;
}

static int report_done(struct window *w, struct result *r)
{
    return w->ops->done ? w->ops->done(w->ctx, r) : 0;
}

/* Put the next request, if any, on slot f. Never blocks (unless the
 * model's start does: the blocking trap). */
static int start_next(struct window *w, struct fetch *f)
{
    struct result *r;
    int i;

    while ((i = w->ops->claim(w->ctx)) >= 0) {
        r = w->ops->row(w->ctx, f, i);
        if (fetch_start(f, w->job, i, r) == 0 && w->ops->start(w, f))
            return 0;               /* in flight */
        if (report_done(w, r) != 0) /* finished already: the slot takes the next */
            return -1;
    }
    return 0;
}

/* A transfer ended: judge it, then retry it later or reuse its slot now. */
static int transfer_ended(struct window *w, struct fetch *f, CURLcode rc)
{
    struct result *r = f->res;

    if (fetch_finish(f, rc) == FETCH_RETRY) { /* CONC: handled as it completes */
        w->backing_off++;
        return 0;
    }
    if (report_done(w, r) != 0)
        return -1;
    return start_next(w, f);
}

/* Judge every finished transfer and reuse its slot at once. Every message
 * is read before any handle is removed: libcurl's remove searches the
 * messages still queued for the handle's own, so removing while reading
 * costs O(done^2) when thousands complete in one turn (10,000 at once took
 * 1.5x a raw epoll client's time, 1.2x read first). */
static int handle_done(struct window *w)
{
    struct CURLMsg *msg;
    int left, ndone = 0;

    while (ndone < w->nslots && (msg = curl_multi_info_read(w->multi, &left))) {
        struct finished *d = &w->finished[ndone];

        if (msg->msg != CURLMSG_DONE)
            continue;
        d->rc = msg->data.result;
        if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&d->f) != CURLE_OK)
            return -1;
        ndone++;
    }
    for (int k = 0; k < ndone; k++) {
        struct fetch *f = w->finished[k].f;

        if (curl_multi_remove_handle(w->multi, f->easy) != CURLM_OK)
            return -1;
        w->in_flight--;
        if (transfer_ended(w, f, w->finished[k].rc) != 0)
            return -1;
    }
    return 0;
}

/* Start again every retry whose backoff is over; *wait_ms becomes the time
 * to the next one still waiting (the loop must wake up for it). */
static int restart_due(struct window *w, int nslots, int *wait_ms)
{
    double now = clock_now();

    for (int s = 0; w->backing_off > 0 && s < nslots; s++) {
        struct fetch *f = &w->slot[s];
        double left = f->retry_at - now;

        if (!f->res || f->retry_at <= 0)
            continue; /* idle, or in flight */
        if (left > 0) {
            if (left * 1000 < *wait_ms)
                *wait_ms = (int)(left * 1000) + 1;
            continue;
        }
        struct result *r = f->res;

        w->backing_off--;
        fetch_retry(f); /* CONC: the next attempt, after a wait nobody blocked on */
        if (!w->ops->start(w, f) && (report_done(w, r) != 0 || start_next(w, f) != 0))
            return -1;
    }
    return 0;
}

/* The event loop: let curl work, handle what completed, restart what has
 * waited long enough, sleep until a socket is ready or a backoff ends. */
static int run_loop(struct window *w, int nslots)
{
    int running, wait_ms;

    while (w->in_flight + w->backing_off > 0) {
        if (curl_multi_perform(w->multi, &running) != CURLM_OK || handle_done(w) != 0)
            return -1;
        wait_ms = 1000;
        if (w->backing_off > 0 && restart_due(w, nslots, &wait_ms) != 0)
            return -1;
        if (w->in_flight + w->backing_off > 0 &&
            curl_multi_poll(w->multi, NULL, 0, wait_ms, NULL) != CURLM_OK) /* CONC: wait on all */
            return -1;
    }
    return 0;
}

/* A slot's own easy handle. When every request has a slot of its own there
 * is nothing to reuse, and searching thousands of busy connections for an
 * idle one on every start costs O(N^2): 10,000 requests took 3 s, not 2. */
static int slot_init(struct fetch *f, int worker, int one_request_each)
{
    if (fetch_init(f, worker) != 0)
        return -1;
    if (one_request_each && (curl_easy_setopt(f->easy, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK ||
                             curl_easy_setopt(f->easy, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK))
        return -1;
    return 0;
}

/* After an error: a row still in flight or waiting says so, and goes home. */
static void abort_slots(struct window *w, int made)
{
    for (int s = 0; s < made; s++) {
        struct fetch *f = &w->slot[s];

        if (f->res) {
            if (f->retry_at <= 0)
                curl_multi_remove_handle(w->multi, f->easy);
            f->res->end_s = clock_now();
            result_fail(f->res, "aborted: the event loop failed");
            report_done(w, f->res);
            f->res = NULL;
        }
    }
}

int window_run(const struct job *job, int nslots, int first_worker, const struct window_ops *ops,
               void *ctx)
{
    struct window w = {
        .job = job, .ops = ops, .ctx = ctx, .multi = curl_multi_init(), .nslots = nslots};
    int rc = 0, made = 0, one_each = nslots >= job->n;

    w.slot = calloc((size_t)nslots + 1, sizeof *w.slot);
    w.finished = calloc((size_t)nslots + 1, sizeof *w.finished);
    if (!w.slot || !w.finished || !w.multi)
        rc = -1;
    for (; rc == 0 && made < nslots; made++)
        rc = slot_init(&w.slot[made], first_worker + made, one_each);
    for (int s = 0; rc == 0 && s < nslots; s++)
        rc = start_next(&w, &w.slot[s]);
    if (rc == 0)
        rc = run_loop(&w, nslots);
    if (rc != 0)
        abort_slots(&w, made);
    for (int s = 0; s < made; s++)
        fetch_cleanup(&w.slot[s]);
    if (w.multi && curl_multi_cleanup(w.multi) != CURLM_OK)
        rc = -1;
    free(w.slot);
    free(w.finished);
    return rc;
}
