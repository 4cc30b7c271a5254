/* SPDX-License-Identifier: MIT */
/* fuzz_conn.c -- libFuzzer harness for a whole connection: the input's
 * bytes go into one end of a socketpair, the real conn.c state machine
 * serves the other end on the real event loop and routes, and the
 * answers are read back. Every page is due at once (delay cap 0), and the
 * fault switches, id lists, list pages and both listeners' rules are on,
 * so one input can walk through waits, faults, pipelining, errors and
 * closes.
 * After each input the server must be back to zero: no connection left
 * open, nothing in flight (the exact-accounting invariant). */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "el.h"
#include "state.h"

#define MAX_TURNS 2000 /* loop turns after the input, before giving up */

static struct srv *srv;

/* Like delay-server --delay-ms 0-0 with every switch on; deadlines of a
 * few ms so an input that stops mid-head is closed by the header timer. */
static void setup(void)
{
    srv = malloc(sizeof *srv);
    if (srv == NULL || srv_init(srv) == -1)
        abort();
    srv->cfg.delay_min_ms = 0;
    srv->cfg.delay_max_ms = 3000; /* ids get delays... */
    srv->cfg.delay_cap_ms = 0;    /* ...but none waits: the fuzzer's time is short */
    srv->cfg.rates = (struct dplan_rates){0.1, 0.1, 0.1};
    srv->cfg.header_timeout_ms = srv->cfg.idle_timeout_ms = srv->cfg.write_timeout_ms = 5;
    srv->cfg.fail_ids = (struct idlist){.ids = {13}, .n = 1};
    srv->cfg.wrong_ids = (struct idlist){.ids = {21}, .n = 1};
    srv->cfg.close_ids = (struct idlist){.ids = {31}, .n = 1};
    /* list pages too, small enough that /ideal stays quick per input */
    srv->cfg.pages = 20;
    srv->cfg.per_page = 5;
    srv->cfg.chain = 1;
    srv->cfg.list_fail_ids = (struct idlist){.ids = {2}, .n = 1};
    srv->el = el_create();
    if (srv->el == NULL || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        abort();
}

/* Read what the server sent; every answer starts with a status line. */
static void drain(int fd, size_t *total)
{
    char buf[65536];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        if (*total == 0 && (n < 9 || memcmp(buf, "HTTP/1.1 ", 9) != 0))
            abort();
        *total += (size_t)n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    size_t chunk, off, total = 0;
    int turns = 0;

    if (srv == NULL)
        setup();
    if (size == 0)
        return 0;
    /* The first byte picks the listener and how the bytes are split. */
    chunk = (size_t)(data[0] >> 1) + 1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == -1)
        abort();
    if (conn_adopt(srv, sv[0], data[0] & 1) == -1) {
        close(sv[1]);
        return 0;
    }
    for (off = 1; off < size; off += chunk) {
        size_t len = size - off < chunk ? size - off : chunk;

        if (send(sv[1], data + off, len, MSG_NOSIGNAL) == -1)
            break; /* the server closed: the rest cannot go */
        el_run_once(srv->el, 0);
        drain(sv[1], &total);
    }
    shutdown(sv[1], SHUT_WR); /* the client is done: EOF */
    while (srv->st.connections > 0 && turns++ < MAX_TURNS) {
        el_run_once(srv->el, 1);
        drain(sv[1], &total);
    }
    if (srv->st.connections != 0 || srv->st.in_flight != 0)
        abort(); /* a connection outlived EOF and its deadlines, or a count leaked */
    close(sv[1]);
    return 0;
}
