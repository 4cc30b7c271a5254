/* SPDX-License-Identifier: MIT */
/* job.c -- running one job: a folder of its own, the judge's delay-server
 * (server.c), the graded binary in its sandbox (sandbox.c), and, until it
 * has said "end" and exited or its time is up, the channel
 * (channel_reader.c), its output (kept as context only) and the observer's
 * looks at it from outside (observer.c). Then everything of the job is
 * killed and reaped, the server read and stopped, the folder removed. */
#include "channel_reader.h"
#include "judge.h"
#include "observer.h"
#include "sandbox.h"
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define JOB_LIMIT_S  10.0 /* a job's whole life; the slowest correct one takes ~3 s */
#define EXIT_GRACE_S 5.0  /* after "end": LeakSanitizer's scan (well under 1 s), then exit */

/* The job while it runs. */
struct running {
    pid_t sandbox; /* the judge's child: bubblewrap, or the program */
    struct watch watch;
    char nonce[40];
    int port; /* the server's, for a look at "end"; -1: no server */
};

static void keep_output(struct obs *o, const char *data, size_t len)
{
    for (size_t k = 0; k < len && o->output_len + 1 < sizeof o->output; k++) {
        unsigned char c = (unsigned char)data[k];

        /* No escape sequence of the student's reaches a terminal. */
        o->output[o->output_len++] = (c == '\n' || (c >= ' ' && c < 0x7f)) ? (char)c : '?';
    }
    o->output[o->output_len] = '\0';
}

/* Every record that has arrived; at "ready" and "end" the observer looks
 * at the process (and the server is asked what it has seen begin) before
 * the program may go on. */
static int take_records(struct running *run, struct obs *o, struct chan *ch)
{
    int event;

    if (chan_fill(ch) != 0)
        return -1;
    while ((event = chan_next(ch, o)) >= 0) {
        if (event == CHAN_READY) {
            observe_ready(&run->watch, o);
            o->ready = 1;
            chan_go(ch);
        } else if (event == CHAN_END) {
            observe_end(&run->watch, o);
            server_at_end(run->port, o);
            o->ended = 1;
            chan_go(ch);
        }
    }
    return 0;
}

/* Poll the channel and the output until "end" and exit, or the limit. */
static void supervise(struct lane *lane, struct running *run, struct obs *o, int chan, int out,
                      int info)
{
    struct chan ch = {.fd = chan, .nonce = run->nonce};
    double limit = o->t0 + JOB_LIMIT_S, exited_by = 0;
    int status, outfd = out, waited = 0;

    while (!waited) {
        struct pollfd p[3] = {{.fd = chan, .events = POLLIN},
                              {.fd = outfd, .events = POLLIN},
                              {.fd = info, .events = POLLIN}};
        double left = (exited_by ? exited_by : limit) - now_s();
        pid_t w;

        if (left <= 0) {
            o->timed_out = !o->ended;
            o->t_stopped = now_s();
            break;
        }
        if (observe_runaway(&run->watch, o))
            break;
        observe_sample(&run->watch, o);
        if (poll(p, 3, left > 0.05 ? 50 : (int)(left * 1000) + 1) < 0 && errno != EINTR)
            break;
        if (p[2].revents) {
            run->watch.init = sandbox_init_pid(info);
            info = -1;
        }
        if (p[0].revents && take_records(run, o, &ch) != 0)
            chan = -1;
        if (p[1].revents) {
            char buf[65536];
            ssize_t got = read(outfd, buf, sizeof buf);

            if (got > 0)
                keep_output(o, buf, (size_t)got); /* the rest is drained, not kept */
            else
                outfd = -1;
        }
        if (o->ended && !exited_by)
            exited_by = now_s() + EXIT_GRACE_S;
        w = waitpid(run->sandbox, &status, WNOHANG);
        if (w == run->sandbox) {
            waited = 1;
            o->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
    }
    if (!waited)
        job_kill_sandbox(lane); /* and reaps it: its exit status stays unknown (-1) */
}

/* The program's command line for the job as this model runs it. */
static void job_args(struct vec *a, const struct obs *o)
{
    int pages = o->job->pages; /* a frontier variant starts from lists */

    vec_add(a, "--url");
    vec_add(a, "http://localhost");
    vec_add(a, pages ? "--pages" : "-n");
    vec_add(a, "%d", pages ? pages : o->n);
    if (o->procs) {
        vec_add(a, "-p");
        vec_add(a, "%d", o->procs);
    }
    vec_add(a, "-w");
    vec_add(a, "%d", o->procs ? o->w / o->procs : o->w);
    vec_add(a, "--timeout-ms");
    vec_add(a, "%ld", o->job->timeout_ms);
    if (o->job->retries) {
        vec_add(a, "--retries");
        vec_add(a, "%d", o->job->retries);
    }
}

/* What the hooks do in the caller's or the system's place (hooks.c reads
 * it), as NAME=VALUE in buf; NULL for nothing. */
static const char *hook_env(const struct job_shape *j, char *buf, size_t size)
{
    switch (j->kind->hook) {
    case HOOK_TWICE:
        return "JUDGE_TWICE=1";
    case HOOK_CALLER:
        return "JUDGE_CALLER=1";
    case HOOK_JITTER:
        return "JUDGE_JITTER=1";
    case HOOK_SPAWN:
        snprintf(buf, size, "JUDGE_SPAWN_CAP=%d", j->spawn_cap);
        return buf;
    case HOOK_NONE:
        break;
    }
    return NULL;
}

static int mkdir_for(const char *path, mode_t mode, uid_t owner)
{
    if (mkdir(path, mode) != 0 && errno != EEXIST)
        return -1;
    if (chmod(path, mode) != 0)
        return -1;
    if (geteuid() == 0 && owner != 0 && chown(path, owner, owner) != 0)
        return -1;
    return 0;
}

/* A job's folder goes when the job ends: the sandbox's output (it could
 * fill the disk over many jobs) and the server's socket. Links are removed,
 * never followed (FTW_PHYS). */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0 && errno != ENOENT)
        fprintf(stderr, "grade-judge: cannot remove %s: %s\n", path, strerror(errno));
    return 0; /* go on: remove what can be removed */
}

static void remove_tree(const char *dir)
{
    if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        fprintf(stderr, "grade-judge: cannot remove %s: %s\n", dir, strerror(errno));
}

/* The job as this model runs it: its W (hybrid: two processes share it)
 * and, for uneven delays, the server's seed. */
static void job_for_model(const struct judge *jd, const struct job_shape *j, struct obs *o)
{
    o->job = j;
    o->done = 1;
    o->exit_code = -1;
    o->n = j->n;
    o->first_bad = -1;
    o->w = jd->model->pool ? j->w : 1;
    if (jd->model->forks && jd->model->event_loop) { /* hybrid: two processes share W */
        o->procs = j->w >= 2 || j->w == 0 ? 2 : 1;
        o->w = j->w / o->procs * o->procs;
    }
    if (j->pages) { /* rows: every list page and every detail, and room for pages fetched
                       twice; delays seeded per page; the ideal, once the server says */
        o->rows_room = 8 * (j->pages + j->n) + 64;
        o->seed = (long)(jd->seed % 1000000) * 1000 + 7;
        o->ideal_frontier_s = -1;
        return;
    }
    if (j->delay_min != j->delay_max) /* the pool's total: a window of w, or all n */
        o->seed = uneven_seed((long)(jd->seed % 1000000) * 1000 + 1, o->n,
                              o->w == 0 || o->w > o->n ? o->n : o->w, o->procs, j->delay_min,
                              j->delay_max);
}

/* Start the program in its sandbox and follow it to its end. */
static void run_program(const struct judge *jd, struct lane *lane, struct running *run,
                        struct obs *o, const char *sockdir, const char *outdir)
{
    int chan[2] = {-1, -1}, out[2] = {-1, -1}, info[2] = {-1, -1};
    unsigned char raw[16];
    struct vec args = {0};
    char hook[64];

    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        broken(o, "getrandom: %s", strerror(errno));
        return;
    }
    for (size_t k = 0; k < sizeof raw; k++)
        snprintf(run->nonce + 2 * k, 3, "%02x", raw[k]);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chan) != 0 ||
        pipe2(out, O_CLOEXEC) != 0 || pipe2(info, O_CLOEXEC) != 0) {
        broken(o, "socketpair/pipe: %s", strerror(errno));
        goto done;
    }
    job_args(&args, o);
    o->t0 = now_s();
    run->sandbox = fork();
    if (run->sandbox < 0) {
        broken(o, "fork: %s", strerror(errno));
        goto done;
    }
    if (run->sandbox == 0) {
        struct sandbox_run s = {
            .bin = o->is_reference ? jd->reference : jd->bin[o->job->flavor],
            .args = &args,
            .hook_env = hook_env(o->job, hook, sizeof hook),
            .sockdir = sockdir,
            .outdir = outdir,
            .refused = o->job->refused,
            .uid = run->watch.uid,
            .flavor = o->job->flavor,
            .sandboxed = jd->sandboxed,
            .chan = chan[1],
            .out = out[1],
            .info = jd->sandboxed ? info[1] : -1,
        };

        sandbox_exec(&s);
    }
    lane->sandbox = run->sandbox;
    lane->uid = run->watch.uid;
    run->watch.init = jd->sandboxed ? -1 : run->sandbox;
    close(chan[1]);
    close(out[1]);
    close(info[1]);
    chan[1] = out[1] = info[1] = -1;
    dprintf(chan[0], "nonce %s\n", run->nonce);
    supervise(lane, run, o, chan[0], out[0], jd->sandboxed ? info[0] : -1);
    lane->sandbox = 0;
    sandbox_kill_uid(run->watch.uid);
    sandbox_reap_uid(run->watch.uid);
    lane->uid = 0;
done:
    for (int k = 0; k < 2; k++) {
        if (chan[k] >= 0)
            close(chan[k]);
        if (out[k] >= 0)
            close(out[k]);
        if (info[k] >= 0)
            close(info[k]);
    }
}

void job_run(const struct judge *jd, struct lane *lane, const struct job_shape *j, struct obs *o)
{
    static int serial_no; /* the lanes count together */
    struct running run = {.watch = {.uid = sandbox_uid(), .sandboxed = jd->sandboxed}, .port = -1};
    char jobdir[1024], sockdir[1100], outdir[1100], sock[1200];
    pid_t server = 0;

    job_for_model(jd, j, o);
    o->rows = calloc((size_t)(o->rows_room ? o->rows_room : o->n) + 1, sizeof *o->rows);
    o->fetched = calloc((size_t)o->n + 2, sizeof *o->fetched);
    if (!o->rows || !o->fetched) {
        broken(o, "out of memory");
        return;
    }
    snprintf(jobdir, sizeof jobdir, "%s/job%d-%s", jd->work,
             __atomic_add_fetch(&serial_no, 1, __ATOMIC_RELAXED), j->name);
    snprintf(sockdir, sizeof sockdir, "%s/sock", jobdir);
    snprintf(outdir, sizeof outdir, "%s/out", jobdir);
    snprintf(sock, sizeof sock, "%s/server.sock", sockdir);
    if (mkdir_for(jobdir, 0755, 0) != 0 || mkdir_for(sockdir, 0755, 0) != 0 ||
        mkdir_for(outdir, 0700, run.watch.uid) != 0) {
        broken(o, "cannot make %s: %s", jobdir, strerror(errno));
        return;
    }
    if (j->refused || (run.port = server_start(jd, lane, j, sock, &server, o)) > 0) {
        run_program(jd, lane, &run, o, sockdir, outdir);
        if (!o->broken[0])
            observe_sanitizer_log(outdir, run.watch.uid, o);
        if (!o->broken[0] && run.port > 0)
            server_read(run.port, o);
    }
    server_stop(lane, server);
    remove_tree(jobdir);
}

void obs_free(struct obs *o)
{
    free(o->rows);
    free(o->fetched);
    free(o->log);
    free(o->is_list);
}
