/* SPDX-License-Identifier: MIT */
/* report.c -- what a run prints: a summary for people (text), one row for
 * scripts (csv), and every request for timelines (--records). */
#include "driver.h"

#include <string.h>

struct tally tally_results(const struct result *res, int n)
{
    struct tally t = {0, 0, 0};

    for (int i = 0; i < n; i++) {
        t.attempts += res[i].attempts;
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

    if (m->takes_processes)
        fprintf(out, "%s: %d requests, %d processes x %d workers%s: %d ok, %d failed\n", m->name,
                job->n, job->nprocs, job->nworkers, job->nworkers == 0 ? " (unlimited)" : "", t->ok,
                t->failed);
    else
        fprintf(out, "%s: %d requests, %d workers%s: %d ok, %d failed\n", m->name, job->n,
                job->nworkers, job->nworkers == 0 ? " (unlimited)" : "", t->ok, t->failed);
    fprintf(out, "attempts %ld (%ld retries)\n", t->attempts,
            t->attempts > job->n ? t->attempts - job->n : 0);
    fprintf(out, "wall %.3f s, cpu %.3f s (%.3f ms a request, %.2f cores busy), peak rss %ld kB",
            c->wall_s, c->cpu_s, per_request_ms, c->wall_s > 0 ? c->cpu_s / c->wall_s : 0.0,
            c->max_rss_kb);
    if (c->children)
        fprintf(out, " + %d children: pss %ld kB in all", c->children, c->children_pss_kb);
    fputc('\n', out);
}

void report_csv(FILE *out, const struct model *m, const struct job *job, const struct tally *t,
                const struct cost *c)
{
    fputs("model,requests,workers,ok,failed,wall_s,cpu_s,max_rss_kb,child_max_rss_kb,"
          "attempts,processes,children,children_pss_kb,work_us\n",
          out);
    fprintf(out, "%s,%d,%d,%d,%d,%.6f,%.6f,%ld,%ld,%ld,%d,%d,%ld,%ld\n", m->name, job->n,
            job->nworkers, t->ok, t->failed, c->wall_s, c->cpu_s, c->max_rss_kb,
            c->child_max_rss_kb, t->attempts, job->nprocs, c->children, c->children_pss_kb,
            job->work_us);
}

void report_failures(FILE *err, const char *prog, const struct result *res, int n, int most)
{
    int shown = 0, failed = 0;

    for (int i = 0; i < n; i++) {
        if (result_ok(&res[i]))
            continue;
        if (shown < most) {
            fprintf(err, "%s: request %d failed: %s", prog, res[i].id, res[i].error);
            if (res[i].attempts > 1)
                fprintf(err, " (after %d attempts)", res[i].attempts);
            fputc('\n', err);
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
    fputs("id,kind,worker,start_s,end_s,status,bytes,attempts,error\n", out);
    for (int i = 0; i < n; i++) {
        const struct result *r = &res[i];
        double start = r->start_s ? r->start_s - t0 : 0.0; /* 0: never started */
        double end = r->end_s ? r->end_s - t0 : 0.0;

        fprintf(out, "%d,%s,%d,%.6f,%.6f,%d,%ld,%d,", r->id,
                r->kind == PAGE_LIST ? "list" : "detail", r->worker, start, end, r->status,
                r->bytes, r->attempts);
        csv_field(out, r->error);
        fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}
