/* SPDX-License-Identifier: MIT */
/* channel_reader.c -- the judge's end of the channel: the records the
 * graded program's driver sends (channel.h, written by judged.c) taken
 * into the observation. Nothing here is believed on its own: "ready" and
 * "end" must carry this run's nonce, and the rows are checked against the
 * server's own counts by the checks. */
#include "channel_reader.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int chan_fill(struct chan *ch)
{
    ssize_t got;

    if (ch->len == sizeof ch->buf - 1) /* a line longer than any real one */
        ch->len = 0;
    got = read(ch->fd, ch->buf + ch->len, sizeof ch->buf - 1 - ch->len);
    if (got <= 0)
        return -1;
    ch->len += (size_t)got;
    ch->buf[ch->len] = '\0';
    return 0;
}

/* "row SLOT ...": res[SLOT - 1] as the driver found it, kept in its slot;
 * the id it holds says whether it is the right row there. */
static void take_row(struct obs *o, const char *line)
{
    struct judged_row r;

    if (judged_row_parse(line, &r) != 0 || r.slot < 1 ||
        r.slot > (o->rows_room ? o->rows_room : o->n) || o->rows[r.slot - 1].slot) {
        o->bad_rows++;
        return;
    }
    o->rows[r.slot - 1] = r;
}

/* One record (its newline cut); an event, or CHAN_RECORD. */
static int take(struct chan *ch, struct obs *o, const char *line)
{
    char word[48];
    int rc;

    if (strncmp(line, "ready ", 6) == 0 && !o->ready && strcmp(line + 6, ch->nonce) == 0)
        return CHAN_READY;
    if (!o->ready || o->ended)
        return CHAN_RECORD;
    if (strncmp(line, "row ", 4) == 0) {
        take_row(o, line);
    } else if (strncmp(line, "first ", 6) == 0) {
        if (sscanf(line + 6, "%d", &o->first_bad) != 1)
            o->first_bad = -1;
    } else if (strncmp(line, "calls ", 6) == 0) {
        o->calls_seen = judged_calls_parse(line, &o->calls) == 0;
    } else if (strncmp(line, "end ", 4) == 0 && sscanf(line + 4, "%47s %d", word, &rc) == 2 &&
               strcmp(word, ch->nonce) == 0) {
        o->crawl_rc = rc;
        return CHAN_END;
    }
    return CHAN_RECORD;
}

int chan_next(struct chan *ch, struct obs *o)
{
    char *nl = memchr(ch->buf, '\n', ch->len);
    int event;

    if (!nl)
        return -1;
    *nl = '\0';
    event = take(ch, o, ch->buf);
    ch->len -= (size_t)(nl + 1 - ch->buf);
    memmove(ch->buf, nl + 1, ch->len);
    ch->buf[ch->len] = '\0';
    return event;
}

void chan_go(struct chan *ch)
{
    (void)!write(ch->fd, "go\n", 3);
}
