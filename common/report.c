/* SPDX-License-Identifier: MIT */
/* report.c -- what a run prints: a summary for people (text), one row for
 * scripts (csv), and every request for timelines (--records). */
#include "driver.h"

#include <string.h>

struct tally tally_results(const struct result *res, int n)
{
    struct tally t = {0, 0};

    for (int i = 0; i < n; i++) {
        if (result_ok(&res[i]))
            t.ok++;
        else
            t.failed++;
    }
    return t;
}

void report_text(FILE *out, const struct model *m, const struct job *job, const struct tally *t,
                 const struct cost *c)
{
    double per_request_ms = job->n ? c->cpu_s * 1000.0 / job->n : 0.0;

    fprintf(out, "%s: %d requests, %d workers%s: %d ok, %d failed\n", m->name, job->n,
            job->nworkers, job->nworkers == 0 ? " (unlimited)" : "", t->ok, t->failed);
    fprintf(out, "wall %.3f s, cpu %.3f s (%.3f ms a request), peak rss %ld kB", c->wall_s,
            c->cpu_s, per_request_ms, c->max_rss_kb);
    if (c->child_max_rss_kb)
        fprintf(out, " (largest child %ld kB)", c->child_max_rss_kb);
    fputc('\n', out);
}

void report_csv(FILE *out, const struct model *m, const struct job *job, const struct tally *t,
                const struct cost *c)
{
    fputs("model,requests,workers,ok,failed,wall_s,cpu_s,max_rss_kb,child_max_rss_kb\n", out);
    fprintf(out, "%s,%d,%d,%d,%d,%.6f,%.6f,%ld,%ld\n", m->name, job->n, job->nworkers, t->ok,
            t->failed, c->wall_s, c->cpu_s, c->max_rss_kb, c->child_max_rss_kb);
}

void report_failures(FILE *err, const char *prog, const struct result *res, int n, int most)
{
    int shown = 0, failed = 0;

    for (int i = 0; i < n; i++) {
        if (result_ok(&res[i]))
            continue;
        if (shown < most) {
            fprintf(err, "%s: request %d failed: %s\n", prog, res[i].id, res[i].error);
            shown++;
        }
        failed++;
    }
    if (failed > shown)
        fprintf(err, "%s: ... and %d more failed requests (see --records)\n", prog, failed - shown);
}

/* RFC 4180: a field with a comma, quote or newline is quoted, quotes doubled. */
static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

int records_write(FILE *out, const struct result *res, int n, double t0)
{
    fputs("id,worker,start_s,end_s,status,bytes,error\n", out);
    for (int i = 0; i < n; i++) {
        const struct result *r = &res[i];
        double start = r->start_s ? r->start_s - t0 : 0.0; /* 0: never started */
        double end = r->end_s ? r->end_s - t0 : 0.0;

        fprintf(out, "%d,%d,%.6f,%.6f,%d,%ld,", r->id, r->worker, start, end, r->status, r->bytes);
        csv_field(out, r->error);
        fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}
