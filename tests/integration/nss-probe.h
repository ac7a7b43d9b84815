/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss-probe.h - what nss-probe.c and nss-module.c share.
 */
#ifndef NSS_PROBE_H
#define NSS_PROBE_H

/* Say why on stderr; returns 1, the exit status of a failed probe. */
int fail(const char *what);

/* "nss-probe module LIB ...": argv[0] is LIB (see nss-module.c). */
int probe_module(int argc, char **argv);

#endif
