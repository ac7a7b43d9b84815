/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spool.h - sesamed's side of the mail spool ([mail] spool_dir): sesamed
 * decides that a mail is due and leaves it here; sesame-web's sender
 * renders it from its template and delivers it.  sesamed never speaks
 * SMTP, and a mail written here survives an SMTP outage and restarts.
 *
 * Layout (created when missing):
 *   SPOOL        root, 0755  (nobody else can replace what is below)
 *   SPOOL/tmp    root, 0700  where a message is written and fsync'd
 *   SPOOL/new    the [web] user, 0700: the sender reads and deletes here
 * A message appears in new/ by rename(2) from tmp/, so the sender never
 * sees half a file; its name is "<epoch seconds>.<32 hex digits>", so
 * names sort by age and never collide.
 *
 * A message is a few "Key: value" lines, the keys below, values of
 * printable characters only (UTF-8 allowed, no control character, so no
 * CR or LF can reach a header from here):
 *   Template: reset | confirm | password-changed | totp-enabled |
 *             totp-disabled | account-locked | registered
 *   To:       the address
 *   User:     the user name
 *   Link:     the link (reset, confirm; registered: the "forgot password"
 *             page), built from [web] base_url only
 *   Expires:  epoch seconds the link dies (reset, confirm) or the lock
 *             ends (account-locked)
 *   Created:  epoch seconds
 * The file may hold a live token until it is sent: mode 0600, owned by
 * the [web] user.
 */
#ifndef SESAMED_SPOOL_H
#define SESAMED_SPOOL_H

#include <stdint.h>
#include <sys/types.h>

struct sesame_conf;

struct spool_msg {
        const char *tmpl;  /* template name */
        const char *to;
        const char *user;
        const char *link;  /* NULL: none */
        int64_t expires;   /* the link's end, or the lock's; 0: none */
};

/**
 * spool_write() - leave @m in the spool of @c for the sender running as
 * @web_uid ((uid_t)-1: unknown; then the directories and files stay
 * root's, and the sender cannot read them).
 * Return: 0; -EINVAL when a value holds a control character or is not
 * UTF-8 (nothing written); -errno of the file system (logged).
 */
int spool_write(const struct sesame_conf *c, uid_t web_uid, const struct spool_msg *m)
        __attribute__((warn_unused_result));

#endif
