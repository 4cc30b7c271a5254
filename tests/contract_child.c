/* SPDX-License-Identifier: MIT */
/* contract_child.c -- crawl_run() in a forked child, judged from outside.
 * The child counts the model's threads, forks and easy handles (ld --wrap),
 * reads /proc/self before and after, and leaves everything in a page mapped
 * shared; the parent enforces the time limit, kills bombs and reaps the
 * whole process group. Results travel in the shared page, not a pipe: a
 * model that leaves workers holding a pipe open cannot stall the parent.
 * Run as root, the child becomes nobody under a process limit just before
 * crawl_run (drop_root). */
#include "contract_child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUTPUT_MAX   (4L << 20) /* bytes a child may print: more is garbage */
#define EXIT_GRACE_S 10.0       /* after crawl_run returns: LeakSanitizer's scan */
#define POLL_US      10000      /* how often the parent looks at the child */
#define CHILD_SETUP  70         /* exit status: could not set up (shared setup_error says why) */
#define NOBODY_ID    65534      /* uid and gid "nobody": who runs the model when we are root */
#define NOBODY_NPROC 512        /* nobody's threads and processes: the kernel's cap on a bomb */

/* The page the child fills and the parent reads after the child ended. */
struct shared {
    int done;              /* set last, by the child that ran the job (release/acquire) */
    char setup_error[160]; /* set when the child could not start crawl_run, or "" */
    pid_t leader;
    int rc;
    double wall_s;
    struct hygiene before, after;
    struct calls calls;
    struct result res[]; /* copied in after crawl_run: the model's own array is private */
};

static struct calls *g_calls; /* the running child's counters; NULL in the test process */

/* Signals cmocka catches in the test process; the child restores the
 * handlers from before cmocka (a sanitizer's, or the default). */
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT};
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])
static struct sigaction crash_actions[NCRASH];

/* ---- the calls a model makes, counted (ld --wrap=SYMBOL) ---- */

#define COUNT(field)                                                                               \
    do {                                                                                           \
        if (g_calls)                                                                               \
            __atomic_fetch_add(&g_calls->field, 1, __ATOMIC_RELAXED);                              \
    } while (0)

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __real_pthread_join(pthread_t t, void **ret);
int __real_pthread_detach(pthread_t t);
pid_t __real_fork(void);
CURL *__real_curl_easy_init(void);
CURL *__real_curl_easy_duphandle(CURL *easy);
void __real_curl_easy_cleanup(CURL *easy);

/* Past CONTRACT_RUNAWAY_TASKS the wrappers refuse, as a process limit
 * would (EAGAIN): root ignores RLIMIT_NPROC, and a bomb must not use up the
 * machine's pids in the moments before the parent sees it. */
static int over_cap(int *started)
{
    return __atomic_add_fetch(started, 1, __ATOMIC_RELAXED) > CONTRACT_RUNAWAY_TASKS;
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    if (g_calls && over_cap(&g_calls->threads_created))
        return EAGAIN;
    return __real_pthread_create(t, a, fn, arg);
}

int __wrap_pthread_join(pthread_t t, void **ret)
{
    int rc = __real_pthread_join(t, ret);

    if (rc == 0)
        COUNT(threads_joined);
    return rc;
}

int __wrap_pthread_detach(pthread_t t)
{
    int rc = __real_pthread_detach(t);

    if (rc == 0)
        COUNT(threads_detached);
    return rc;
}

pid_t __wrap_fork(void)
{
    if (g_calls && over_cap(&g_calls->forks)) {
        errno = EAGAIN;
        return -1;
    }
    return __real_fork();
}

CURL *__wrap_curl_easy_init(void)
{
    CURL *easy = __real_curl_easy_init();

    if (easy)
        COUNT(easy_inits);
    return easy;
}

CURL *__wrap_curl_easy_duphandle(CURL *easy)
{
    CURL *copy = __real_curl_easy_duphandle(easy);

    if (copy)
        COUNT(easy_inits);
    return copy;
}

void __wrap_curl_easy_cleanup(CURL *easy)
{
    if (easy)
        COUNT(easy_cleanups);
    __real_curl_easy_cleanup(easy);
}

/* ---- /proc ---- */

/* Entries in a /proc directory (not . and ..), or -1. */
static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* The children of every thread of pid, into kids[]; how many (at most max). */
static int read_children(pid_t pid, pid_t *kids, int max)
{
    char path[320];
    DIR *d;
    struct dirent *e;
    int n = 0;

    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    if (!(d = opendir(path)))
        return 0;
    while ((e = readdir(d)) && n < max) {
        FILE *f;
        int kid;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%s/children", (int)pid, e->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        while (n < max && fscanf(f, "%d", &kid) == 1)
            kids[n++] = kid;
        fclose(f);
    }
    closedir(d);
    return n;
}

/* Threads of pid and of all its descendants; stops counting past the cap. */
static int tree_tasks(pid_t pid, int sofar)
{
    char path[64];
    pid_t kids[CONTRACT_RUNAWAY_TASKS + 1];
    int n, threads;

    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    threads = count_dir(path);
    sofar += threads > 0 ? threads : 0;
    n = read_children(pid, kids, CONTRACT_RUNAWAY_TASKS + 1);
    for (int k = 0; k < n && sofar <= CONTRACT_RUNAWAY_TASKS; k++)
        sofar = tree_tasks(kids[k], sofar);
    return sofar;
}

/* ---- the child ---- */

static void hygiene_read(struct hygiene *h)
{
    h->threads = count_dir("/proc/self/task");
    h->fds = count_dir("/proc/self/fd") - 1; /* the directory's own fd */
}

/* A thread that was just joined can linger in /proc for a moment; give it
 * 200 ms. Then reap what the model left: each reaped child was a zombie. */
static void hygiene_after(const struct hygiene *before, struct hygiene *after)
{
    int status;
    pid_t r;

    for (int tries = 0; tries < 40; tries++) {
        hygiene_read(after);
        if (after->threads <= before->threads && after->fds <= before->fds)
            break;
        usleep(5000);
    }
    after->zombies = 0;
    while ((r = waitpid(-1, &status, WNOHANG)) > 0)
        after->zombies++;
    if (r == 0) {
        pid_t kids[64];

        after->alive = read_children(getpid(), kids, 64);
    } else {
        after->alive = 0;
    }
}

/* Own process group (the parent kills it whole), own output (garbage stays
 * out of the test's report), a cap on that output, the default crash
 * handlers (cmocka's would resume the test loop inside the child). */
static void child_isolate(int log_fd)
{
    struct rlimit fsize = {OUTPUT_MAX, OUTPUT_MAX};
    int null_fd = open("/dev/null", O_RDONLY);

    setpgid(0, 0);
    for (size_t k = 0; k < NCRASH; k++)
        sigaction(crash_signals[k], &crash_actions[k], NULL);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        close(null_fd);
    }
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close(log_fd);
    setrlimit(RLIMIT_FSIZE, &fsize);
}

static void *idle_cb(void *arg)
{
    return arg;
}

/* A thread started and joined before counting: a sanitizer's helper thread,
 * started with the first thread, then exists before and after. */
static void warm_up(void)
{
    pthread_t t;

    if (__real_pthread_create(&t, NULL, idle_cb, NULL) == 0)
        __real_pthread_join(t, NULL);
}

/* As root, become nobody, limited to NOBODY_NPROC threads and processes.
 * Root ignores RLIMIT_NPROC, so the only cap was the counters above, which
 * syscall(SYS_clone), vfork, posix_spawn or system() bypass; the kernel's
 * limit holds whatever the model calls. Runs at the same time share
 * nobody's count, hence a cap well above CONTRACT_RUNAWAY_TASKS (where the
 * parent kills). Not as a normal user: there RLIMIT_NPROC counts all the
 * user's processes (the test's own, a shell's), a wrong cap both ways.
 * What the child uses afterwards stays usable: descriptors already open
 * (output, sockets), the shared page, its own /proc/self; the parent,
 * still root, kills and reaps it all. 0, or -1 with why in err. */
static int drop_root(char *err, size_t size)
{
    struct rlimit nproc = {NOBODY_NPROC, NOBODY_NPROC};
    const char *call = NULL;

    if (geteuid() != 0)
        return 0;
    if (setgroups(0, NULL) != 0)
        call = "setgroups";
    else if (setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) != 0)
        call = "setresgid";
    else if (setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) != 0)
        call = "setresuid";
    else if (getuid() != NOBODY_ID || geteuid() != NOBODY_ID || getegid() != NOBODY_ID)
        call = "(uid or gid not changed)", errno = EPERM;
    else if (setrlimit(RLIMIT_NPROC, &nproc) != 0)
        call = "setrlimit(RLIMIT_NPROC)";
    if (!call)
        return 0;
    snprintf(err, size, "cannot run the model as nobody (uid %d) under a process limit: %s: %s",
             NOBODY_ID, call, strerror(errno));
    return -1;
}

static void child_main(const struct job *job, struct shared *sh, int log_fd)
{
    struct result *res;
    double t0;

    child_isolate(log_fd);
    warm_up();
    sh->leader = getpid();
    hygiene_read(&sh->before);
    if (!(res = results_new(job->n))) {
        snprintf(sh->setup_error, sizeof sh->setup_error, "no memory for %d rows", job->n);
        _exit(CHILD_SETUP);
    }
    if (drop_root(sh->setup_error, sizeof sh->setup_error) != 0)
        _exit(CHILD_SETUP);
    g_calls = &sh->calls;
    t0 = clock_now();
    sh->rc = crawl_run(job, res);
    sh->wall_s = clock_now() - t0;
    if (getpid() != sh->leader) { /* a forked worker came back here */
        COUNT(strays);
        _exit(0);
    }
    g_calls = NULL;
    hygiene_after(&sh->before, &sh->after);
    memcpy(sh->res, res, (size_t)job->n * sizeof *res);
    free(res);
    __atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
    exit(0); /* not _exit: LeakSanitizer and ThreadSanitizer report at exit */
}

/* ---- the parent ---- */

/* Kill the child's whole group, then reap the group's orphans, which
 * PR_SET_CHILD_SUBREAPER made ours. */
static void kill_and_reap(pid_t pid)
{
    kill(-pid, SIGKILL);
    while (waitpid(-pid, NULL, 0) > 0)
        ;
}

/* Children of ours not in keep[]: orphans of the run that left its process
 * group (setsid) and came to us as subreaper. Kill and reap them while we
 * can; after we exit they would be init's zombies. Their own children come
 * to us in turn, hence the rounds. */
static void reap_escaped(const pid_t *keep, int nkeep)
{
    for (int round = 0; round < 16; round++) {
        pid_t kids[64];
        int n = read_children(getpid(), kids, 64), extra = 0;

        for (int k = 0; k < n; k++) {
            int kept = 0;

            for (int j = 0; j < nkeep; j++)
                kept |= kids[k] == keep[j];
            if (!kept && kill(kids[k], SIGKILL) == 0 && waitpid(kids[k], NULL, 0) > 0)
                extra++;
        }
        if (!extra)
            return;
    }
}

/* Wait for the child within the limit; give up on it when it hangs, or
 * when its threads and processes pass the cap. */
static void parent_wait(pid_t pid, const struct shared *sh, struct run *run)
{
    double deadline = clock_now() + run->limit_s, exit_by = 0;
    pid_t r;

    while ((r = waitpid(pid, &run->status, WNOHANG)) == 0) {
        double now = clock_now();

        if (!exit_by && __atomic_load_n(&sh->done, __ATOMIC_ACQUIRE))
            exit_by = now + EXIT_GRACE_S;
        if (sh->calls.forks + sh->calls.threads_created > CONTRACT_RUNAWAY_TASKS ||
            tree_tasks(pid, 0) > CONTRACT_RUNAWAY_TASKS) {
            run->end = RUN_RUNAWAY;
            break;
        }
        if (now > (exit_by ? exit_by : deadline)) {
            run->end = exit_by ? RUN_DIED_AFTER : RUN_HUNG;
            break;
        }
        usleep(POLL_US);
    }
    kill(-pid, SIGKILL);
    if (r == 0)
        waitpid(pid, &run->status, 0);
    kill_and_reap(pid);
}

static void classify_end(const struct shared *sh, struct run *run)
{
    int st = run->status;

    if (run->end == RUN_RUNAWAY || run->end == RUN_HUNG || run->end == RUN_DIED_AFTER)
        return;
    if (sh->done)
        run->end = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? RUN_RETURNED : RUN_DIED_AFTER;
    else if (sh->setup_error[0] && WIFEXITED(st) && WEXITSTATUS(st) == CHILD_SETUP)
        run->end = RUN_NO_START;
    else
        run->end = WIFSIGNALED(st) ? RUN_CRASHED : RUN_EXITED;
}

/* Printable ASCII only: a student's output must not forge report lines. */
static void printable(char *s)
{
    for (; *s; s++) {
        if ((*s < ' ' || *s > '~') && *s != '\n')
            *s = '?';
    }
}

static int is_sanitizer_line(const char *line)
{
    return strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
           strstr(line, "WARNING: ThreadSanitizer") || strstr(line, "ERROR: ThreadSanitizer") ||
           strstr(line, "runtime error:");
}

/* "==12==ERROR: AddressSanitizer: ..." or "WARNING: ThreadSanitizer: data
 * race (pid=12)": from the sanitizer's name, without the pid, in place. */
static const char *sanitizer_headline(char *line)
{
    char *at = line, *cut;

    if ((cut = strstr(line, "ERROR: ")))
        at = cut + strlen("ERROR: ");
    else if ((cut = strstr(line, "WARNING: ")))
        at = cut + strlen("WARNING: ");
    at[strcspn(at, "\n")] = '\0';
    if ((cut = strstr(at, " (pid=")))
        *cut = '\0';
    return at;
}

/* The first sanitizer report line, and the output from there (or from the
 * start when no sanitizer spoke). */
static void read_output(int log_fd, struct run *run)
{
    FILE *f = fdopen(dup(log_fd), "r");
    char line[512];
    long from = 0, pos = 0;
    size_t got;

    run->sanitizer[0] = run->output[0] = '\0';
    if (!f)
        return;
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        if (is_sanitizer_line(line)) {
            snprintf(run->sanitizer, sizeof run->sanitizer, "%.*s", (int)sizeof run->sanitizer - 1,
                     sanitizer_headline(line));
            from = pos;
            break;
        }
        pos = ftell(f);
    }
    fseek(f, from, SEEK_SET);
    got = fread(run->output, 1, sizeof run->output - 1, f);
    run->output[got] = '\0';
    printable(run->output);
    printable(run->sanitizer);
    fclose(f);
}

int contract_init(void)
{
    for (size_t k = 0; k < NCRASH; k++)
        sigaction(crash_signals[k], NULL, &crash_actions[k]);
    return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 0 : -1;
}

static void take_report(const struct shared *sh, int n, struct run *run)
{
    run->calls = sh->calls;
    snprintf(run->setup_error, sizeof run->setup_error, "%s", sh->setup_error);
    if (!sh->done)
        return;
    run->rc = sh->rc;
    run->wall_s = sh->wall_s;
    run->before = sh->before;
    run->after = sh->after;
    run->res = malloc((size_t)n * sizeof *run->res + 1);
    if (run->res)
        memcpy(run->res, sh->res, (size_t)n * sizeof *run->res);
}

int contract_run(const struct job *job, double limit_s, struct run *run)
{
    size_t size = sizeof(struct shared) + (size_t)job->n * sizeof(struct result);
    struct shared *sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int log_fd = memfd_create("contract-output", MFD_CLOEXEC), nkeep;
    pid_t pid, keep[64];

    memset(run, 0, sizeof *run);
    run->limit_s = limit_s;
    if (sh == MAP_FAILED || log_fd < 0)
        goto fail;
    nkeep = read_children(getpid(), keep, 64); /* the delay-servers */
    fflush(NULL); /* or the child would print our buffered output again */
    if ((pid = __real_fork()) < 0)
        goto fail;
    if (pid == 0)
        child_main(job, sh, log_fd);
    setpgid(pid, pid); /* as the child does: no window where a kill misses */
    parent_wait(pid, sh, run);
    reap_escaped(keep, nkeep);
    classify_end(sh, run);
    take_report(sh, job->n, run);
    read_output(log_fd, run);
    close(log_fd);
    munmap(sh, size);
    return 0;
fail:
    if (log_fd >= 0)
        close(log_fd);
    if (sh != MAP_FAILED)
        munmap(sh, size);
    return -1;
}

void contract_run_free(struct run *run)
{
    free(run->res);
    run->res = NULL;
}

static const char *signal_text(int sig, char *buf, size_t size)
{
    const char *abbrev = sigabbrev_np(sig);

    if (sig == SIGXFSZ)
        snprintf(buf, size, "printed more than %ld MB and was stopped (SIGXFSZ)", OUTPUT_MAX >> 20);
    else
        snprintf(buf, size, "crashed with SIG%s (%s)", abbrev ? abbrev : "?", strsignal(sig));
    return buf;
}

/* How a run that did not return cleanly ended, in one line. */
static void end_text(const struct run *run, char *buf, size_t size)
{
    char sig[96];
    int st = run->status;

    if (run->end == RUN_NO_START)
        snprintf(buf, size, "internal: %s", run->setup_error);
    else if (run->end == RUN_CRASHED)
        snprintf(buf, size, "%s before crawl_run returned",
                 signal_text(WTERMSIG(st), sig, sizeof sig));
    else if (run->end == RUN_EXITED)
        snprintf(buf, size,
                 "the process exited (status %d) before crawl_run returned: exit() ends every "
                 "thread; a forked worker should call _exit()",
                 WEXITSTATUS(st));
    else if (run->end == RUN_HUNG)
        snprintf(buf, size,
                 "crawl_run did not return within %.0f s: a deadlock, or a worker that never ends?",
                 run->limit_s);
    else if (run->end == RUN_RUNAWAY)
        snprintf(buf, size,
                 "started more than %d threads and processes: a fork or thread bomb (stopped)",
                 CONTRACT_RUNAWAY_TASKS);
    else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
        snprintf(buf, size,
                 "crawl_run returned, but the process did not end within %.0f s: a thread or "
                 "child still running kept it alive",
                 EXIT_GRACE_S);
    else if (WIFSIGNALED(st))
        snprintf(buf, size, "crawl_run returned, then the process %s",
                 signal_text(WTERMSIG(st), sig, sizeof sig));
    else
        snprintf(buf, size,
                 "crawl_run returned, then the process exited with status %d: a thread still "
                 "running?",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

const char *contract_run_problem(const struct run *run, char *buf, size_t size)
{
    if (run->sanitizer[0])
        snprintf(buf, size, "%s (see the sanitizer report)", run->sanitizer);
    else if (run->calls.strays)
        snprintf(buf, size,
                 "a forked worker returned from crawl_run into the caller's code: "
                 "end every child with _exit()");
    else if (run->end == RUN_RETURNED)
        return NULL;
    else
        end_text(run, buf, size);
    return buf;
}
