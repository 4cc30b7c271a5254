/* SPDX-License-Identifier: MIT */
/* stats_client.h -- the one C client of the delay-server's own endpoints:
 * a GET with a deadline and a bounded answer, the end of an HTTP response,
 * and the parsers of /stats (its counters and per-id "fetched" runs), /log
 * (the timeline of page requests) and /plan (every id's delay). Used by the
 * grader's judge (tests/judge/), the tests' fixture (tests/server_fixture.c)
 * and the benchmark's clients (bench/bench_net.c). Plain sockets, no
 * libcurl: none of them may depend on the client code the suite teaches. */
#ifndef STATS_CLIENT_H
#define STATS_CLIENT_H

#include <stddef.h>
#include <sys/types.h>

/* Where the server listens: a unix socket when unix_path is set, else
 * 127.0.0.1:port. */
struct sc_addr {
    int port;
    const char *unix_path;
};

/* One answer: its status and its body (malloc'd, NUL-terminated). */
struct sc_response {
    int status;
    char *body;
    size_t len;
};

/* GET path on a new connection (Connection: close), within timeout_ms in
 * all (connect, send and every read), reading at most max_bytes of answer
 * (head and body: a longer one is an error, never a body cut short).
 * 0 with *r filled, whatever its status; -1 with errno set (ETIMEDOUT,
 * EMSGSIZE for too long, EPROTO for a malformed or cut answer) and *r
 * empty. Free r->body with sc_response_free. */
int sc_get(const struct sc_addr *a, const char *path, int timeout_ms, size_t max_bytes,
           struct sc_response *r);
void sc_response_free(struct sc_response *r);

/* sc_get, tried up to tries times (200 ms apart) until it gives a 200:
 * the server's body (malloc'd), or NULL. For a server of the caller's own,
 * which a loaded machine can hold up once. */
char *sc_get_body(const struct sc_addr *a, const char *path, int timeout_ms, size_t max_bytes,
                  int tries);

/* Is buf[0..len) (NUL-terminated at len) a whole response? 1 yes, 0 not
 * yet, -1 malformed (or cut short: eof and not whole). A body ends by its
 * Content-Length, by the last chunk, or (eof) by the server's close. Sets
 * *status and *body (its start) once the head is complete. */
int sc_response_done(const char *buf, size_t len, int eof, int *status, const char **body);

/* GET /stats: every counter (see docs/delay-server.md). */
struct sc_stats {
    long long requests, in_flight, peak_in_flight, connections, peak_connections, errors;
    long long aborted, failed_faults, resets, stalls, timeouts, fetched_other;
    const char *fetched; /* into the parsed text: the runs, up to their closing '"' */
};

/* Parse a /stats body. The first six counters are required; the newer ones
 * are 0 when the server has none. 0, or -1. */
int sc_parse_stats(const char *json, struct sc_stats *st);

/* Parse a "fetched" string ("1-3:1,4:0,5:2", the runs in order from id 1,
 * ending at its NUL or a '"'): counts[id - 1] for ids 1..n (the rest 0);
 * *beyond, if not NULL, the fetches of ids above n; *max_id, if not NULL,
 * the highest id fetched at least once (0: none). 0, or -1 if malformed. */
int sc_parse_fetched(const char *s, unsigned int *counts, size_t n, long long *beyond,
                     long *max_id);

/* One page request in the server's timeline (GET /log). */
struct sc_log_rec {
    long id, attempt;
    long long start_us, end_us; /* CLOCK_MONOTONIC; end 0: still open */
    char end;                   /* 'a'nswered, 'c'ut, 'd'ropped, 'x' aborted, 'o'pen */
    int status;                 /* answered: its HTTP status */
    pid_t pid;                  /* the client's process (SO_PEERCRED), 0 unknown */
    int is_list;                /* 1: a list page (id and attempt: its number and fetch count) */
};

/* Parse a /log body, one line a request: *recs (malloc'd, free it) and *n.
 * A line's 8th field (`list` or `detail`, the server's --pages) is
 * optional: is_list is 1 for `list`, else 0. 0, or -1 (a malformed line,
 * or out of memory: nothing returned). */
int sc_parse_log(const char *text, struct sc_log_rec **recs, size_t *n);

/* Parse a /plan?n=N body: delays_ms[0..n) of ids 1..n. 0 when all n were
 * there, or -1. */
int sc_parse_plan(const char *json, long *delays_ms, size_t n);

#endif
