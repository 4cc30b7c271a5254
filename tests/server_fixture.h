/* SPDX-License-Identifier: MIT */
/* server_fixture.h -- a private delay-server for a test: start it on a free
 * port, ask it for its counters, fetch a page, stop it. Every test starts
 * its own, so tests run in parallel (ctest -j) without sharing counters.
 * The server dies with the test process (PR_SET_PDEATHSIG). */
#ifndef SERVER_FIXTURE_H
#define SERVER_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

struct server {
    pid_t pid;    /* the delay-server process; 0 when not running */
    int port;     /* the port it chose */
    char url[64]; /* "http://127.0.0.1:PORT", no trailing slash */
};

/* The counters of GET /stats (see server/server.h for their meaning). */
struct server_stats {
    long long requests;
    long long in_flight;
    long long peak_in_flight;
    long long connections;
    long long peak_connections;
    long long errors;
    /* Since the hardening (issue 10): exact accounting and faults. */
    long long aborted;       /* the client left while its page waited */
    long long failed_faults; /* 500s from --fail-rate */
    long long resets;        /* dropped unanswered: --reset-rate, --close-ids */
    long long stalls;        /* --stall-rate: never answered */
    long long timeouts;      /* closed by the header or write deadline */
    long long fetched_other; /* /detail ids above 100000 */
};

/* Run DELAY_SERVER_PATH --port 0 --quiet, then extra_args (a NULL-ended
 * list, or NULL), and wait up to 10 s for the URL it prints.
 * Returns 0, or -1 (nothing left running). */
int server_start(struct server *s, const char *const extra_args[]);

/* SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit status (0 is a
 * clean stop; a sanitizer's report makes it non-zero), 128+N if killed by
 * signal N, or -1 if there was nothing to stop. */
int server_stop(struct server *s);

/* GET /stats, or /stats?reset=1 (which returns the values from before the
 * reset), and parse every field. Returns 0, or -1. */
int server_stats(const struct server *s, struct server_stats *st, int reset);

/* The per-id fetch counts of GET /stats ("fetched", see the README):
 * counts[id - 1] for ids 1..n (0 for ids never fetched); *beyond, if not
 * NULL, is set to the fetches of ids above n (and above 100000).
 * reset: /stats?reset=1 (the counts from before it). Returns 0, or -1. */
int server_fetched(const struct server *s, unsigned int *counts, size_t n, long long *beyond,
                   int reset);

/* Parse a "fetched" string ("1-3:1,4:0,5:2") into counts and *beyond as
 * above; s ends at its NUL or at a '"'. Returns 0, or -1 if malformed. */
int server_parse_fetched(const char *s, unsigned int *counts, size_t n, long long *beyond);

/* GET path through a unix socket (delay-server --unix PATH), as
 * server_get does over TCP. Returns the HTTP status, or -1. */
int server_get_unix(const char *sock_path, const char *path, char *body, size_t bodysz);

/* GET path on a new connection (Connection: close), waiting at most 70 s.
 * Copies the body, NUL-terminated and cut to bodysz - 1, if body is not
 * NULL. Returns the HTTP status, or -1. */
int server_get(const struct server *s, const char *path, char *body, size_t bodysz);

#endif
