/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * macro.h - small language helpers shared by every component: cleanup
 * attributes (GCC/clang accept __attribute__((cleanup)) under -std=c11),
 * steal_pointer(), and wiping of secrets.
 */
#ifndef SESAME_MACRO_H
#define SESAME_MACRO_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _wur_ __attribute__((warn_unused_result))
#define _public_ __attribute__((visibility("default")))
#define _always_inline_ inline __attribute__((always_inline))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline void freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                (void)close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

/* Take ownership: returns *pp and sets *pp to NULL. */
#define steal_pointer(pp)                       \
        ({                                      \
                __typeof__(*(pp)) _tmp = *(pp); \
                *(pp) = NULL;                   \
                _tmp;                           \
        })
#define steal_fd(fdp)              \
        ({                         \
                int _fd = *(fdp);  \
                *(fdp) = -1;       \
                _fd;               \
        })

/* Wipe a secret; the compiler may not optimise explicit_bzero() away. */
static inline void erase(void *p, size_t n)
{
        if (p)
                explicit_bzero(p, n);
}
static inline void erase_string(char *s)
{
        if (s)
                explicit_bzero(s, strlen(s));
}
static inline char *erase_and_free(char *s)
{
        erase_string(s);
        free(s);
        return NULL;
}
static inline void erase_and_freep(char **s) { erase_and_free(*s); }
#define _cleanup_erase_ _cleanup_(erase_and_freep)

#endif
