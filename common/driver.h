/* SPDX-License-Identifier: MIT */
/* driver.h -- the shared main's parts: command line, costs, reports.
 * Internal to common/; public so the tests reach them. */
#ifndef DRIVER_H
#define DRIVER_H

#include "crawl.h"

#include <stdio.h>

#define CRAWL_TIMEOUT_MAX 3600000L
#define CRAWL_RETRIES_MAX 20
#define CRAWL_WORK_US_MAX 10000000L /* 10 s of CPU a page */

enum format { FORMAT_TEXT, FORMAT_CSV };

/* Everything the command line sets. */
struct options {
    struct job job;               /* job.base_url points into url[] */
    char url[CRAWL_URL_MAX - 32]; /* leaves room for "/detail/<id>" */
    enum format format;
    const char *records; /* --records FILE, or NULL */
};

/* What cli_parse tells main to do next. */
enum cli_action { CLI_RUN, CLI_EXIT_OK, CLI_USAGE };

/* Fill *opt from argv. CLI_EXIT_OK: --help or --version was printed on
 * stdout. CLI_USAGE: err holds one line saying what is wrong. */
enum cli_action cli_parse(int argc, char **argv, const struct model *m, struct options *opt,
                          char *err, size_t errsize);

/* The cost of a run, measured by the driver around crawl_run(). */
struct cost {
    double wall_s;
    double cpu_s;          /* user + sys, this process and reaped children */
    long max_rss_kb;       /* peak resident set of this process */
    long child_max_rss_kb; /* peak of the largest child, 0 without children */
    int children;          /* worker processes that reported their memory */
    long children_pss_kb;  /* their proportional set sizes, summed (fetch.c) */
};

/* The memory of worker processes, noted by the fetch layer (fetch_cleanup)
 * in each process other than the driver's: begin maps the shared page,
 * before crawl_run (0, or -1: then nothing is noted); total returns how
 * many processes noted theirs and their PSS summed in kB. */
int child_memory_begin(void);
int child_memory_total(long *pss_kb);

struct tally {
    int ok, failed;
    long attempts; /* every attempt of every request: > ok + failed after retries */
};

struct tally tally_results(const struct result *res, int n);
void report_text(FILE *out, const struct model *m, const struct job *job, const struct tally *t,
                 const struct cost *c);
void report_csv(FILE *out, const struct model *m, const struct job *job, const struct tally *t,
                const struct cost *c);
void report_failures(FILE *err, const char *prog, const struct result *res, int n, int most);
/* Every request as CSV, times relative to t0. Returns 0, or -1 (errno). */
int records_write(FILE *out, const struct result *res, int n, double t0);

#endif
