/* SPDX-License-Identifier: MIT */
/* observer.c -- the graded process seen from outside, where nothing it
 * does can change what is seen: /proc of the process the judge created
 * (its threads, descriptors, children, signal dispositions, CPU time and
 * its threads' wake-ups), the processes of the job's uid (a runaway), and
 * the sanitizers' log files, which only the judge reads. */
#include "observer.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUNAWAY_TASKS 200 /* threads alive in a job: no correct one comes near */
#define RUNAWAY_S     1.0 /* ... for this long, while burning this much CPU: */
#define RUNAWAY_CORES 0.5 /* a fork or thread bomb, stopped before it slows the machine */

/* ---- one process ---- */

/* The fields of /proc/PID/stat after the name, in buf; NULL if gone. */
static const char *stat_fields(pid_t pid, char *buf, size_t size)
{
    char path[64];
    const char *p;
    ssize_t len;
    int fd;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    len = read(fd, buf, size - 1);
    close(fd);
    if (len <= 0)
        return NULL;
    buf[len] = '\0';
    p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
    return p && p[1] == ' ' ? p + 2 : NULL;
}

static double ticks_s(unsigned long ticks)
{
    return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

/* State, parent and CPU (its own and its reaped children's) of a process. */
static int proc_stat(pid_t pid, char *state, pid_t *ppid, double *cpu_s)
{
    char buf[1024];
    const char *p = stat_fields(pid, buf, sizeof buf);
    unsigned long ut, st;
    long cut, cst;

    if (!p || sscanf(p, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld", state, ppid,
                     &ut, &st, &cut, &cst) != 6)
        return -1;
    if (cpu_s)
        *cpu_s = ticks_s(ut + st + (unsigned long)cut + (unsigned long)cst);
    return 0;
}

/* Threads and CPU of one live process (its own, not its children's). */
static int proc_load(pid_t pid, int *threads, double *cpu_s)
{
    char buf[1024];
    const char *p = stat_fields(pid, buf, sizeof buf);
    unsigned long ut, st;

    if (!p || sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %d",
                     &ut, &st, threads) != 3)
        return -1;
    *cpu_s = ticks_s(ut + st);
    return 0;
}

/* ---- the job's processes ---- */

/* Every process whose chain of parents reaches root_pid (not root_pid). */
static int descendants(pid_t root_pid, pid_t *out, int max)
{
    static _Thread_local int pids[65536]; /* lanes look at once */
    static _Thread_local pid_t parent[65536];
    int n = list_dir_ints("/proc", pids, 65536), found = 0;

    n = n > 65536 ? 65536 : n;
    for (int k = 0; k < n; k++) {
        char st;

        if (proc_stat(pids[k], &st, &parent[k], NULL) != 0)
            parent[k] = 0;
    }
    for (int k = 0; k < n; k++) {
        pid_t p = parent[k];

        for (int hops = 0; p > 1 && p != root_pid && hops < 64; hops++) {
            int at = -1;

            for (int q = 0; q < n && at < 0; q++)
                if (pids[q] == p)
                    at = q;
            p = at >= 0 ? parent[at] : 0;
        }
        if (p == root_pid && found < max)
            out[found++] = pids[k];
    }
    return found;
}

/* The graded process: in a sandbox, the child of bubblewrap's init. */
static pid_t find_driver(pid_t init_pid, int sandboxed)
{
    pid_t kids[64];
    int n;

    if (!sandboxed)
        return init_pid;
    n = descendants(init_pid, kids, 64);
    for (int k = 0; k < n; k++) {
        char st;
        pid_t pp;

        if (proc_stat(kids[k], &st, &pp, NULL) == 0 && pp == init_pid)
            return kids[k];
    }
    return -1;
}

static void snapshot(pid_t pid, int *tasks, int *fds, int *nfds)
{
    char path[64];

    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    *tasks = list_dir_ints(path, NULL, 0);
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    *nfds = list_dir_ints(path, fds, JUDGE_MAX_FDS);
}

/* SigBlk, SigIgn and SigCgt of a process (its main thread's mask), as
 * /proc shows them: what crawl_run must leave as the caller set them. */
static void signal_state(pid_t pid, char out[3][24])
{
    static const char *const keys[3] = {"SigBlk:", "SigIgn:", "SigCgt:"};
    char path[64], line[256];
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    for (int k = 0; k < 3; k++)
        snprintf(out[k], 24, "?");
    if (!(f = fopen(path, "re")))
        return;
    while (fgets(line, sizeof line, f))
        for (int k = 0; k < 3; k++)
            if (strncmp(line, keys[k], strlen(keys[k])) == 0)
                sscanf(line + strlen(keys[k]), "%23s", out[k]);
    fclose(f);
}

/* The driver's own children (pid and state), up to max. */
static int children_of(pid_t driver, pid_t *out, char *states, int max)
{
    pid_t procs[256];
    int n = descendants(driver, procs, 256), found = 0;

    for (int k = 0; k < n && found < max; k++) {
        char st;
        pid_t pp;

        if (proc_stat(procs[k], &st, &pp, NULL) == 0 && pp == driver) {
            if (states)
                states[found] = st;
            out[found++] = procs[k];
        }
    }
    return found;
}

/* The caller's children at "end": still its children, not reaped (a zombie
 * would do: the caller reaps its own), counted in o->kids_kept; those
 * dead already (a zombie) in o->kids_dead. */
static void kids_at_end(pid_t driver, struct obs *o)
{
    pid_t now[64];
    char state[64];
    int n = children_of(driver, now, state, 64);

    o->kids_kept = o->kids_dead = 0;
    for (int k = 0; k < o->nkids_before; k++)
        for (int q = 0; q < n; q++)
            if (now[q] == o->kids_before[k]) {
                o->kids_kept++;
                o->kids_dead += state[q] == 'Z';
                break;
            }
}

/* Other processes of the job still there at "end": leftovers and zombies. */
static void leftovers(pid_t init_pid, pid_t driver, int sandboxed, struct obs *o)
{
    pid_t procs[256];
    int n = descendants(sandboxed ? init_pid : driver, procs, 256);

    for (int k = 0; k < n; k++) {
        char st;
        pid_t pp;

        int kid = 0;

        for (int q = 0; q < o->nkids_before; q++)
            kid |= procs[k] == o->kids_before[q]; /* the caller's own, not the model's */
        if (kid || procs[k] == driver || proc_stat(procs[k], &st, &pp, NULL) != 0)
            continue;
        o->procs_left++;
        if (st == 'Z')
            o->zombies_left++;
    }
}

/* Threads alive and CPU used so far by the live processes of the uid. */
static void uid_load(uid_t uid, int *tasks, double *cpu_s)
{
    static _Thread_local int pids[4096];
    int n = sandbox_uid_pids(uid, pids, 4096);

    *tasks = 0;
    *cpu_s = 0;
    for (int k = 0; k < n; k++) {
        int threads;
        double cpu;

        if (proc_load(pids[k], &threads, &cpu) == 0) {
            *tasks += threads;
            *cpu_s += cpu;
        }
    }
}

/* A bomb: many threads alive for a while, burning CPU. The hooks refuse
 * forks and threads past their cap, but a bomb that loops on the failure
 * would spin until the time limit on every core the machine has. */
int observe_runaway(struct watch *w, struct obs *o)
{
    double t = now_s(), cpu;
    int tasks;

    if (t < w->bomb_next)
        return 0;
    w->bomb_next = t + 0.25;
    uid_load(w->uid, &tasks, &cpu);
    if (tasks < RUNAWAY_TASKS) {
        w->bomb_since = 0;
        return 0;
    }
    if (!w->bomb_since) {
        w->bomb_since = t;
        w->bomb_cpu_since = cpu;
        return 0;
    }
    if (t - w->bomb_since < RUNAWAY_S ||
        (cpu - w->bomb_cpu_since) / (t - w->bomb_since) < RUNAWAY_CORES)
        return 0;
    o->runaway = tasks;
    return 1;
}

/* ---- threads and their wake-ups ---- */

/* Context switches of one thread (voluntary + not): each a wake-up. */
static long thread_switches(pid_t pid, int tid)
{
    char path[96], line[128];
    long total = 0, v;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)pid, tid);
    if (!(f = fopen(path, "re")))
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1 ||
            sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
            total += v;
    fclose(f);
    return total;
}

/* The wake-ups of every thread of the graded process, followed while they
 * live (a joined thread keeps what was last seen of it): a loop that
 * polls with a short sleep wakes up hundreds of times a second, one that
 * waits in poll() a few times a request. */
static void sample_switches(struct watch *w, struct obs *o)
{
    int tids[WATCH_TIDS];
    char path[64];
    int n;

    snprintf(path, sizeof path, "/proc/%d/task", (int)w->driver);
    n = list_dir_ints(path, tids, WATCH_TIDS);
    for (int k = 0; k < n && k < WATCH_TIDS; k++) {
        long sw = thread_switches(w->driver, tids[k]);
        int at = 0;

        while (at < w->ntids && w->tids[at] != tids[k])
            at++;
        if (at == w->ntids && w->ntids < WATCH_TIDS)
            w->tids[w->ntids++] = tids[k];
        if (at < w->ntids && sw > w->switches[at]) {
            o->wakeups += sw - w->switches[at];
            w->switches[at] = sw;
        }
    }
}

/* Threads of the graded process while crawl_run runs, from /proc: a pool
 * shows its W threads, an event loop its one. */
void observe_sample(struct watch *w, struct obs *o)
{
    char path[64];
    int n;

    if (!o->ready || o->ended || w->driver <= 0)
        return;
    snprintf(path, sizeof path, "/proc/%d/task", (int)w->driver);
    n = list_dir_ints(path, NULL, 0);
    if (n > o->threads_peak)
        o->threads_peak = n;
    o->thread_samples++;
    if (o->job->kind->wakeups)
        sample_switches(w, o);
}

/* ---- before and after crawl_run ---- */

void observe_ready(struct watch *w, struct obs *o)
{
    w->driver = find_driver(w->init, w->sandboxed);
    o->t_ready = now_s();
    if (w->driver > 0) {
        snapshot(w->driver, &o->tasks_before, o->fds_before, &o->nfds_before);
        sample_switches(w, o); /* what start-up cost is not counted */
        o->wakeups = 0;
        signal_state(w->driver, o->sig_before);
        o->nkids_before = children_of(w->driver, o->kids_before, NULL, JUDGE_MAX_KIDS);
    }
    o->driver = w->driver;
}

void observe_end(struct watch *w, struct obs *o)
{
    char st;
    pid_t pp;

    o->t_end = now_s();
    o->wall_s = o->t_end - o->t0;
    if (w->driver > 0) {
        snapshot(w->driver, &o->tasks_after, o->fds_after, &o->nfds_after);
        sample_switches(w, o);
        signal_state(w->driver, o->sig_after);
        kids_at_end(w->driver, o);
        proc_stat(w->driver, &st, &pp, &o->cpu_s);
        leftovers(w->init, w->driver, w->sandboxed, o);
    }
}

/* ---- the sanitizers' logs ---- */

/* A sanitizer log the sandbox left, opened only if it is what it should
 * be: a regular file (not a symlink to a host file, not a FIFO that would
 * block the judge) owned by the job's uid. NULL otherwise. */
static FILE *open_log(int dir_fd, const char *name, uid_t uid)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    FILE *f;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uid != 0 && sb.st_uid != uid) ||
        !(f = fdopen(fd, "r"))) {
        close(fd);
        return NULL;
    }
    return f;
}

void observe_sanitizer_log(const char *outdir, uid_t uid, struct obs *o)
{
    DIR *d = opendir(outdir);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d)) != NULL && !o->sanitizer[0]) {
        char line[512];
        long lines = 0;
        FILE *f;

        if (strncmp(e->d_name, "san.", 4) != 0 || !(f = open_log(dirfd(d), e->d_name, uid)))
            continue;
        while (lines++ < 20000 && fgets(line, sizeof line, f)) { /* at most ~10 MB read */
            if (strstr(line, "ERROR:") || strstr(line, "WARNING: ThreadSanitizer") ||
                strstr(line, "runtime error:") || strstr(line, "SUMMARY:")) {
                line[strcspn(line, "\n")] = '\0';
                snprintf(o->sanitizer, sizeof o->sanitizer, "%.*s", (int)sizeof o->sanitizer - 1,
                         line);
                break;
            }
        }
        fclose(f);
    }
    closedir(d);
}
