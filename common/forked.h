/* SPDX-License-Identifier: MIT */
/* forked.h -- what the forked models (multiprocess, hybrid) share: the
 * work counter in one shared page, the pipe that brings results home, the
 * fork and the reap, and each child's memory for the report. The model
 * files keep their shape (fork, collect, reap); the mechanics live here. */
#ifndef FORKED_H
#define FORKED_H

#include "crawl.h"

#include <sys/types.h>

/* The one thing the processes share, mapped MAP_SHARED before the fork:
 * the next request to hand out, and what each child reports of itself. */
struct shared_work;

/* Map it for a job of n requests and `nworkers` children; NULL on failure. */
struct shared_work *shared_work_map(int n, int nworkers);
/* The parent, after the reap: adds the children's memory to the report
 * (forked_children), then unmaps. */
void shared_work_unmap(struct shared_work *work);

/* Hand out request indexes one by one, across processes; -1 when none is left. */
int claim_shared(struct shared_work *work);

/* A child, before it exits: record its proportional set size (its private
 * pages plus its share of the pages it shares), read from /proc while it
 * still lives: the parent cannot read a child that has gone. */
void note_child_memory(struct shared_work *work, int index);

/* One result home through the pipe: a single atomic write. 0, or -1. */
int send_result(int fd, const struct result *r);
/* The parent: read results into res[] until every child has closed its end
 * of the pipe. 0, or -1 if a read failed or a record was not ours. */
int collect_results(int in_fd, const struct job *job, struct result *res);

/* What a child runs: its index, its end of the pipe. Returns its exit status. */
typedef int worker_fn(const struct job *job, struct shared_work *work, int index, int out_fd);

/* Fork `nworkers` children, each running worker(...) then _exit; returns how
 * many started (pid[] filled). A child closes the pipe's read end first. */
int start_workers(const struct job *job, struct shared_work *work, int nworkers, int pipe_fd[2],
                  worker_fn *worker, pid_t *pid);
/* Wait for every child: no zombie is left. 0, or -1 if one failed or died. */
int reap_workers(const pid_t *pid, int started);

/* For the driver: how many children reported their memory since the start,
 * and the sum of their PSS in kB (0 and 0 for a model without children). */
int forked_children(long *pss_kb);

#endif
