/* SPDX-License-Identifier: MIT */
/* channel_reader.h -- the judge's end of the channel (channel_reader.c;
 * the records: channel.h). */
#ifndef CHANNEL_READER_H
#define CHANNEL_READER_H

#include "judge.h"

struct chan {
    int fd;            /* the judge's end of the socket pair */
    const char *nonce; /* this run's: "ready" and "end" must carry it */
    char buf[4096];
    size_t len;
};

enum chan_event {
    CHAN_RECORD, /* a record taken into the observation (or refused) */
    CHAN_READY,  /* "ready": the caller looks at the process, sets o->ready, says go */
    CHAN_END,    /* "end": the caller looks again, sets o->ended, says go */
};

/* Read what has arrived: 0, or -1 when the channel is closed. */
int chan_fill(struct chan *ch);

/* The next whole record in what has arrived: a row, the first call's bad
 * rows or the counted calls go into o (o->bad_rows counts rows that are
 * malformed, out of range or sent twice); "ready" and "end" with this
 * run's nonce, in their order, are returned as events. -1 when no whole
 * record is left. Anything out of order or not a record is ignored. */
int chan_next(struct chan *ch, struct obs *o);

/* Let the program go on after "ready" or "end". A closed channel shows
 * as a missing "end", so a failed write is not an error here. */
void chan_go(struct chan *ch);

#endif
