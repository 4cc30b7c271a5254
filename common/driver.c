/* SPDX-License-Identifier: MIT */
/* driver.c -- the main() every model shares: parse the command line, build
 * the job, time crawl_run() and report. A model file holds only its model. */
#include "driver.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define FAILURES_SHOWN 10

/* Each request in flight holds a socket open (in the multiprocess model,
 * in a child that inherits this limit): raise the soft limit now, before
 * the start, rather than fail half-way. */
static int raise_fd_limit(const struct job *job, char *err, size_t errsize)
{
    long busy = job->nworkers == 0 || job->nworkers > job->n ? job->n : job->nworkers;
    rlim_t need = (rlim_t)(busy + 64); /* 64: stdio, curl, pipes */
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        snprintf(err, errsize, "getrlimit: %s", strerror(errno));
        return -1;
    }
    if (MODEL.frontier && rl.rlim_max < need) /* n is room in res[], not pages in flight */
        need = rl.rlim_max;
    if (rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max < need) {
        snprintf(err, errsize,
                 "%ld requests in flight need about %lu open files, but the limit is %lu: "
                 "lower --workers or raise the hard limit (ulimit -Hn)",
                 busy, (unsigned long)need, (unsigned long)rl.rlim_max);
        return -1;
    }
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        snprintf(err, errsize, "setrlimit: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static double cpu_seconds(void)
{
    struct rusage self, children;

    /* RUSAGE_CHILDREN counts the multiprocess model's reaped workers. */
    if (getrusage(RUSAGE_SELF, &self) != 0 || getrusage(RUSAGE_CHILDREN, &children) != 0)
        return 0.0;
    return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + children.ru_utime.tv_sec +
                    children.ru_stime.tv_sec) +
           (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + children.ru_utime.tv_usec +
                    children.ru_stime.tv_usec) /
               1e6;
}

static void peak_memory(struct cost *c)
{
    struct rusage ru;

    c->max_rss_kb = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
    c->child_max_rss_kb = getrusage(RUSAGE_CHILDREN, &ru) == 0 ? ru.ru_maxrss : 0;
}

static int write_records(const char *path, const struct result *res, int n, double t0,
                         const char *prog)
{
    FILE *out = fopen(path, "w");
    int rc;

    if (!out) {
        fprintf(stderr, "%s: cannot write --records %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    rc = records_write(out, res, n, t0);
    if (fclose(out) != 0 || rc != 0) {
        fprintf(stderr, "%s: writing --records %s failed: %s\n", prog, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* A frontier crawl's rows are the pages it queued, from res[0]: the first
 * row with no id ends them. Another model's rows are all n requests. */
static int rows_used(const struct result *res, int n)
{
    int rows = 0;

    if (!MODEL.frontier)
        return n;
    while (rows < n && res[rows].id != 0)
        rows++;
    return rows;
}

static void report(const struct options *opt, const struct result *res, int rows,
                   const struct cost *c, const char *prog)
{
    struct tally t = tally_results(res, rows);
    struct job done = opt->job;

    done.n = rows; /* the report counts the pages a frontier crawl found */
    if (opt->format == FORMAT_CSV)
        report_csv(stdout, &MODEL, &done, &t, c);
    else
        report_text(stdout, &MODEL, &done, &t, c);
    report_failures(stderr, prog, res, rows, FAILURES_SHOWN);
}

/* A report that never reached its reader (a full disk, a closed pipe) is
 * a failure, not a success with nothing printed. */
static int stdout_flushed(const char *prog)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    fprintf(stderr, "%s: writing the report failed: %s\n", prog, strerror(errno));
    return -1;
}

int main(int argc, char **argv)
{
    char prog[64], err[256];
    struct options opt;
    struct result *res;
    struct cost c = {0};
    double t0, cpu0;
    int run_rc, rows, exit_code = 0;

    snprintf(prog, sizeof prog, "crawl-%s", MODEL.name);
    switch (cli_parse(argc, argv, &MODEL, &opt, err, sizeof err)) {
    case CLI_EXIT_OK:
        return stdout_flushed(prog) == 0 ? 0 : 1;
    case CLI_USAGE:
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    case CLI_RUN:
        break;
    }
    if (raise_fd_limit(&opt.job, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    /* A write to a connection the server closed must be an error libcurl
     * reports on that request's row, not a signal that kills the process:
     * with CURLOPT_NOSIGNAL set, libcurl does not ignore SIGPIPE itself. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        fprintf(stderr, "%s: cannot ignore SIGPIPE: %s\n", prog, strerror(errno));
        return 1;
    }
    /* Once, before any thread or process starts: libcurl's global state. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "%s: curl_global_init failed\n", prog);
        return 1;
    }
    /* A frontier crawl appends its rows: they start empty, not "not run". */
    res = MODEL.frontier ? calloc((size_t)opt.job.n + 1, sizeof *res) : results_new(opt.job.n);
    if (!res) {
        fprintf(stderr, "%s: out of memory for %d results\n", prog, opt.job.n);
        curl_global_cleanup();
        return 1;
    }
    if (child_memory_begin() != 0) /* only the report's figure is lost */
        fprintf(stderr, "%s: cannot map a page for the workers' memory: %s\n", prog,
                strerror(errno));
    cpu0 = cpu_seconds();
    t0 = clock_now();
    run_rc = crawl_run(&opt.job, res);
    if (run_rc != 0)
        fprintf(stderr,
                "%s: the %s model reported an error; a request it did not run counts as failed\n",
                prog, MODEL.name);
    c.wall_s = clock_now() - t0;
    rows = rows_used(res, opt.job.n);
    c.cpu_s = cpu_seconds() - cpu0;
    peak_memory(&c);
    c.children = child_memory_total(&c.children_pss_kb);
    report(&opt, res, rows, &c, prog);
    if (tally_results(res, rows).failed)
        exit_code = 1;
    if (opt.records && write_records(opt.records, res, rows, t0, prog) != 0)
        exit_code = 1;
    if (stdout_flushed(prog) != 0)
        exit_code = 1;
    free(res);
    curl_global_cleanup();
    return exit_code;
}
