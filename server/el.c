/* SPDX-License-Identifier: MIT */
/* el.c -- the event loop behind el.h: epoll for fds, a min-heap for timers.
 * Timer ids name a slot in timers[] (plus a generation, so a stale id never
 * cancels a newer timer), and each slot knows its heap position: lookup is
 * O(1), add and delete O(log n). Time is CLOCK_MONOTONIC, immune to clock
 * changes, kept in microseconds so "due" is never rounded early. */
#include "el.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define EL_MAX_EVENTS 1024 /* events taken per epoll_wait */
/* Due timers fired per turn, at most. A wave of them (2,000 slowloris
 * heads timing out together) is closed 64 at a time, with a zero-timeout
 * epoll_wait between batches, so a ready client's fd is served in between
 * instead of after the whole wave. */
#define EL_TIMER_BATCH 64

struct el_file {
    int mask; /* interest registered with epoll; EL_NONE if not added */
    el_fd_fn *fn;
    void *arg;
};

struct el_timer {
    long long when; /* due time, el_now_us() clock */
    long long id;   /* 0 while the slot is free */
    el_timer_fn *fn;
    void *arg;
    int pos;       /* index in heap[]; -1 while not in the heap */
    int next_free; /* free-slot list link, valid while id == 0 */
};

struct el {
    int epfd;
    int stop;
    struct el_file *files; /* indexed by fd, grown on demand */
    int nfiles;
    struct el_timer *timers; /* slots; the heap holds slot numbers */
    int *heap;               /* min-heap on timers[].when; same capacity */
    int ntimers;             /* capacity of timers[] and heap[] */
    int heap_len;
    int free_slot;    /* head of the free-slot list, -1 if none */
    unsigned int gen; /* bumped per timer: ids stay unique */
    struct epoll_event events[EL_MAX_EVENTS];
};

long long el_now_us(void)
{
    struct timespec ts;

    /* Cannot fail with a valid clock id and pointer. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct el *el_create(void)
{
    struct el *el = calloc(1, sizeof *el);

    if (el == NULL)
        return NULL;
    el->free_slot = -1;
    el->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (el->epfd == -1) {
        free(el);
        return NULL;
    }
    return el;
}

void el_free(struct el *el)
{
    if (el == NULL)
        return;
    close(el->epfd); /* nothing useful to do if this fails */
    free(el->files);
    free(el->timers);
    free(el->heap);
    free(el);
}

/* ---- file events ---- */

static int files_grow(struct el *el, int fd)
{
    int n = el->nfiles ? el->nfiles : 64;
    struct el_file *f;

    while (n <= fd)
        n *= 2;
    f = realloc(el->files, (size_t)n * sizeof *f);
    if (f == NULL)
        return -1;
    for (int i = el->nfiles; i < n; i++)
        f[i] = (struct el_file){EL_NONE, NULL, NULL};
    el->files = f;
    el->nfiles = n;
    return 0;
}

static int epoll_set(struct el *el, int fd, int old, int mask)
{
    struct epoll_event ev = {0};
    int op = mask == EL_NONE ? EPOLL_CTL_DEL : old == EL_NONE ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;

    ev.events = ((mask & EL_READ) ? EPOLLIN : 0) | ((mask & EL_WRITE) ? EPOLLOUT : 0) |
                ((mask & EL_HUP) ? EPOLLRDHUP : 0);
    ev.data.fd = fd;
    return epoll_ctl(el->epfd, op, fd, &ev);
}

int el_fd_add(struct el *el, int fd, int mask, el_fd_fn *fn, void *arg)
{
    struct el_file *f;

    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (fd >= el->nfiles && files_grow(el, fd) == -1)
        return -1;
    f = &el->files[fd];
    if ((f->mask | mask) != f->mask && epoll_set(el, fd, f->mask, f->mask | mask) == -1)
        return -1;
    f->mask |= mask;
    f->fn = fn;
    f->arg = arg;
    return 0;
}

int el_fd_del(struct el *el, int fd, int mask)
{
    struct el_file *f;
    int rc;

    if (fd < 0 || fd >= el->nfiles)
        return 0;
    f = &el->files[fd];
    if ((f->mask & ~mask) == f->mask)
        return 0;
    rc = epoll_set(el, fd, f->mask, f->mask & ~mask);
    /* A failed EPOLL_CTL_DEL means the fd is not registered anyway:
     * forget it, or its number's next owner would get MOD, not ADD. */
    if (rc == 0 || (f->mask & ~mask) == EL_NONE)
        f->mask &= ~mask;
    return rc;
}

/* ---- timer heap ---- */

static int heap_less(const struct el *el, int a, int b)
{
    return el->timers[el->heap[a]].when < el->timers[el->heap[b]].when;
}

static void heap_swap(struct el *el, int a, int b)
{
    int t = el->heap[a];

    el->heap[a] = el->heap[b];
    el->heap[b] = t;
    el->timers[el->heap[a]].pos = a;
    el->timers[el->heap[b]].pos = b;
}

static void heap_up(struct el *el, int i)
{
    while (i > 0 && heap_less(el, i, (i - 1) / 2)) {
        heap_swap(el, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(struct el *el, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;

        if (l < el->heap_len && heap_less(el, l, m))
            m = l;
        if (r < el->heap_len && heap_less(el, r, m))
            m = r;
        if (m == i)
            return;
        heap_swap(el, i, m);
        i = m;
    }
}

static void heap_insert(struct el *el, int slot)
{
    int i = el->heap_len++;

    el->heap[i] = slot;
    el->timers[slot].pos = i;
    heap_up(el, i);
}

/* Take heap[i] out: the last entry fills the hole and moves up or down. */
static void heap_remove(struct el *el, int i)
{
    int last = --el->heap_len;

    el->timers[el->heap[i]].pos = -1;
    if (i == last)
        return;
    el->heap[i] = el->heap[last];
    el->timers[el->heap[i]].pos = i;
    heap_down(el, i);
    heap_up(el, i);
}

/* ---- timer slots ---- */

static int slots_grow(struct el *el)
{
    int n = el->ntimers ? el->ntimers * 2 : 256;
    struct el_timer *t;
    int *h;

    if (n > INT_MAX / 2)
        return -1;
    t = realloc(el->timers, (size_t)n * sizeof *t);
    if (t == NULL)
        return -1;
    el->timers = t;
    h = realloc(el->heap, (size_t)n * sizeof *h);
    if (h == NULL)
        return -1; /* timers[] grew: harmless, ntimers still the old one */
    el->heap = h;
    for (int i = n - 1; i >= el->ntimers; i--) {
        t[i] = (struct el_timer){.id = 0, .pos = -1};
        t[i].next_free = el->free_slot;
        el->free_slot = i;
    }
    el->ntimers = n;
    return 0;
}

static void slot_free(struct el *el, int slot)
{
    el->timers[slot].id = 0;
    el->timers[slot].next_free = el->free_slot;
    el->free_slot = slot;
}

long long el_timer_add(struct el *el, long ms, el_timer_fn *fn, void *arg)
{
    struct el_timer *t;
    int slot;

    if (el->free_slot == -1 && slots_grow(el) == -1)
        return -1;
    slot = el->free_slot;
    t = &el->timers[slot];
    el->free_slot = t->next_free;
    if (++el->gen > 0x7fffffffU)
        el->gen = 1;
    t->id = (long long)el->gen << 32 | (unsigned int)slot;
    t->when = el_now_us() + (ms > 0 ? (long long)ms * 1000 : 0);
    t->fn = fn;
    t->arg = arg;
    heap_insert(el, slot);
    return t->id;
}

int el_timer_del(struct el *el, long long id)
{
    long long slot = id & 0xffffffffLL;

    if (id <= 0 || slot >= el->ntimers || el->timers[slot].id != id)
        return -1;
    if (el->timers[slot].pos >= 0)
        heap_remove(el, el->timers[slot].pos);
    slot_free(el, (int)slot);
    return 0;
}

/* ---- the loop ---- */

/* ms for epoll_wait: until the nearest timer (rounded up, so a timer is
 * never fired early), or -1 to sleep until an fd event. */
static int next_timeout(const struct el *el)
{
    long long left;

    if (el->heap_len == 0)
        return -1;
    left = el->timers[el->heap[0]].when - el_now_us();
    if (left <= 0)
        return 0;
    left = (left + 999) / 1000;
    return left > INT_MAX ? INT_MAX : (int)left;
}

/* Fire due timers, earliest first: at most EL_TIMER_BATCH, and only ones
 * queued on entry (a callback that re-arms itself for 0 ms waits for the
 * next round instead of starving fds). What is left due stays at the top
 * of the heap, so next_timeout() gives 0: the next turn polls the fds
 * without sleeping and fires the next batch. A timer is never fired before
 * its time, and a due one waits at most the batches due before it. */
static void run_timers(struct el *el)
{
    long long now = el_now_us();
    int budget = el->heap_len < EL_TIMER_BATCH ? el->heap_len : EL_TIMER_BATCH;

    while (budget-- > 0 && el->heap_len > 0) {
        int slot = el->heap[0];
        struct el_timer t = el->timers[slot]; /* fn may grow timers[] */
        long next;

        if (t.when > now)
            return;
        heap_remove(el, 0);
        next = t.fn(el, t.id, t.arg);
        if (el->timers[slot].id != t.id)
            continue; /* the callback deleted it */
        if (next == EL_NOMORE) {
            slot_free(el, slot);
            continue;
        }
        el->timers[slot].when = el_now_us() + (long long)next * 1000;
        heap_insert(el, slot);
    }
}

static void dispatch(struct el *el, const struct epoll_event *ev)
{
    int fd = ev->data.fd, fired = 0;

    if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        fired |= EL_READ;
    if (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
        fired |= EL_WRITE;
    if (ev->events & (EPOLLRDHUP | EPOLLERR | EPOLLHUP))
        fired |= EL_HUP;
    /* An earlier callback in this batch may have dropped the interest
     * (or closed the fd): only report what is still wanted. */
    fired &= el->files[fd].mask;
    if (fired)
        el->files[fd].fn(el, fd, fired, el->files[fd].arg);
}

int el_run_once(struct el *el, int max_ms)
{
    int wait = next_timeout(el), n;

    if (max_ms >= 0 && (wait == -1 || wait > max_ms))
        wait = max_ms;
    n = epoll_wait(el->epfd, el->events, EL_MAX_EVENTS, wait);
    if (n == -1 && errno != EINTR)
        return -1;
    for (int i = 0; i < n && !el->stop; i++)
        dispatch(el, &el->events[i]);
    if (!el->stop)
        run_timers(el);
    return 0;
}

int el_run(struct el *el)
{
    el->stop = 0;
    while (!el->stop) {
        if (el_run_once(el, -1) == -1)
            return -1;
    }
    return 0;
}

void el_stop(struct el *el)
{
    el->stop = 1;
}
