/* SPDX-License-Identifier: MIT */
/* server.h -- the judge's own delay-server for a job (server.c). */
#ifndef JUDGE_SERVER_H
#define JUDGE_SERVER_H

#include "judge.h"

/* Start the server for job j on the unix socket sock (and a TCP port of
 * its choice): the port, with *pid_out its pid, or -1 with o->broken
 * saying why. lane->server is set, for the signal handler. */
int server_start(const struct judge *jd, struct lane *lane, const struct job_shape *j,
                 const char *sock, pid_t *pid_out, struct obs *o);
void server_stop(struct lane *lane, pid_t pid);

/* At "end": the requests the program has started so far
 * (o->started_at_end), to tell later ones apart. */
void server_at_end(int port, struct obs *o);

/* After the job: the counters, the per-id fetches, the timeline and (for
 * uneven delays) the plan, into o. */
void server_read(int port, struct obs *o);

#endif
