/* SPDX-License-Identifier: MIT */
/* state.c -- the shared state of state.h: defaults, counters, warnings. */
#include "state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "el.h"

int srv_init(struct srv *srv)
{
    memset(srv, 0, sizeof *srv);
    srv->cfg.host = "127.0.0.1";
    srv->cfg.port = 8080;
    srv->cfg.delay_min_ms = srv->cfg.delay_max_ms = 1000;
    srv->cfg.seed = 1;
    srv->cfg.header_timeout_ms = 10000;
    srv->cfg.idle_timeout_ms = 30000;
    srv->cfg.write_timeout_ms = 10000;
    srv->cfg.max_conns = 10000;
    srv->cfg.delay_cap_ms = 600000;
    srv->cfg.list_delay_min_ms = srv->cfg.list_delay_max_ms = -1;
    srv->listen_fd = srv->unix_fd = srv->signal_fd = -1;
    srv->fetched = calloc(SRV_COUNTED_IDS + 1, sizeof *srv->fetched);
    srv->list_counts = calloc(SRV_MAX_PAGES + 1, sizeof *srv->list_counts);
    return srv->fetched == NULL || srv->list_counts == NULL ? -1 : 0;
}

void srv_release(struct srv *srv)
{
    free(srv->fetched);
    srv->fetched = NULL;
    free(srv->list_counts);
    srv->list_counts = NULL;
    free(srv->log);
    srv->log = NULL;
}

void srv_warn(struct srv *srv, enum srv_warn_kind kind, const char *fmt, ...)
{
    long long now = el_now_us();
    va_list ap;

    /* A flood of failures must not become a flood of lines. */
    if (srv->last_warn_us[kind] != 0 && now - srv->last_warn_us[kind] < 1000000)
        return;
    srv->last_warn_us[kind] = now;
    fputs("delay-server: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return (x > y) - (x < y);
}

int idlist_has(const struct idlist *l, long id)
{
    return l->n > 0 && bsearch(&id, l->ids, l->n, sizeof id, cmp_long) != NULL;
}

long srv_count_fetch(struct srv *srv, long id)
{
    if (id < 1 || id > SRV_COUNTED_IDS) {
        srv->st.fetched_other++;
        return 1;
    }
    if (id > srv->fetched_max_id)
        srv->fetched_max_id = id;
    if (srv->fetched[id] < UINT32_MAX)
        srv->fetched[id]++;
    return (long)srv->fetched[id];
}

long srv_count_list(struct srv *srv, long page)
{
    srv->st.list_fetches++;
    if (page < 1 || page > SRV_MAX_PAGES)
        return 1; /* routes.c lets only 1..--pages through */
    if (page > srv->list_max)
        srv->list_max = page;
    if (srv->list_counts[page] < UINT32_MAX)
        srv->list_counts[page]++;
    return (long)srv->list_counts[page];
}

void srv_reset_stats(struct srv *srv)
{
    struct srv_stats *st = &srv->st;
    long long in_flight = st->in_flight, connections = st->connections;

    memset(st, 0, sizeof *st);
    st->in_flight = st->peak_in_flight = in_flight;
    st->connections = st->peak_connections = connections;
    memset(srv->fetched, 0, (size_t)(srv->fetched_max_id + 1) * sizeof *srv->fetched);
    srv->fetched_max_id = 0;
    memset(srv->list_counts, 0, (size_t)(srv->list_max + 1) * sizeof *srv->list_counts);
    srv->list_max = 0;
}

size_t srv_log_start(struct srv *srv, long id, long attempt, int list, int pid)
{
    if (srv->log_n == srv->log_cap) {
        size_t cap = srv->log_cap ? srv->log_cap * 2 : 1024;
        struct srv_rec *bigger;

        if (cap > SRV_LOG_MAX || !(bigger = realloc(srv->log, cap * sizeof *bigger)))
            return 0;
        srv->log = bigger;
        srv->log_cap = cap;
    }
    srv->log[srv->log_n] = (struct srv_rec){.id = id,
                                            .attempt = attempt,
                                            .list = list,
                                            .start_us = el_now_us(),
                                            .end = END_OPEN,
                                            .pid = pid};
    return ++srv->log_n;
}

void srv_log_end(struct srv *srv, size_t rec, enum srv_end end, int status)
{
    if (rec == 0 || rec > srv->log_n || srv->log[rec - 1].end != END_OPEN)
        return;
    srv->log[rec - 1].end = end;
    srv->log[rec - 1].status = status;
    srv->log[rec - 1].end_us = el_now_us();
}
