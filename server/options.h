/* SPDX-License-Identifier: MIT */
/* options.h -- delay-server's command line into srv->cfg. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>

#include "state.h"

/* 0: run; 1: --help or --version printed; -1: usage error, said in err
 * (one line, naming the flag and its range). */
int options_parse(struct srv_config *cfg, int argc, char **argv, char *err, size_t errsz);

#endif
