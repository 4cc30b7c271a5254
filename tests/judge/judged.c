/* SPDX-License-Identifier: MIT */
/* judged.c -- the graded program's end of the channel to tests/grade.sh's
 * judge (the records: channel.h), on the descriptor JUDGE_FD names in its
 * environment; linked only into graded builds. The driver's call of
 * crawl_run reaches hooks.c, which says "ready" and "end" through here.
 * The judge trusts none of it blindly: it checks the rows against the
 * delay-server's own counts. The nonce proves the lines came after the
 * judge started this run, not from a file made in advance; it is read
 * before any code of the model file runs (.preinit_array comes before
 * every constructor), so a constructor finds nothing left to read. */
#include "judged.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

struct judged_calls *judged_calls;
static char nonce[JUDGED_NONCE_MAX];
static int channel = -1;     /* JUDGE_FD: the channel's descriptor */
static int nonce_taken = -1; /* the descriptor it was read from, early */

/* One line from the judge, at most size-1 bytes, without the newline. */
static int read_line(int fd, char *line, size_t size)
{
    size_t len = 0;

    while (len + 1 < size) {
        char c;
        ssize_t got = read(fd, &c, 1); /* byte by byte: nothing read past the line */

        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        if (c == '\n') {
            line[len] = '\0';
            return 0;
        }
        line[len++] = c;
    }
    return -1;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t put = write(fd, buf, len);

        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        buf += put;
        len -= (size_t)put;
    }
    return 0;
}

static int say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int say(int fd, const char *fmt, ...)
{
    char line[JUDGED_LINE_MAX];
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (len < 0)
        return -1;
    return write_all(fd, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
}

/* Wait until the judge has looked and says "go". */
static int await_go(int fd)
{
    char line[16];

    return read_line(fd, line, sizeof line) == 0 && strcmp(line, "go") == 0 ? 0 : -1;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* Every sanitizer report ends with its one-line summary, which the runtime
 * hands here (this replaces its default, which only prints it). Counted
 * for the judge, who then knows of the report even if its log file is
 * gone by the time the program has exited. */
void __sanitizer_report_error_summary(const char *summary)
{
    if (judged_calls)
        __atomic_fetch_add(&judged_calls->sanitizer_reports, 1, __ATOMIC_RELAXED);
    (void)!write(STDERR_FILENO, "SUMMARY: ", 9);
    (void)!write(STDERR_FILENO, summary, strlen(summary));
    (void)!write(STDERR_FILENO, "\n", 1);
}
#endif

/* In the AddressSanitizer build: look for leaks now, when crawl_run has
 * returned, not only at exit, which an atexit handler could cut short. */
static void check_leaks_now(void)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)__lsan_do_recoverable_leak_check(); /* a leak is counted by the summary above */
#endif
}

/* Read "nonce X" from fd into nonce[]; 0 or -1. */
static int take_nonce(int fd)
{
    char line[JUDGED_NONCE_MAX + 8];

    if (read_line(fd, line, sizeof line) != 0 || strncmp(line, "nonce ", 6) != 0)
        return -1;
    snprintf(nonce, sizeof nonce, "%.*s", JUDGED_NONCE_MAX - 1, line + 6);
    return 0;
}

/* "JUDGE_FD=N": N, a descriptor 3..1023, or -1. */
static int fd_of(const char *value)
{
    char *end;
    long fd;

    if (!value)
        return -1;
    fd = strtol(value, &end, 10);
    return end != value && *end == '\0' && fd >= 3 && fd <= 1023 ? (int)fd : -1;
}

/* Runs before main and before every constructor: with JUDGE_FD=N in the
 * environment, take the nonce off the channel now. */
static void take_nonce_first(int argc, char **argv, char **envp)
{
    (void)argc;
    (void)argv;
    for (char **e = envp; e && *e; e++) {
        if (strncmp(*e, "JUDGE_FD=", 9) == 0) {
            channel = fd_of(*e + 9);
            if (channel >= 0 && take_nonce(channel) == 0)
                nonce_taken = channel;
            return;
        }
    }
}
__attribute__((section(".preinit_array"),
               used)) static void (*const take_nonce_entry)(int, char **,
                                                            char **) = take_nonce_first;

int judged_channel(void)
{
    if (channel < 0) /* no .preinit_array run (not glibc): the environment now */
        channel = fd_of(getenv("JUDGE_FD"));
    return channel;
}

int judged_begin(char *err, size_t errsize)
{
    int fd = judged_channel();
    void *page;

    if (nonce_taken != fd && take_nonce(fd) != 0) {
        snprintf(err, errsize, "JUDGE_FD=%d: no nonce from the judge", fd);
        return -1;
    }
    /* Shared, so the counts of forked workers add up here too. */
    page =
        mmap(NULL, sizeof *judged_calls, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        snprintf(err, errsize, "mmap: %s", strerror(errno));
        return -1;
    }
    judged_calls = page;
    if (say(fd, "ready %s\n", nonce) != 0 || await_go(fd) != 0) {
        snprintf(err, errsize, "JUDGE_FD=%d: the judge went away", fd);
        return -1;
    }
    return 0;
}

/* An error text on one line: no newline or control byte reaches the judge. */
static void one_line(const char *in, char *out, size_t size)
{
    size_t k = 0;

    for (; in[k] && k + 1 < size; k++)
        out[k] = (in[k] < ' ' || in[k] == 0x7f) ? ' ' : in[k];
    out[k] = '\0';
}

/* A record made by a channel.h formatter, sent whole or not at all. */
static int send_record(int fd, const char *line, int len)
{
    return len < 0 || len >= JUDGED_LINE_MAX ? -1 : write_all(fd, line, (size_t)len);
}

void judged_first(int bad)
{
    if (judged_channel() >= 0) /* lost, the judge sees no "first" line: it judges the rest */
        (void)say(judged_channel(), "first %d\n", bad);
}

int judged_end(const struct result *res, int n, int rc, char *err, size_t errsize)
{
    int fd = judged_channel();
    char line[JUDGED_LINE_MAX];
    int bad = 0;

    for (int i = 0; i < n && !bad; i++) {
        struct judged_row r = {.slot = i + 1,
                               .id = res[i].id,
                               .worker = res[i].worker,
                               .status = res[i].status,
                               .bytes = res[i].bytes,
                               .start_s = res[i].start_s,
                               .end_s = res[i].end_s,
                               .kind = res[i].kind};

        one_line(res[i].error, r.error, sizeof r.error);
        bad = send_record(fd, line, judged_row_format(line, sizeof line, &r));
    }
    check_leaks_now();
    if (!bad)
        bad = send_record(fd, line, judged_calls_format(line, sizeof line, judged_calls));
    if (bad || say(fd, "end %s %d\n", nonce, rc) != 0 || await_go(fd) != 0) {
        snprintf(err, errsize, "JUDGE_FD=%d: the judge went away", fd);
        return -1;
    }
    return 0;
}
