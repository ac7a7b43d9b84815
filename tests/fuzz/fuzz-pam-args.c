/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-pam-args.c - pam_sesame_parse_args() on arbitrary option words.
 * The input is split at newlines into argv (as a pam.d line is split into
 * words; NUL bytes end a word early, as they would in C).  On success
 * every role must lie inside its option word and be non-empty, and the
 * values within their documented ranges; on failure there must be a
 * message.  The verdict (fuzz.h) is pam_sesame_parse_args()'s.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pam_args.h"
#include "sesame-proto.h"

#define ARGS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *argv[ARGS_MAX];
        struct pam_sesame_args a;
        char err[256] = "";
        char *text = malloc(size + 1);
        int argc = 0, r;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        for (char *p = text; argc < ARGS_MAX;) {
                char *nl = memchr(p, '\n', (size_t)(text + size - p));

                argv[argc++] = p;
                if (!nl)
                        break;
                *nl = '\0';
                p = nl + 1;
        }
        r = pam_sesame_parse_args(argc, argv, &a, err, sizeof(err));
        fuzz_report(r == 0);
        if (r == 0) {
                if (a.totp_mode > SESAME_TOTP_REQUIRED || a.timeout_s < PAM_SESAME_TIMEOUT_MIN ||
                    a.timeout_s > PAM_SESAME_TIMEOUT_MAX || a.n_roles > PAM_SESAME_ROLES_MAX)
                        abort();
                for (size_t i = 0; i < a.n_roles; i++) {
                        const char *n = a.roles[i].name;
                        size_t len = a.roles[i].len;

                        if (len == 0 || n < text || n + len > text + size + 1)
                                abort();
                }
        } else if (r != -EINVAL || !err[0]) {
                abort();
        }
        free(text);
        return 0;
}
