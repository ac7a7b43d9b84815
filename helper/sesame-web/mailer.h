/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mailer.h - sesame-web's mail sender: drains the spool that sesamed
 * writes ([mail] spool_dir, see helper/sesamed/spool.h) over SMTP with
 * libcurl.
 *
 *  - smtp:// with STARTTLS required (unless [mail] starttls = no), or
 *    smtps://; the server's certificate is checked ([mail] ca_file); never
 *    a silent fall-back to clear text.  AUTH with [mail] user and the
 *    password in [mail] password_file, read as root at start.
 *  - RFC 5322 messages: Date, Message-ID, From with the app name, a text
 *    and an HTML part (base64, UTF-8), Subject and display name as RFC
 *    2047 encoded words; the values of a spool file never hold a control
 *    character (sesamed refuses them, and this side checks again), so no
 *    CR or LF from anyone's input reaches a header.
 *  - Templates: <name>.txt (a "Subject: " line, a blank line, the text)
 *    and <name>.html from [mail] template_dir, else the shipped ones;
 *    {{app}}, {{user}}, {{link}} and {{expires}} are replaced (HTML-escaped
 *    in the HTML part).
 *  - A message is deleted from the spool once the server accepted it, and
 *    only then; a failure is logged and retried after [mail]
 *    retry_interval seconds, doubling up to an hour.  Each delivery and
 *    each failure is logged.
 */
#ifndef SESAME_WEB_MAILER_H
#define SESAME_WEB_MAILER_H

struct sesame_conf;

/* Read the SMTP password (root-only file), before privileges are dropped:
 * 0 or -errno (logged). */
int mailer_init(const struct sesame_conf *c);
/* Start the sending thread: 0 or -errno. */
int mailer_start(void);
/* Stop it, waiting for a delivery under way. */
void mailer_stop(void);

#endif
