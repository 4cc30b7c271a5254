/* SPDX-License-Identifier: MIT */
/* window.h -- the event loop the async, hybrid and blocking-trap models
 * share: one thread, libcurl's multi interface, and a window of slots (one
 * easy handle each) that each take the next request the moment the last
 * one is done. A model says where requests come from and where results go;
 * the loop is the same. */
#ifndef WINDOW_H
#define WINDOW_H

#include "crawl.h"

struct window;

/* What a model plugs into the loop. */
struct window_ops {
    /* The next request index to run, or -1 when none is left. */
    int (*claim)(void *ctx);
    /* Where request i's result is written while slot f runs it. */
    struct result *(*row)(void *ctx, struct fetch *f, int i);
    /* r is final (after its last attempt); 0, or -1 to stop the loop. NULL: nothing to do. */
    int (*done)(void *ctx, struct result *r);
    /* Start slot f's transfer (fetch_start has pointed it at its request).
     * Returns 1 when it is now in flight, 0 when it already finished. */
    int (*start)(struct window *w, struct fetch *f);
};

/* The right start: hand the transfer to the multi handle and return at
 * once (1), or finish the row as failed if it would not take it (0). */
int window_add(struct window *w, struct fetch *f);

/* Run the job through `nslots` slots (workers first_worker ...) until
 * ops->claim has nothing left and every transfer is done. 0, or -1 when
 * the loop failed: a row still in flight then says "aborted". */
int window_run(const struct job *job, int nslots, int first_worker, const struct window_ops *ops,
               void *ctx);

#endif
