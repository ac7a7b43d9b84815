/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-main.c - replay a fuzz target's corpus without libFuzzer, so every
 * input that once mattered runs in the ordinary test suite (and under the
 * sanitizers).  Arguments are files or directories of inputs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
        FILE *f = fopen(path, "rbe");
        uint8_t *buf;
        size_t n;

        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        buf = malloc(1 << 20);
        if (!buf) {
                fclose(f);
                return -1;
        }
        n = fread(buf, 1, 1 << 20, f);
        fclose(f);
        /* an exact-size copy, so ASan sees reads past the input's end */
        uint8_t *exact = malloc(n ? n : 1);
        if (!exact) {
                free(buf);
                return -1;
        }
        memcpy(exact, buf, n);
        free(buf);
        (void)LLVMFuzzerTestOneInput(exact, n);
        free(exact);
        return 0;
}

int main(int argc, char **argv)
{
        unsigned ran = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (run_file(argv[i]) < 0)
                                return 1;
                        ran++;
                        continue;
                }
                DIR *d = opendir(argv[i]);
                struct dirent *de;
                if (!d)
                        return 1;
                while ((de = readdir(d))) {
                        char path[4096];
                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
                        if (run_file(path) < 0) {
                                closedir(d);
                                return 1;
                        }
                        ran++;
                }
                closedir(d);
        }
        printf("replayed %u inputs\n", ran);
        /* an empty corpus means the test checked nothing */
        return ran > 0 ? 0 : 1;
}
