/* SPDX-License-Identifier: MIT */
/* sandbox.h -- where a graded program runs, and how all of it is killed
 * (sandbox.c). */
#ifndef SANDBOX_H
#define SANDBOX_H

#include "judge.h"

#define SOCK_IN_SANDBOX "/run/judge/server.sock" /* the server's socket, inside */

/* One run of the program, as sandbox_exec starts it. */
struct sandbox_run {
    const char *bin;              /* the program */
    const struct vec *args;       /* its arguments */
    const char *hook_env;         /* one more NAME=VALUE for the hooks, or NULL */
    const char *sockdir, *outdir; /* the server's socket's folder; the output folder */
    int refused;                  /* the program's socket leads nowhere */
    uid_t uid;                    /* sandbox_uid()'s */
    enum flavor flavor;           /* the plain build also gets an address-space limit */
    int sandboxed;                /* in bubblewrap (else rlimits and the uid only) */
    int chan, out, info;          /* become 3, 1 and 2, 4 (info: -1 without bubblewrap) */
};

/* Is bubblewrap usable here (jd->sandbox_mode says if it must be)? Sets
 * jd->sandboxed and jd->sandbox_note; 0, or 3 when it is required and
 * cannot run. */
int sandbox_choose(struct judge *jd);

/* As root, a uid nobody else uses (RLIMIT_NPROC then counts only this
 * job's processes); else the judge's own. */
uid_t sandbox_uid(void);

/* In a forked child: run the program as s says. Never returns. */
void sandbox_exec(const struct sandbox_run *s) __attribute__((noreturn));

/* Read bubblewrap's info (--info-fd): the pid of its init, or -1. */
pid_t sandbox_init_pid(int info_fd);

/* The processes of a throw-away uid (none unless root made one). */
int sandbox_uid_pids(uid_t uid, int *out, int max);

/* Kill every process of a throw-away uid, wherever it hides; after a job,
 * reap those that came to the judge (a subreaper). Kill: async-signal-safe. */
void sandbox_kill_uid(uid_t uid);
void sandbox_reap_uid(uid_t uid);

#endif
