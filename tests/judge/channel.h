/* SPDX-License-Identifier: MIT */
/* channel.h -- the channel between a graded run and tests/grade.sh's judge,
 * defined once for both sides: judged.c (the graded program's side) writes
 * these records, channel_reader.c (the judge's) reads them. One record a
 * line of text, on a descriptor the judge owns (JUDGE_FD in the program's
 * environment):
 *
 *   judge   nonce HEX      before main: proves the lines come from this run
 *   program ready HEX      before crawl_run; the judge looks at it (/proc)
 *   judge   go
 *   program first BAD      (a job that calls crawl_run twice) the first call's bad rows
 *   program row ...        one a slot, judged_row_format below
 *   program calls ...      the counted calls, in JUDGED_CALLS order
 *   program end HEX RC     after crawl_run; the judge looks again
 *   judge   go
 */
#ifndef JUDGED_CHANNEL_H
#define JUDGED_CHANNEL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JUDGED_NONCE_MAX 64  /* a nonce's characters, and then some */
#define JUDGED_LINE_MAX  512 /* the longest record */
#define JUDGED_ERROR_MAX 128 /* a row's error text, as the judge keeps it */

/* Calls a graded binary counts (tests/judge/hooks.c, linked with ld
 * --wrap), in a page shared with every process the model forks; the
 * "calls" record lists them in this order. */
#define JUDGED_CALLS(X)                                                                            \
    X(easy_inits)                                                                                  \
    X(easy_cleanups)                                                                               \
    X(threads_created) /* pthread_create calls, refused ones included */                           \
    X(threads_joined)                                                                              \
    X(forks)                                                                                       \
    X(private_locks)   /* a lock taken by a forked worker in memory its siblings cannot see */     \
    X(threads_started) /* pthread_create succeeded */                                              \
    X(threads_detached)                                                                            \
    X(sanitizer_reports) /* reports a sanitizer made, in any process of the run */                 \
    X(locks_taken)       /* pthread_mutex_lock/trylock and sem_wait/trywait/timedwait calls */

struct judged_calls {
#define JUDGED_FIELD(name) long name;
    JUDGED_CALLS(JUDGED_FIELD)
#undef JUDGED_FIELD
};

/* One row of the results as the driver found it: res[slot - 1]. */
struct judged_row {
    int slot; /* 1..n; 0: no record came for this slot */
    int id, worker, status;
    long bytes;
    double start_s, end_s;
    int kind;                     /* enum page_kind: 1 a list page (frontier), 0 a detail */
    char error[JUDGED_ERROR_MAX]; /* one line: no newline or control byte */
};

/* "row SLOT ID WORKER STATUS BYTES START END KIND |ERROR\n" into line: its
 * length (cut to size - 1 like snprintf's), or -1. */
static inline int judged_row_format(char *line, size_t size, const struct judged_row *r)
{
    return snprintf(line, size, "row %d %d %d %d %ld %.6f %.6f %d |%s\n", r->slot, r->id, r->worker,
                    r->status, r->bytes, r->start_s, r->end_s, r->kind, r->error);
}

/* A "row" record (without its newline) into *r: 0, or -1. */
static inline int judged_row_parse(const char *line, struct judged_row *r)
{
    const char *bar = strchr(line, '|');

    memset(r, 0, sizeof *r);
    if (!bar || sscanf(line, "row %d %d %d %d %ld %lf %lf %d", &r->slot, &r->id, &r->worker,
                       &r->status, &r->bytes, &r->start_s, &r->end_s, &r->kind) != 8)
        return -1;
    snprintf(r->error, sizeof r->error, "%s", bar + 1);
    return 0;
}

/* "calls N N ...\n" into line: its length, or -1. */
static inline int judged_calls_format(char *line, size_t size, const struct judged_calls *c)
{
    int len = snprintf(line, size, "calls");

#define JUDGED_PRINT(name)                                                                         \
    if (len >= 0 && (size_t)len < size)                                                            \
        len += snprintf(line + len, size - (size_t)len, " %ld", c->name);
    JUDGED_CALLS(JUDGED_PRINT)
#undef JUDGED_PRINT
    if (len >= 0 && (size_t)len < size)
        len += snprintf(line + len, size - (size_t)len, "\n");
    return len >= 0 && (size_t)len < size ? len : -1;
}

/* A "calls" record (without its newline) into *c: 0, or -1 (every count
 * must be there, and nothing after them). */
static inline int judged_calls_parse(const char *line, struct judged_calls *c)
{
    const char *p = line + 5;
    char *end;

    if (strncmp(line, "calls", 5) != 0)
        return -1;
#define JUDGED_SCAN(name)                                                                          \
    c->name = strtol(p, &end, 10);                                                                 \
    if (end == p || *p != ' ')                                                                     \
        return -1;                                                                                 \
    p = end;
    JUDGED_CALLS(JUDGED_SCAN)
#undef JUDGED_SCAN
    return *p == '\0' ? 0 : -1;
}

#endif
