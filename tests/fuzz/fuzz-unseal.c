/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-unseal.c - unseal_value() on arbitrary text, with a fixed key.
 *
 * Input: "NAME\nSEALED" (or just SEALED, for the name "alice").  Whatever
 * it is, unseal_value() returns 0, -EINVAL or -ERANGE and stays inside
 * its buffers; only values sealed with the fixed key below can open (the
 * corpus has some).  The input is also sealed and must unseal to itself.
 * The verdict (fuzz.h) is that of the first unseal_value().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (64 * 1024)

/* The corpus' key: bytes 0..31. */
static struct seal_key *fuzz_key(void)
{
        static struct seal_key *key;
        char dir[] = "/tmp/fuzz-unseal-XXXXXX", path[sizeof(dir) + 8], err[512];
        uint8_t bytes[SEAL_KEY_LEN];
        int fd;

        if (key)
                return key;
        for (size_t i = 0; i < sizeof(bytes); i++)
                bytes[i] = (uint8_t)i;
        if (!mkdtemp(dir))
                abort();
        snprintf(path, sizeof(path), "%s/key", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, bytes, sizeof(bytes)) != (ssize_t)sizeof(bytes) || close(fd) < 0)
                abort();
        if (seal_key_load(path, &key, err, sizeof(err)) < 0) {
                fprintf(stderr, "fuzz-unseal: %s\n", err);
                abort();
        }
        (void)unlink(path);
        (void)rmdir(dir);
        return key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct seal_key *k = fuzz_key();
        uint8_t out[2048], small[8];
        const char *name = "alice", *sealed;
        char *buf, *nl, *again;
        size_t n = SIZE_MAX, n2 = SIZE_MAX;
        int r, r2;

        if (size > INPUT_MAX)
                return 0;
        buf = malloc(size + 1);
        if (!buf)
                abort();
        memcpy(buf, data, size);
        buf[size] = '\0';
        sealed = buf;
        nl = memchr(buf, '\n', size);
        if (nl) {
                *nl = '\0';
                name = buf;
                sealed = nl + 1;
        }

        r = unseal_value(k, name, sealed, out, sizeof(out), &n);
        fuzz_report(r == 0);
        if (r != 0 && r != -EINVAL && r != -ERANGE)
                abort();
        if (r == 0 && n > sizeof(out))
                abort();
        if (r != 0 && n != SIZE_MAX)
                abort(); /* nothing reported on failure */
        if (strncmp(sealed, "v1$", 3) != 0 && r != -EINVAL)
                abort();
        /* a smaller buffer: the same verdict, or -ERANGE if it does not fit */
        r2 = unseal_value(k, name, sealed, small, sizeof(small), &n2);
        if (r == 0 ? (n <= sizeof(small) ? (r2 != 0 || n2 != n || memcmp(small, out, n) != 0) : r2 != -ERANGE)
                   : r2 != r)
                abort();

        /* the input as a payload comes back as it went in */
        again = seal_value(k, name, data, size);
        if (again) {
                r = unseal_value(k, name, again, out, sizeof(out), &n);
                if (r != 0 || n != size || memcmp(out, data, size) != 0)
                        abort();
                free(again);
        } else if (name[0] && strlen(name) <= 255 && size <= 1024)
                abort(); /* a name and payload seal_value() must take */

        free(buf);
        return 0;
}
