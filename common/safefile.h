/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * safefile.h - the one way Sesame reads a file it has to trust: the
 * configuration, the LDAP bind password file and the TOTP key file.
 * Every reader of those goes through here, so sesamed, "sesamed --check"
 * and "sesamectl check" accept and refuse the same files.
 *
 * The rules (sesame.conf(5), FILE PERMISSIONS):
 *  - the path is absolute and its last component is not a symbolic link
 *    (O_NOFOLLOW);
 *  - the file is a regular file: checked with fstat() on the open
 *    descriptor, so the file checked is the file read, and opened with
 *    O_NONBLOCK so that a FIFO planted there is refused, not waited on;
 *  - it is owned by root or by the effective uid of the reading process
 *    (sesamed runs as root, so in a deployment: root);
 *  - SAFEFILE_CONFIG: not writable by group or others;
 *    SAFEFILE_SECRET: no access at all for group or others;
 *  - it holds at most the caller's cap, also if it grows while it is read.
 *
 * What a file must contain (one line, exactly 32 bytes, ...) is the
 * caller's rule, not this module's.
 *
 * libc only, no logging: errors are "PATH: PROBLEM" in the caller's buffer.
 */
#ifndef SESAME_SAFEFILE_H
#define SESAME_SAFEFILE_H

#include <stddef.h>

enum safefile_policy {
        SAFEFILE_CONFIG, /* may be read by anyone, written only by its owner */
        SAFEFILE_SECRET, /* read and written only by its owner */
};

/**
 * safefile_read() - check a file and read all of it into a caller buffer.
 * @path:    absolute path
 * @policy:  SAFEFILE_CONFIG or SAFEFILE_SECRET
 * @buf:     where the content goes (not NUL-terminated); may be memory the
 *           caller has locked or protected, nothing is copied elsewhere
 * @size:    the cap: a file holding more than @size bytes is refused
 * @ret_len: bytes read, set only on success
 * @err, @errsize: on failure, one message naming @path and the rule broken
 *
 * On failure the bytes written to @buf are wiped.
 *
 * Return: 0; -EINVAL (relative path, a special file), -ELOOP (symbolic
 * link), -EISDIR, -EPERM (owner or mode), -EFBIG (more than @size bytes),
 * or another -errno from open() or read() (-ENOENT, -EACCES, ...).
 */
int safefile_read(const char *path, enum safefile_policy policy, void *buf, size_t size, size_t *ret_len,
                  char *err, size_t errsize) __attribute__((warn_unused_result));

/**
 * safefile_read_alloc() - safefile_read() into a new buffer.
 * @max:     the cap, as @size of safefile_read()
 * @ret:     a malloc'd copy with a NUL after the content, set only on
 *           success; free() it, and for a secret erase(*@ret, *@ret_len)
 *           first (the content may hold NUL bytes: not erase_and_free())
 * @ret_len: content length, without the NUL; may be NULL
 *
 * Return: as safefile_read(), or -ENOMEM.
 */
int safefile_read_alloc(const char *path, enum safefile_policy policy, size_t max, char **ret,
                        size_t *ret_len, char *err, size_t errsize) __attribute__((warn_unused_result));

#endif
