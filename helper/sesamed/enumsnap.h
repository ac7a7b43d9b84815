/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enumsnap.h - snapshots of whole enumerations (doc/enumeration.md).
 *
 * A pass of getent passwd or getent group that sesamed streams from the
 * directory is also written, frame for frame as sent, to a file under
 * SESAME_RUNDIR; when the pass ends complete the file is renamed into
 * place, and for cache_ttl the next passes are streamed from it instead
 * of the directory.  Only sesamed writes and reads these files (root's,
 * mode 0600); the NSS module sees the same frames on nss.sock as ever.
 *
 * Memory: the files live in /run (tmpfs).  A pass larger than
 * [nss] enum_cache_mb is not kept; one pass per list is written at a
 * time, so the files take at most twice that per list.
 *
 * A reader trusts nothing it has not checked: the header (this sesamed's
 * instance and flush generation, the list, the expiry, the length equal
 * to the file's) and a BLAKE2b hash of the whole body, checked before
 * the first byte is sent.  A file that fails is removed and the pass
 * goes to the directory.
 */
#ifndef SESAMED_ENUMSNAP_H
#define SESAMED_ENUMSNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum snap_list { SNAP_PASSWD, SNAP_GROUP, SNAP__LISTS };

#define SNAP_PATH_PASSWD SESAME_RUNDIR "/enum-passwd"
#define SNAP_PATH_GROUP SESAME_RUNDIR "/enum-group"

struct snap_writer;

/* Where the snapshots live (tests: another directory; NULL: the default,
 * SESAME_RUNDIR).  Before any other call. */
void snap_set_dir(const char *dir);

/**
 * snap_begin() - start writing a snapshot of @list.
 * @max: bytes the body may take; 0: none is kept
 *
 * Return: a writer, or NULL when none is written (off, another pass of
 * @list is being written, or the file could not be created: logged).
 */
struct snap_writer *snap_begin(enum snap_list list, uint64_t max);

/* The next bytes of the pass, as sent.  A pass that outgrows its @max,
 * or a failed write, ends the snapshot quietly (the pass goes on). */
void snap_write(struct snap_writer *w, const uint8_t *data, size_t len);

/* The pass ended complete: the file goes into place, valid until
 * @expires (now_ms() clock), unless a flush came in between.  Frees @w. */
void snap_commit(struct snap_writer *w, int64_t expires);

/* The pass did not end complete: the file is removed.  Frees @w; NULL is
 * a no-op. */
void snap_abort(struct snap_writer *w);

/* Sends the next bytes of a snapshot; 0 or -errno. */
typedef int (*snap_send_fn)(const uint8_t *data, size_t len, void *userdata);

/**
 * snap_serve() - stream the snapshot of @list through @send.
 * @stale: an expired snapshot will do (the directory cannot answer)
 * @sent:  set when any byte was handed to @send
 *
 * Return: 0 when the whole snapshot was sent; -ENOENT when there is none
 * to send (none, expired, or it failed a check: nothing was sent); or
 * an error of @send or of reading the file after bytes were sent.
 */
int snap_serve(enum snap_list list, bool stale, snap_send_fn send, void *userdata, bool *sent);

/* Forget every snapshot: a flush, a reload, a start or a stop.  Passes
 * being written when this is called are not kept either. */
void snap_flush(void);

#endif
