/* SPDX-License-Identifier: MIT */
/* conn.h -- connections: accepting them and running each one's life. */
#ifndef CONN_H
#define CONN_H

#include "el.h"
#include "state.h"

/* The listeners' callback (arg: the srv). A connection accepted from
 * srv->unix_fd is pages-only: /stats answers 404 there. */
void conn_accept_cb(struct el *el, int fd, int mask, void *srv);
/* Take over a connected, non-blocking socket (accept, or the fuzzer's
 * socketpair). 0, or -1 with fd closed. */
int conn_adopt(struct srv *srv, int fd, int pages_only);
/* Start or stop watching the listeners (EMFILE pauses them). */
int conn_listen_resume(struct srv *srv);
void conn_free_all(struct srv *srv);

#endif
