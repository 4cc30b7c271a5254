/* SPDX-License-Identifier: MIT */
/* util.c -- the judge's small shared helpers: the clock, an argument (or
 * environment) vector built in place, a job that could not be run, the
 * numbered entries of a /proc folder. */
#include "judge.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One more item, printf-style; a full vector takes no more, and an item
 * that does not fit is left out whole, never cut. */
void vec_add(struct vec *v, const char *fmt, ...)
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

void broken(struct obs *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(o->broken, sizeof o->broken, fmt, ap);
    va_end(ap);
}

/* The numeric names in a folder (/proc, /proc/PID/task, /proc/PID/fd):
 * how many, and the first max of them in out (if not NULL); -1 if it
 * cannot be read. */
int list_dir_ints(const char *path, int *out, int max)
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
