/* SPDX-License-Identifier: MIT */
/* sandbox.c -- where a graded program runs: bubblewrap with every namespace
 * of its own (user, pid, mount, IPC, UTS, network: only a loopback inside),
 * no view of the suite, a private /tmp, read-only binaries and the server's
 * socket; rlimits and, when the judge is root, a throw-away uid. The pid
 * namespace guarantees that every process the job started is gone when its
 * first process ends or is killed; as root the uid finds any that hid. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SANDBOX_NPROC  300 /* processes and threads of the throw-away uid */
#define SANDBOX_NOFILE 4096
#define SANDBOX_FSIZE  (16L << 20)
#define SANDBOX_CPU_S  60
#define SANDBOX_AS     (4L << 30) /* plain builds only: sanitizers reserve terabytes */
#define UID_BASE       1000000

/* ---- the throw-away user ---- */

/* As root, every job runs as a uid nobody else uses: RLIMIT_NPROC then
 * counts only this job's processes, and a sweep by uid finds them all. */
uid_t sandbox_uid(void)
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

    if (jd->sandbox_mode != 'o' && run_quietly(probe, sandbox_uid()) == 0) {
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

/* ---- running the program ---- */

/* The sanitizers write to files of their own that only the judge reads.
 * A thread never joined is the threads_joined check's: TSan's "thread
 * leak" is off, so one mistake costs one check. */
static void env_for(struct vec *env, const char *sock, const char *out, const char *extra)
{
    if (extra)
        vec_add(env, "%s", extra); /* JUDGE_TWICE, _CALLER, _SPAWN_CAP, _JITTER: for the hooks */
    vec_add(env, "PATH=/usr/bin:/bin");
    vec_add(env, "HOME=/tmp");
    vec_add(env, "LC_ALL=C");
    vec_add(env, "JUDGE_UNIX_SOCKET=%s", sock);
    vec_add(env, "JUDGE_FD=3"); /* the channel (judged.c) */
    vec_add(env, "ASAN_OPTIONS=log_path=%s/san:exitcode=66:detect_leaks=1:hard_rss_limit_mb=3000",
            out);
    vec_add(env, "UBSAN_OPTIONS=log_path=%s/san:exitcode=66:print_stacktrace=1", out);
    vec_add(env,
            "TSAN_OPTIONS=log_path=%s/san:exitcode=66:memory_limit_mb=3000:report_thread_leaks=0",
            out);
}

/* In the child: descriptors in place (0 /dev/null, 1 and 2 the output, 3
 * the channel, 4 bubblewrap's info), limits, the uid, then exec. */
void sandbox_exec(const struct sandbox_run *s)
{
    struct vec a = {0}, env = {0};
    int null = open("/dev/null", O_RDONLY);
    char sock[8192];

    if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(s->out, 1) < 0 ||
        dup2(s->out, 2) < 0 || dup2(s->chan, 3) < 0 || (s->info >= 0 && dup2(s->info, 4) < 0))
        _exit(126);
    for (int fd = 5; fd < 1024; fd++)
        close(fd);
    if (s->sandboxed) {
        sandbox_argv(&a, s->bin, s->sockdir, s->outdir);
        vec_add(&a, "/judge/crawl");
        snprintf(sock, sizeof sock, "%s", s->refused ? "/run/judge/nobody.sock" : SOCK_IN_SANDBOX);
        env_for(&env, sock, "/judge/out", s->hook_env);
    } else {
        vec_add(&a, "%s", s->bin);
        snprintf(sock, sizeof sock, "%s/%s", s->sockdir,
                 s->refused ? "nobody.sock" : "server.sock");
        env_for(&env, sock, s->outdir, s->hook_env);
    }
    for (int k = 0; k < s->args->n; k++)
        vec_add(&a, "%s", s->args->items[k]);
    if (drop_to(s->uid, s->flavor) != 0)
        _exit(126);
    execvpe(a.items[0], a.items, env.items);
    _exit(127);
}

/* bubblewrap's info (--info-fd): the pid of its init, outside. */
pid_t sandbox_init_pid(int info_fd)
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

/* ---- every process of the job, wherever it hides ---- */

/* The processes of a throw-away uid (only root made one: else none). */
int sandbox_uid_pids(uid_t uid, int *out, int max)
{
    static _Thread_local int pids[65536]; /* lanes look at once */
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
void sandbox_kill_uid(uid_t uid)
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

/* Kill the running job's sandbox and everything of its uid; reap the
 * sandbox. Async-signal-safe. */
void job_kill_sandbox(struct lane *lane)
{
    pid_t sandbox = lane->sandbox;

    if (sandbox > 0) {
        kill(-sandbox, SIGKILL); /* its session */
        kill(sandbox, SIGKILL);
    }
    sandbox_kill_uid(lane->uid);
    if (sandbox > 0)
        while (waitpid(sandbox, NULL, 0) < 0 && errno == EINTR)
            ;
}

/* Ctrl-C or kill: the jobs, their servers, and every child the judge has
 * (orphans of the sandbox come to it: it is their subreaper), reaped, so
 * nothing of the job outlives the judge. Async-signal-safe. */
void job_kill_all(struct judge *jd)
{
    const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};

    for (int k = 0; k < jd->nlanes; k++) {
        job_kill_sandbox(&jd->lanes[k]);
        if (jd->lanes[k].server > 0)
            kill(jd->lanes[k].server, SIGKILL);
    }
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
void sandbox_reap_uid(uid_t uid)
{
    static _Thread_local int pids[4096];
    const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};

    for (int tries = 0; tries < 200; tries++) {
        int n = sandbox_uid_pids(uid, pids, 4096);

        if (n == 0)
            return;
        for (int k = 0; k < n; k++)
            waitpid(pids[k], NULL, WNOHANG); /* not ours yet, or still dying: next round */
        nanosleep(&tick, NULL);
    }
}
