/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-main.c - replay a fuzz target's corpus without libFuzzer, so every
 * input that once mattered runs in the ordinary test suite (and under the
 * sanitizers).  Arguments are files or directories of inputs.
 *
 * A corpus input's name says what the code under test must make of it
 * (README.md in this directory):
 *   ok-*     accepted (fuzz_report(true))
 *   bad-*    refused (fuzz_report(false))
 *   crash-*  no verdict asked: it once crashed or hung the target, and
 *            must now run through
 * Any other name is an error, so that no input escapes its check by its
 * name.  The replay fails at the end if any input broke its rule, after
 * naming every one that did.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define INPUT_MAX (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *verdict_name(enum fuzz_verdict v)
{
        switch (v) {
        case FUZZ_ACCEPTED:
                return "accepted";
        case FUZZ_REFUSED:
                return "refused";
        default:
                return "not judged";
        }
}

/* The verdict the name asks for; FUZZ_NONE for crash-* (any verdict).
 * -1 for a name outside the rule. */
static int wanted_verdict(const char *name, enum fuzz_verdict *ret)
{
        if (strncmp(name, "ok-", 3) == 0)
                *ret = FUZZ_ACCEPTED;
        else if (strncmp(name, "bad-", 4) == 0)
                *ret = FUZZ_REFUSED;
        else if (strncmp(name, "crash-", 6) == 0)
                *ret = FUZZ_NONE;
        else
                return -1;
        return 0;
}

/* Read @path into an exact-size buffer (so ASan sees reads past the
 * input's end); NULL on error, said on stderr. */
static uint8_t *read_input(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "rbe");
        uint8_t *buf, *exact;
        size_t n;

        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return NULL;
        }
        buf = malloc(INPUT_MAX + 1);
        if (!buf) {
                fclose(f);
                return NULL;
        }
        n = fread(buf, 1, INPUT_MAX + 1, f);
        fclose(f);
        if (n > INPUT_MAX) {
                fprintf(stderr, "%s: larger than %d bytes\n", path, INPUT_MAX);
                free(buf);
                return NULL;
        }
        exact = malloc(n ? n : 1);
        if (exact)
                memcpy(exact, buf, n);
        free(buf);
        *ret_len = n;
        return exact;
}

/* 0: the input ran and its verdict matched its name; 1: it ran and broke
 * its rule (said on stderr); -1: it could not be run. */
static int run_file(const char *path)
{
        enum fuzz_verdict want, got;
        char *copy = strdup(path);
        const char *name;
        uint8_t *data;
        size_t n = 0;
        int r;

        if (!copy)
                return -1;
        name = basename(copy);
        if (wanted_verdict(name, &want) < 0) {
                fprintf(stderr, "%s: the name must start with ok-, bad- or crash- (see README.md)\n", path);
                free(copy);
                return 1;
        }
        data = read_input(path, &n);
        if (!data) {
                free(copy);
                return -1;
        }
        (void)fuzz_take_verdict();
        (void)LLVMFuzzerTestOneInput(data, n);
        got = fuzz_take_verdict();
        free(data);
        r = want != FUZZ_NONE && got != want;
        if (r)
                fprintf(stderr, "%s: %s, but the name says %s\n", path, verdict_name(got), verdict_name(want));
        free(copy);
        return r;
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dot(const struct dirent *de)
{
        return de->d_name[0] != '.';
}

int main(int argc, char **argv)
{
        unsigned ran = 0, wrong = 0;

        for (int i = 1; i < argc; i++) {
                struct dirent **de;
                struct stat st;
                int n, r;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        r = run_file(argv[i]);
                        if (r < 0)
                                return 1;
                        wrong += (unsigned)r;
                        ran++;
                        continue;
                }
                /* in name order: the same run every time */
                n = scandir(argv[i], &de, skip_dot, cmp_names);
                if (n < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                for (int k = 0; k < n; k++) {
                        char path[4096];

                        if (snprintf(path, sizeof(path), "%s/%s", argv[i], de[k]->d_name) >= (int)sizeof(path))
                                r = -1;
                        else
                                r = run_file(path);
                        free(de[k]);
                        if (r < 0) {
                                while (++k < n)
                                        free(de[k]);
                                free(de);
                                return 1;
                        }
                        wrong += (unsigned)r;
                        ran++;
                }
                free(de);
        }
        printf("replayed %u inputs, %u against their name\n", ran, wrong);
        /* an empty corpus means the test checked nothing */
        return ran > 0 && wrong == 0 ? 0 : 1;
}
