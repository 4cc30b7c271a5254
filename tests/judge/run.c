/* SPDX-License-Identifier: MIT */
/* run.c -- one job: a delay-server of the judge's own, the graded binary
 * in a bubblewrap sandbox (new user, pid, mount, IPC, UTS and network
 * namespaces: only loopback, no view of the suite, a private /tmp), rlimits
 * and, when the judge is root, a throw-away uid. The program reaches the
 * server only through a unix socket bound into the sandbox; the judge asks
 * the server for its counters over TCP, which the sandbox cannot reach.
 * The pid namespace guarantees that every process the job started is gone
 * when its first process ends or is killed. */
#include "judge.h"

#include "stats_client.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define JOB_LIMIT_S     10.0 /* a job's whole life; the slowest correct one takes ~3 s */
#define EXIT_GRACE_S    5.0  /* after "end": LeakSanitizer's scan (well under 1 s), then exit */
#define SERVER_START_S  5.0
#define SANDBOX_NPROC   300 /* processes and threads of the throw-away uid */
#define SANDBOX_NOFILE  4096
#define SANDBOX_FSIZE   (16L << 20)
#define SANDBOX_CPU_S   60
#define SANDBOX_AS      (4L << 30) /* plain builds only: sanitizers reserve terabytes */
#define UID_BASE        1000000
#define RUNAWAY_TASKS   200 /* threads alive in a job: no correct one comes near */
#define RUNAWAY_S       1.0 /* ... for this long, while burning this much CPU: */
#define RUNAWAY_CORES   0.5 /* a fork or thread bomb, stopped before it slows the machine */
#define SOCK_IN_SANDBOX "/run/judge/server.sock"
#define STALL_MS        3000 /* a stalled page is answered after all, this late */

const char *flavor_name(enum flavor f)
{
    return f == FLAVOR_ASAN ? "AddressSanitizer" : f == FLAVOR_TSAN ? "ThreadSanitizer" : "plain";
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void broken(struct obs *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void broken(struct obs *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(o->broken, sizeof o->broken, fmt, ap);
    va_end(ap);
}

/* ---- the throw-away user ---- */

/* As root, every job runs as a uid nobody else uses: RLIMIT_NPROC then
 * counts only this job's processes, and a sweep by uid finds them all. */
static uid_t job_uid(void)
{
    unsigned int r = 0;

    if (geteuid() != 0)
        return geteuid();
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (unsigned int)getpid() * 2654435761u;
    return (uid_t)(UID_BASE + r % 1000000u);
}

/* In the child, before exec: limits, then the throw-away uid. */
static int drop_to(uid_t uid, enum flavor flavor)
{
    struct rlimit nproc = {SANDBOX_NPROC, SANDBOX_NPROC}, nofile = {SANDBOX_NOFILE, SANDBOX_NOFILE};
    struct rlimit fsize = {SANDBOX_FSIZE, SANDBOX_FSIZE}, cpu = {SANDBOX_CPU_S, SANDBOX_CPU_S};
    struct rlimit core = {0, 0}, as = {SANDBOX_AS, SANDBOX_AS};

    if (setrlimit(RLIMIT_NOFILE, &nofile) != 0 || setrlimit(RLIMIT_FSIZE, &fsize) != 0 ||
        setrlimit(RLIMIT_CPU, &cpu) != 0 || setrlimit(RLIMIT_CORE, &core) != 0)
        return -1;
    if (flavor == FLAVOR_PLAIN && setrlimit(RLIMIT_AS, &as) != 0)
        return -1;
    if (geteuid() != 0)
        return 0; /* a user's own processes: the namespace and the caps bound it */
    if (setrlimit(RLIMIT_NPROC, &nproc) != 0 || setgroups(0, NULL) != 0 ||
        setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0)
        return -1;
    return 0;
}

/* ---- argv and environment vectors ---- */

struct vec {
    char *items[96];
    int n;
    char store[8192];
    size_t used;
};

static void vec_add(struct vec *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vec_add(struct vec *v, const char *fmt, ...)
{
    va_list ap;
    int len;

    if (v->n + 1 >= (int)(sizeof v->items / sizeof v->items[0]))
        return;
    va_start(ap, fmt);
    len = vsnprintf(v->store + v->used, sizeof v->store - v->used, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof v->store - v->used)
        return;
    v->items[v->n++] = v->store + v->used;
    v->items[v->n] = NULL;
    v->used += (size_t)len + 1;
}

/* ---- the sandbox ---- */

/* bubblewrap with everything unshared; binaries and sockets read-only. */
static void sandbox_argv(struct vec *a, const char *bin, const char *sockdir, const char *outdir)
{
    static const char *const ro[] = {"/usr", "/etc/ld.so.cache", "/etc/alternatives"};

    vec_add(a, "bwrap");
    vec_add(a, "--unshare-all"); /* user, pid, mount, IPC, UTS, cgroup, network (lo only) */
    vec_add(a, "--die-with-parent");
    vec_add(a, "--new-session"); /* no TIOCSTI into the grader's terminal */
    vec_add(a, "--cap-drop");
    vec_add(a, "ALL");
    for (size_t k = 0; k < sizeof ro / sizeof ro[0]; k++) {
        vec_add(a, "--ro-bind-try");
        vec_add(a, "%s", ro[k]);
        vec_add(a, "%s", ro[k]);
    }
    vec_add(a, "--symlink");
    vec_add(a, "usr/lib");
    vec_add(a, "/lib");
    vec_add(a, "--symlink");
    vec_add(a, "usr/lib64");
    vec_add(a, "/lib64");
    vec_add(a, "--symlink");
    vec_add(a, "usr/bin");
    vec_add(a, "/bin");
    vec_add(a, "--proc");
    vec_add(a, "/proc");
    vec_add(a, "--dev");
    vec_add(a, "/dev");
    vec_add(a, "--tmpfs");
    vec_add(a, "/tmp");
    vec_add(a, "--ro-bind");
    vec_add(a, "%s", bin);
    vec_add(a, "/judge/crawl");
    vec_add(a, "--ro-bind");
    vec_add(a, "%s", sockdir);
    vec_add(a, "/run/judge");
    vec_add(a, "--bind");
    vec_add(a, "%s", outdir);
    vec_add(a, "/judge/out");
    vec_add(a, "--chdir");
    vec_add(a, "/tmp");
    vec_add(a, "--info-fd");
    vec_add(a, "4");
    vec_add(a, "--");
}

static int run_quietly(char *const argv[], uid_t uid)
{
    pid_t pid = fork();
    int status;

    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);

        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        if (drop_to(uid, FLAVOR_ASAN) == 0)
            execvp(argv[0], argv);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int sandbox_choose(struct judge *jd)
{
    char *const probe[] = {"bwrap",
                           "--unshare-all",
                           "--die-with-parent",
                           "--ro-bind",
                           "/",
                           "/",
                           "--proc",
                           "/proc",
                           "--dev",
                           "/dev",
                           "true",
                           NULL};

    if (jd->sandbox_mode != 'o' && run_quietly(probe, job_uid()) == 0) {
        jd->sandboxed = 1;
        snprintf(jd->sandbox_note, sizeof jd->sandbox_note,
                 "bubblewrap: own user, pid, mount, IPC and network namespaces%s",
                 geteuid() == 0 ? ", a throw-away uid" : "");
        return 0;
    }
    if (jd->sandbox_mode == 'r') {
        fprintf(stderr, "grade-judge: --require-sandbox: bubblewrap cannot create namespaces here "
                        "(install bubblewrap; in a container, allow user namespaces)\n");
        return 3;
    }
    snprintf(jd->sandbox_note, sizeof jd->sandbox_note,
             "NONE (%s): rlimits%s only; the submission can see this machine's files",
             jd->sandbox_mode == 'o' ? "turned off" : "bubblewrap is missing or cannot run here",
             geteuid() == 0 ? " and a throw-away uid" : "");
    return 0;
}

/* ---- the judge's delay-server ---- */

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

/* Start delay-server for job j; its port, or -1 (o->broken says why). */
static int server_start(struct judge *jd, const struct job_shape *j, const char *sock,
                        pid_t *pid_out, struct obs *o)
{
    struct vec a = {0};
    int out[2], port = -1;
    char line[128] = "";
    size_t len = 0;
    double deadline = now_s() + SERVER_START_S;

    vec_add(&a, "%s", jd->server);
    vec_add(&a, "--host");
    vec_add(&a, "127.0.0.1");
    vec_add(&a, "--port");
    vec_add(&a, "0");
    vec_add(&a, "--unix");
    vec_add(&a, "%s", sock);
    vec_add(&a, "--seed");
    vec_add(&a, "%ld", o->seed);
    if (j->delay_min == j->delay_max)
        vec_add(&a, "--delay-ms=%ld", j->delay_min);
    else
        vec_add(&a, "--delay-ms=%ld-%ld", j->delay_min, j->delay_max);
    if (j->fail_ids[0])
        vec_add(&a, "--fail-ids=%s", j->fail_ids);
    if (j->wrong_ids[0])
        vec_add(&a, "--wrong-ids=%s", j->wrong_ids);
    if (j->stall_ids[0]) /* answered at last: no timeout at all is slow, not a hang */
        vec_add(&a, "--stall-ids=%s", j->stall_ids);
    if (j->stall_ids[0])
        vec_add(&a, "--stall-ms=%d", STALL_MS);
    if (j->cut_ids[0])
        vec_add(&a, "--cut-ids=%s", j->cut_ids);
    if (pipe2(out, O_CLOEXEC) != 0) {
        broken(o, "pipe: %s", strerror(errno));
        return -1;
    }
    *pid_out = fork();
    if (*pid_out < 0) {
        broken(o, "fork: %s", strerror(errno));
        close(out[0]);
        close(out[1]);
        return -1;
    }
    if (*pid_out == 0) {
        int null = open("/dev/null", O_RDWR);

        dup2(out[1], 1);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 2);
        }
        execv(a.items[0], a.items);
        _exit(127);
    }
    close(out[1]);
    jd->running_server = *pid_out;
    /* Its first line is its URL: http://127.0.0.1:PORT */
    while (len + 1 < sizeof line && !strchr(line, '\n') && now_s() < deadline) {
        struct pollfd p = {.fd = out[0], .events = POLLIN};
        ssize_t got;

        if (poll(&p, 1, 100) <= 0)
            continue;
        got = read(out[0], line + len, sizeof line - 1 - len);
        if (got <= 0)
            break;
        len += (size_t)got;
        line[len] = '\0';
    }
    close(out[0]);
    if (!strchr(line, '\n') || sscanf(line, "http://127.0.0.1:%d", &port) != 1 || port <= 0) {
        broken(o, "the judge's delay-server did not start (%s)", jd->server);
        return -1;
    }
    return port;
}

static void server_stop(struct judge *jd, pid_t pid)
{
    int status;

    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int k = 0; k < 200 && waitpid(pid, &status, WNOHANG) == 0; k++)
        usleep(10000);
    if (kill(pid, SIGKILL) == 0)
        waitpid(pid, &status, 0);
    jd->running_server = 0;
}

/* The judge's server is its own: a failed read is retried, not charged to
 * the student (a machine loaded enough can hold one up). */
#define SERVER_GET_MS  5000
#define SERVER_GET_MAX (64L << 20) /* /log of the server's most requests: ~12 MB */

static char *server_body(int port, const char *path)
{
    struct sc_addr a = {.port = port};

    return sc_get_body(&a, path, SERVER_GET_MS, SERVER_GET_MAX, 3);
}

/* Every request the program has started by "end": answered, given up,
 * or still waiting. Compared after the exit with what the server saw in
 * all: a request after "end" means crawl_run returned before the work was
 * done (or the "end" came from elsewhere). */
static void server_at_end(int port, struct obs *o)
{
    char *body = port > 0 ? server_body(port, "/stats") : NULL;
    struct sc_stats st;

    o->started_at_end = -1;
    if (body && sc_parse_stats(body, &st) == 0)
        o->started_at_end = st.requests + st.aborted + st.in_flight;
    free(body);
}

/* GET /log: the server's timeline of page requests, into o->log. */
static void read_log(int port, struct obs *o)
{
    char *body = server_body(port, "/log");
    struct sc_log_rec *recs;
    size_t n;

    if (!body || sc_parse_log(body, &recs, &n) != 0 || n > INT_MAX ||
        !(o->log = calloc(n + 1, sizeof *o->log))) {
        free(body);
        return;
    }
    for (size_t k = 0; k < n; k++)
        o->log[k] = (struct srv_rec){.id = (int)recs[k].id,
                                     .attempt = (int)recs[k].attempt,
                                     .start_s = (double)recs[k].start_us / 1e6,
                                     .end_s = recs[k].end_us ? (double)recs[k].end_us / 1e6 : 0,
                                     .end = recs[k].end,
                                     .status = recs[k].status,
                                     .pid = recs[k].pid};
    o->nlog = (int)n;
    o->log_ok = 1;
    free(recs);
    free(body);
}

/* The server's counters, per-id fetches, timeline and delay plan. */
static void server_read(int port, struct obs *o)
{
    char path[64];
    char *body = server_body(port, "/stats");
    unsigned int *counts = calloc((size_t)o->n + 1, sizeof *counts);
    struct sc_stats st;
    long long beyond;

    if (body && counts && sc_parse_stats(body, &st) == 0 && st.fetched &&
        sc_parse_fetched(st.fetched, counts, (size_t)o->n, &beyond, &o->fetched_max) == 0) {
        for (int id = 1; id <= o->n; id++)
            o->fetched[id] = (int)counts[id - 1];
        o->peak = st.peak_in_flight;
        o->in_flight = st.in_flight;
        o->requests = st.requests;
        o->aborted = st.aborted;
        o->fetched_other = st.fetched_other;
        o->server_ok = 1;
    }
    free(counts);
    free(body);
    read_log(port, o);
    if (o->job->delay_min == o->job->delay_max || o->n > JUDGE_MAX_N)
        return;
    snprintf(path, sizeof path, "/plan?n=%d", o->n);
    body = server_body(port, path);
    o->plan_ok = body && sc_parse_plan(body, o->delays_ms, (size_t)o->n) == 0;
    free(body);
}

/* ---- /proc ---- */

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

static int list_dir_ints(const char *path, int *out, int max)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (out && n < max)
            out[n] = atoi(e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

/* Every process whose chain of parents reaches root_pid (not root_pid). */
static int descendants(pid_t root_pid, pid_t *out, int max)
{
    static int pids[65536];
    static pid_t parent[65536];
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

/* The processes of a throw-away uid (only root made one: else none). */
static int uid_pids(uid_t uid, int *out, int max)
{
    static int pids[65536];
    int n, found = 0;

    if (geteuid() != 0 || uid == 0)
        return 0;
    n = list_dir_ints("/proc", pids, 65536);
    for (int k = 0; k < n && k < 65536 && found < max; k++) {
        char path[64];
        struct stat sb;

        snprintf(path, sizeof path, "/proc/%d", pids[k]);
        if (stat(path, &sb) == 0 && sb.st_uid == uid)
            out[found++] = pids[k];
    }
    return found;
}

/* Kill every process of the throw-away uid, wherever it hides (an orphan
 * out of the tree, a sandbox's init): a child that takes the uid and
 * signals all it may (kill(-1)). Async-signal-safe, for on_signal too. */
static void kill_uid(uid_t uid)
{
    pid_t killer;

    if (uid == 0 || geteuid() != 0)
        return;
    killer = fork();
    if (killer == 0) {
        if (setresgid(uid, uid, uid) == 0 && setgroups(0, NULL) == 0 &&
            setresuid(uid, uid, uid) == 0)
            kill(-1, SIGKILL);
        _exit(0);
    }
    if (killer > 0)
        while (waitpid(killer, NULL, 0) < 0 && errno == EINTR)
            ;
}

/* Threads alive and CPU used so far by the live processes of the uid. */
static void uid_load(uid_t uid, int *tasks, double *cpu_s)
{
    static int pids[4096];
    int n = uid_pids(uid, pids, 4096);

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

/* Kill the running job's sandbox and everything of its uid; reap the
 * sandbox. Async-signal-safe. */
void job_kill_sandbox(struct judge *jd)
{
    pid_t sandbox = jd->running_sandbox;

    if (sandbox > 0) {
        kill(-sandbox, SIGKILL); /* its session */
        kill(sandbox, SIGKILL);
    }
    kill_uid(jd->running_uid);
    if (sandbox > 0)
        while (waitpid(sandbox, NULL, 0) < 0 && errno == EINTR)
            ;
}

/* Ctrl-C or kill: the job, its server, and every child the judge has
 * (orphans of the sandbox come to it: it is their subreaper), reaped, so
 * nothing of the job outlives the judge. Async-signal-safe. */
void job_kill_all(struct judge *jd)
{
    const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};

    job_kill_sandbox(jd);
    if (jd->running_server > 0)
        kill(jd->running_server, SIGKILL);
    for (int k = 0; k < 200; k++) { /* all were sent SIGKILL: 2 s is plenty */
        pid_t got;

        while ((got = waitpid(-1, NULL, WNOHANG)) > 0)
            ;
        if (got < 0 && errno == ECHILD)
            break;
        nanosleep(&tick, NULL);
    }
}

/* After a job: its orphans, killed, are the judge's to reap (subreaper). */
static void reap_uid(uid_t uid)
{
    static int pids[4096];
    const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};

    for (int tries = 0; tries < 200; tries++) {
        int n = uid_pids(uid, pids, 4096);

        if (n == 0)
            return;
        for (int k = 0; k < n; k++)
            waitpid(pids[k], NULL, WNOHANG); /* not ours yet, or still dying: next round */
        nanosleep(&tick, NULL);
    }
}

/* ---- the channel ---- */

struct chan {
    int fd;
    char buf[4096];
    size_t len;
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

/* "row SLOT ID ...": res[SLOT - 1] as the driver found it, kept in its
 * slot; the id it holds says whether it is the right row there. */
static void take_row(struct obs *o, const char *line)
{
    struct row r = {.seen = 1};
    const char *bar = strchr(line, '|');
    int slot;

    if (!bar ||
        sscanf(line, "row %d %d %d %d %ld %lf %lf", &slot, &r.id, &r.worker, &r.status, &r.bytes,
               &r.start_s, &r.end_s) != 7 ||
        slot < 1 || slot > o->n || o->rows[slot - 1].seen) {
        o->bad_rows++;
        return;
    }
    snprintf(r.error, sizeof r.error, "%s", bar + 1);
    o->rows[slot - 1] = r;
}

/* ---- one job ---- */

#define MAX_TIDS 512 /* threads whose context switches are followed */

struct running {
    pid_t sandbox, init, driver;
    int tids[MAX_TIDS];      /* the graded process's threads seen so far ... */
    long switches[MAX_TIDS]; /* ... and the most context switches seen of each */
    int ntids;
    uid_t uid;
    char nonce[40];
    double t0;
    int port; /* the server's, for a look at "end"; -1: no server */
};

static void sample_switches(struct running *run, struct obs *o);

static void on_line(struct judge *jd, struct running *run, struct obs *o, char *line)
{
    char word[48];

    if (strncmp(line, "ready ", 6) == 0 && !o->ready && strcmp(line + 6, run->nonce) == 0) {
        run->driver = find_driver(run->init, jd->sandboxed);
        o->t_ready = now_s();
        if (run->driver > 0) {
            snapshot(run->driver, &o->tasks_before, o->fds_before, &o->nfds_before);
            sample_switches(run, o); /* what start-up cost is not counted */
            o->wakeups = 0;
            signal_state(run->driver, o->sig_before);
            o->nkids_before = children_of(run->driver, o->kids_before, NULL, JUDGE_MAX_KIDS);
        }
        o->driver = run->driver;
        o->ready = 1;
    } else if (strncmp(line, "row ", 4) == 0 && o->ready && !o->ended) {
        take_row(o, line);
    } else if (strncmp(line, "first ", 6) == 0 && o->ready && !o->ended) {
        if (sscanf(line + 6, "%d", &o->first_bad) != 1)
            o->first_bad = -1;
    } else if (strncmp(line, "calls ", 6) == 0 && o->ready && !o->ended) {
        long *c = o->calls;

        o->calls_seen = sscanf(line + 6, "%ld %ld %ld %ld %ld %ld %ld %ld %ld", &c[0], &c[1], &c[2],
                               &c[3], &c[4], &c[5], &c[6], &c[7], &c[8]) == 9;
    } else if (strncmp(line, "end ", 4) == 0 && o->ready && !o->ended &&
               sscanf(line + 4, "%39s %d", word, &o->crawl_rc) == 2 &&
               strcmp(word, run->nonce) == 0) {
        char st;
        pid_t pp;

        o->t_end = now_s();
        o->wall_s = o->t_end - run->t0;
        if (run->driver > 0) {
            snapshot(run->driver, &o->tasks_after, o->fds_after, &o->nfds_after);
            sample_switches(run, o);
            signal_state(run->driver, o->sig_after);
            kids_at_end(run->driver, o);
            proc_stat(run->driver, &st, &pp, &o->cpu_s);
            leftovers(run->init, run->driver, jd->sandboxed, o);
        }
        server_at_end(run->port, o);
        o->ended = 1;
    }
}

/* Read whatever the channel has; answer "go" after ready and after end. */
static int chan_read(struct judge *jd, struct running *run, struct obs *o, struct chan *ch)
{
    ssize_t got = read(ch->fd, ch->buf + ch->len, sizeof ch->buf - 1 - ch->len);
    char *nl;

    if (got <= 0)
        return -1;
    ch->len += (size_t)got;
    ch->buf[ch->len] = '\0';
    while ((nl = memchr(ch->buf, '\n', ch->len)) != NULL) {
        int was_ready = o->ready, was_ended = o->ended;

        *nl = '\0';
        on_line(jd, run, o, ch->buf);
        if ((o->ready && !was_ready) || (o->ended && !was_ended))
            (void)!write(ch->fd, "go\n", 3); /* a closed channel shows as a missing "end" */
        ch->len -= (size_t)(nl + 1 - ch->buf);
        memmove(ch->buf, nl + 1, ch->len);
    }
    if (ch->len == sizeof ch->buf - 1) /* a line longer than any real one */
        ch->len = 0;
    return 0;
}

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

static void read_sanitizer_log(const char *outdir, uid_t uid, struct obs *o)
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

/* The sanitizers write to files of their own that only the judge reads.
 * A thread never joined is the threads_joined check's: TSan's "thread
 * leak" is off, so one mistake costs one check. */
static void env_for(struct vec *env, const char *sock, const char *out, const char *extra)
{
    if (extra)
        vec_add(env, "%s", extra); /* JUDGE_TWICE, JUDGE_CALLER: for the hooks */
    vec_add(env, "PATH=/usr/bin:/bin");
    vec_add(env, "HOME=/tmp");
    vec_add(env, "LC_ALL=C");
    vec_add(env, "JUDGE_UNIX_SOCKET=%s", sock);
    vec_add(env, "ASAN_OPTIONS=log_path=%s/san:exitcode=66:detect_leaks=1:hard_rss_limit_mb=3000",
            out);
    vec_add(env, "UBSAN_OPTIONS=log_path=%s/san:exitcode=66:print_stacktrace=1", out);
    vec_add(env,
            "TSAN_OPTIONS=log_path=%s/san:exitcode=66:memory_limit_mb=3000:report_thread_leaks=0",
            out);
}

static void job_args(struct vec *a, const struct judge *jd, const struct obs *o)
{
    vec_add(a, "--url");
    vec_add(a, "http://localhost");
    vec_add(a, "-n");
    vec_add(a, "%d", o->n);
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
    vec_add(a, "--judge-fd");
    vec_add(a, "3");
    (void)jd;
}

/* The child: descriptors 0-4 in place, limits, the uid, then exec. */
static void exec_sandboxed(struct judge *jd, struct running *run, const struct obs *o, int chan,
                           int out, int info, const char *sockdir, const char *outdir)
{
    struct vec a = {0}, env = {0};
    int null = open("/dev/null", O_RDONLY);
    const char *bin = o->is_reference ? jd->reference : jd->bin[o->job->flavor];
    char sock[8192];

    if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
        dup2(chan, 3) < 0 || (info >= 0 && dup2(info, 4) < 0))
        _exit(126);
    for (int fd = 5; fd < 1024; fd++)
        close(fd);
    if (jd->sandboxed) {
        sandbox_argv(&a, bin, sockdir, outdir);
        vec_add(&a, "/judge/crawl");
        snprintf(sock, sizeof sock, "%s",
                 o->job->refused ? "/run/judge/nobody.sock" : SOCK_IN_SANDBOX);
        env_for(&env, sock, "/judge/out", o->job->env);
    } else {
        vec_add(&a, "%s", bin);
        snprintf(sock, sizeof sock, "%s/%s", sockdir,
                 o->job->refused ? "nobody.sock" : "server.sock");
        env_for(&env, sock, outdir, o->job->env);
    }
    job_args(&a, jd, o);
    if (drop_to(run->uid, o->job->flavor) != 0)
        _exit(126);
    execvpe(a.items[0], a.items, env.items);
    _exit(127);
}

static pid_t read_child_pid(int info_fd)
{
    char buf[512];
    ssize_t len = read(info_fd, buf, sizeof buf - 1);
    const char *p;

    if (len <= 0)
        return -1;
    buf[len] = '\0';
    p = strstr(buf, "\"child-pid\":");
    return p ? (pid_t)strtol(p + 12, NULL, 10) : -1;
}

/* A bomb: many threads alive for a while, burning CPU. The hooks refuse
 * forks and threads past their cap, but a bomb that loops on the failure
 * would spin until the time limit on every core the machine has. */
struct bomb_watch {
    double next, since, cpu_since;
};

static int is_bomb(struct bomb_watch *b, uid_t uid, struct obs *o)
{
    double t = now_s(), cpu;
    int tasks;

    if (t < b->next)
        return 0;
    b->next = t + 0.25;
    uid_load(uid, &tasks, &cpu);
    if (tasks < RUNAWAY_TASKS) {
        b->since = 0;
        return 0;
    }
    if (!b->since) {
        b->since = t;
        b->cpu_since = cpu;
        return 0;
    }
    if (t - b->since < RUNAWAY_S || (cpu - b->cpu_since) / (t - b->since) < RUNAWAY_CORES)
        return 0;
    o->runaway = tasks;
    return 1;
}

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
static void sample_switches(struct running *run, struct obs *o)
{
    int tids[MAX_TIDS];
    char path[64];
    int n;

    snprintf(path, sizeof path, "/proc/%d/task", (int)run->driver);
    n = list_dir_ints(path, tids, MAX_TIDS);
    for (int k = 0; k < n && k < MAX_TIDS; k++) {
        long sw = thread_switches(run->driver, tids[k]);
        int at = 0;

        while (at < run->ntids && run->tids[at] != tids[k])
            at++;
        if (at == run->ntids && run->ntids < MAX_TIDS)
            run->tids[run->ntids++] = tids[k];
        if (at < run->ntids && sw > run->switches[at]) {
            o->wakeups += sw - run->switches[at];
            run->switches[at] = sw;
        }
    }
}

/* Threads of the graded process while crawl_run runs, from /proc: a pool
 * shows its W threads, an event loop its one. */
static void sample_threads(struct running *run, struct obs *o)
{
    char path[64];
    int n;

    if (!o->ready || o->ended || run->driver <= 0)
        return;
    snprintf(path, sizeof path, "/proc/%d/task", (int)run->driver);
    n = list_dir_ints(path, NULL, 0);
    if (n > o->threads_peak)
        o->threads_peak = n;
    o->thread_samples++;
    if (strcmp(o->job->name, "regular") == 0 || strcmp(o->job->name, "uneven") == 0)
        sample_switches(run, o);
}

/* Poll the channel and the output until "end" and exit, or the limit. */
static void supervise(struct judge *jd, struct running *run, struct obs *o, int chan, int out,
                      int info)
{
    struct chan ch = {.fd = chan};
    double limit = run->t0 + JOB_LIMIT_S, exited_by = 0;
    int status, outfd = out, waited = 0;
    struct bomb_watch bomb = {0};

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
        if (is_bomb(&bomb, run->uid, o))
            break;
        sample_threads(run, o);
        if (poll(p, 3, left > 0.05 ? 50 : (int)(left * 1000) + 1) < 0 && errno != EINTR)
            break;
        if (p[2].revents) {
            run->init = read_child_pid(info);
            info = -1;
        }
        if (p[0].revents && chan_read(jd, run, o, &ch) != 0)
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
        job_kill_sandbox(jd); /* and reaps it: its exit status stays unknown (-1) */
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

void job_run(struct judge *jd, const struct job_shape *j, struct obs *o)
{
    static int serial_no;
    struct running run = {.uid = job_uid(), .port = -1};
    char jobdir[1024], sockdir[1100], outdir[1100], sock[1200];
    int chan[2] = {-1, -1}, out[2] = {-1, -1}, info[2] = {-1, -1}, port = -1;
    pid_t server = 0;
    unsigned char raw[16];

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
    if (j->delay_min != j->delay_max) /* the pool's total: a window of w, or all n */
        o->seed = uneven_seed((long)(jd->seed % 1000000) * 1000 + 1, o->n,
                              o->w == 0 || o->w > o->n ? o->n : o->w, o->procs, j->delay_min,
                              j->delay_max);
    o->rows = calloc((size_t)o->n + 1, sizeof *o->rows);
    o->fetched = calloc((size_t)o->n + 2, sizeof *o->fetched);
    if (!o->rows || !o->fetched) {
        broken(o, "out of memory");
        return;
    }
    snprintf(jobdir, sizeof jobdir, "%s/job%d-%s", jd->work, ++serial_no, j->name);
    snprintf(sockdir, sizeof sockdir, "%s/sock", jobdir);
    snprintf(outdir, sizeof outdir, "%s/out", jobdir);
    snprintf(sock, sizeof sock, "%s/server.sock", sockdir);
    if (mkdir_for(jobdir, 0755, 0) != 0 || mkdir_for(sockdir, 0755, 0) != 0 ||
        mkdir_for(outdir, 0700, run.uid) != 0) {
        broken(o, "cannot make %s: %s", jobdir, strerror(errno));
        return;
    }
    if (!j->refused && (port = server_start(jd, j, sock, &server, o)) < 0)
        goto done;
    run.port = port;
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        broken(o, "getrandom: %s", strerror(errno));
        goto done;
    }
    for (size_t k = 0; k < sizeof raw; k++)
        snprintf(run.nonce + 2 * k, 3, "%02x", raw[k]);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chan) != 0 ||
        pipe2(out, O_CLOEXEC) != 0 || pipe2(info, O_CLOEXEC) != 0) {
        broken(o, "socketpair/pipe: %s", strerror(errno));
        goto done;
    }
    run.t0 = o->t0 = now_s();
    run.sandbox = fork();
    if (run.sandbox < 0) {
        broken(o, "fork: %s", strerror(errno));
        goto done;
    }
    if (run.sandbox == 0)
        exec_sandboxed(jd, &run, o, chan[1], out[1], jd->sandboxed ? info[1] : -1, sockdir, outdir);
    jd->running_sandbox = run.sandbox;
    jd->running_uid = run.uid;
    run.init = jd->sandboxed ? -1 : run.sandbox;
    close(chan[1]);
    close(out[1]);
    close(info[1]);
    chan[1] = out[1] = info[1] = -1;
    dprintf(chan[0], "nonce %s\n", run.nonce);
    supervise(jd, &run, o, chan[0], out[0], jd->sandboxed ? info[0] : -1);
    jd->running_sandbox = 0;
    kill_uid(run.uid);
    reap_uid(run.uid);
    jd->running_uid = 0;
    read_sanitizer_log(outdir, run.uid, o);
    if (port > 0)
        server_read(port, o);
done:
    server_stop(jd, server);
    for (int k = 0; k < 2; k++) {
        if (chan[k] >= 0)
            close(chan[k]);
        if (out[k] >= 0)
            close(out[k]);
        if (info[k] >= 0)
            close(info[k]);
    }
    remove_tree(jobdir);
}

void obs_free(struct obs *o)
{
    free(o->rows);
    free(o->fetched);
    free(o->log);
}
