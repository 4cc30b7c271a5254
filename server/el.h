/* SPDX-License-Identifier: MIT */
/* el.h -- a tiny ae-style event loop: fd readiness (epoll) plus timers.
 * One thread; callbacks run to completion and must never block. Timers sit
 * in a binary min-heap (O(log n) add/delete, so 10,000 waiting requests are
 * cheap) and epoll_wait sleeps exactly until the nearest one is due. */
#ifndef EL_H
#define EL_H

#define EL_NONE   0
#define EL_READ   1
#define EL_WRITE  2
#define EL_HUP    4     /* the peer shut its side (EPOLLRDHUP), without reading */
#define EL_NOMORE (-1L) /* timer callback: do not fire again */

struct el;

/* mask: what fired (EL_READ and/or EL_WRITE). Errors and hang-ups are
 * reported as whatever interest is registered, so the next read or write
 * sees the error itself. */
typedef void el_fd_fn(struct el *el, int fd, int mask, void *arg);
/* Returns ms until the timer fires again, or EL_NOMORE to delete it. */
typedef long el_timer_fn(struct el *el, long long id, void *arg);

struct el *el_create(void);
void el_free(struct el *el); /* closes no fd but its own epoll fd */

/* Add mask to fd's interest; fn and arg replace earlier ones. 0 or -1. */
int el_fd_add(struct el *el, int fd, int mask, el_fd_fn *fn, void *arg);
/* Remove mask from fd's interest (all of it before close()). 0 or -1. */
int el_fd_del(struct el *el, int fd, int mask);

/* Fire fn(el, id, arg) in ms milliseconds (not earlier). Returns the
 * timer's id (> 0), or -1 when out of memory. */
long long el_timer_add(struct el *el, long ms, el_timer_fn *fn, void *arg);
/* Cancel a pending timer; -1 if no such timer. */
int el_timer_del(struct el *el, long long id);

void el_stop(struct el *el); /* el_run returns after this iteration */
int el_run(struct el *el);   /* 0 after el_stop, -1 if epoll_wait failed */
/* One turn of el_run: wait at most max_ms (-1: no limit) or until the
 * nearest timer, run the fd callbacks, then the due timers, earliest first,
 * at most 64 of them (the rest are fired by the next turns, which do not
 * sleep while any is due). For a caller that drives the loop itself (the
 * fuzzer). 0, or -1 as el_run. */
int el_run_once(struct el *el, int max_ms);

long long el_now_us(void); /* CLOCK_MONOTONIC in microseconds */

#endif
