/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static bool log_stderr = true;
static int log_max = LOG_INFO;
static const char *log_ident = "sesame";

void log_open(const char *ident, bool to_stderr, int max_priority)
{
        log_ident = ident;
        log_stderr = to_stderr;
        log_max = max_priority;
        if (!to_stderr)
                openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void log_set_max_priority(int max_priority) { log_max = max_priority; }

bool log_is_stderr(void) { return log_stderr; }

void log_msg(int prio, const char *fmt, ...)
{
        va_list ap;
        char line[2048];

        if (prio > log_max)
                return;
        va_start(ap, fmt);
        (void)vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (log_stderr) {
                static const char *const names[] = { "emerg", "alert", "crit", "error",
                                                     "warning", "notice", "info", "debug" };
                /* one write per line so concurrent threads do not interleave */
                fprintf(stderr, "%s: %s: %s\n", log_ident, names[prio & 7], line);
        } else
                syslog(prio, "%s", line);
}
