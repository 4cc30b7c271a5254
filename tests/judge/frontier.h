/* SPDX-License-Identifier: MIT */
/* frontier.h -- grading the frontier variants (models.conf's schedule
 * frontier: list pages lead to detail pages, the work found as it runs).
 * Their jobs and checks are a registry of their own (frontier.c), chosen
 * by grade-judge --frontier: a job runs the judge's server with --pages L
 * --per-page K (and --chain, --list-fail-ids), the program with --pages L
 * instead of -n, and the checks judge the server's counts and timeline.
 * A frontier job's shape and what was seen of it beyond the classic
 * fields are kept here, beside jd->jobs, jd->obs and jd->ref_obs (one
 * entry each, by index): frontier_shape_of and frontier_obs_of. */
#ifndef JUDGE_FRONTIER_H
#define JUDGE_FRONTIER_H

#include "judge.h"

#define FRONTIER_LISTS_MAX 16 /* list pages in the largest job */

/* A frontier job's shape beside the classic fields (n: the details, L x K;
 * delay_min/max: the details' delays; w: the pool). */
struct frontier_shape {
    int pages, per_page;     /* L list pages of K details each; 0: not a frontier job */
    int chain;               /* list P links P + 1 (--chain) */
    long list_min, list_max; /* the list pages' delays, ms */
    int fail_list;           /* this list page answers HTTP 500 (0: none) */
};

/* What the judge saw of a frontier job beyond the classic counts. */
struct frontier_obs {
    int rows_room;                            /* rows[] holds this many (0: n) */
    int list_fetched[FRONTIER_LISTS_MAX + 2]; /* [P]: /list/P requests, from the server's /log */
    int list_other;                           /* list pages fetched beyond 1..L */
    char *is_list;                            /* [nlog]: the server's /log, which were lists */
    double ideal_s;                           /* the server's /ideal?frontier=1 (-1 unknown) */
};

/* The frontier registry (grade-judge --frontier). */
extern const struct check FRONTIER_CHECKS[];
extern const size_t NFRONTIER_CHECKS;
extern const struct job_kind FRONTIER_JOB_KINDS[];
extern const size_t NFRONTIER_JOB_KINDS;

/* Every job's shape for a frontier model, from the grading's seed. */
void frontier_jobs_draw(struct judge *jd);

/* Job j's frontier shape (pages 0 for a classic job), and the frontier
 * part of observation o (never NULL: a classic one's is all zero). */
struct frontier_shape *frontier_shape_of(const struct job_shape *j);
struct frontier_obs *frontier_obs_of(const struct obs *o);
void frontier_obs_free(const struct obs *o);

#endif
