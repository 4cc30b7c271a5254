/* SPDX-License-Identifier: MIT */
/* bench_net.h -- what the benchmark's two C clients share: the clock, the
 * command-line numbers, a 127.0.0.1 URL, a non-blocking connection and
 * the end of an HTTP response. Benchmark helpers, not part of the lesson. */
#ifndef BENCH_NET_H
#define BENCH_NET_H

#include <netinet/in.h>
#include <stddef.h>

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Strict decimal integer in [lo, hi]; 0 or -1. */
int bench_parse_long(const char *s, long lo, long hi, long *out);

/* "http://127.0.0.1:PORT[/PATH]": the address and the path ("" when none).
 * Anything but 127.0.0.1 is refused: the benchmark stays on loopback. */
int bench_parse_url(const char *url, struct sockaddr_in *addr, char *path, size_t path_cap);

/* Raise the soft open-file limit to the hard one; -1 if that gives fewer
 * than need descriptors. */
int bench_raise_fd_limit(long need);

/* A non-blocking TCP socket connecting to addr (the connect may still be in
 * progress); -1 and errno on failure. */
int bench_connect(const struct sockaddr_in *addr);

/* Has buf[0..len) a whole response? 1 yes, 0 not yet, -1 malformed. A body
 * ends by Content-Length, by the last chunk, or (eof) by the server's close.
 * Sets *status and the body's start once the head is complete. */
int bench_response_done(const char *buf, size_t len, int eof, int *status, const char **body);

/* Read what has arrived on the non-blocking fd into buf (len bytes so far,
 * kept NUL-terminated), then judge it as bench_response_done() does: 1 a
 * whole response, 0 not yet, -1 malformed, too big, cut short or a read
 * error (errno says which, 0 for the first three). */
int bench_read_response(int fd, char *buf, size_t cap, size_t *len, int *status, const char **body);

#endif
