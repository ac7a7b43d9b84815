/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.h - logging for the helpers (sesamed, sesame-web, sesamectl).
 * To stderr in foreground mode, else to syslog (LOG_AUTHPRIV), which the
 * journal picks up.  The thin clients never use this: pam_sesame logs with
 * pam_syslog() and libnss_sesame stays silent.
 *
 * Never pass a secret.  Quote user-controlled strings with str_quote().
 */
#ifndef SESAME_LOG_H
#define SESAME_LOG_H

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

void log_open(const char *ident, bool to_stderr, int max_priority);
void log_set_max_priority(int max_priority);
/* true when log_msg() writes to standard error (foreground), not syslog */
bool log_is_stderr(void);
void log_msg(int prio, const char *fmt, ...) _printf_(2, 3);

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(fmt, ...) log_msg(LOG_DEBUG, "%s: " fmt, __func__, ##__VA_ARGS__)

#endif
