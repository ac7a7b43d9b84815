/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pages.h - the HTML of sesame-web: plain forms, one style sheet, no
 * script and nothing from elsewhere.  Texts go through gettext; every
 * value that is not a fixed text is HTML-escaped.
 */
#ifndef SESAME_WEB_PAGES_H
#define SESAME_WEB_PAGES_H

#include <stddef.h>

struct sesame_conf;

/* A growing buffer; NULL data after an allocation failure. */
struct page {
        char *data;
        size_t len, cap;
        unsigned status; /* HTTP status */
};

void page_free(struct page *p);

extern const char page_css[];

/* The pages; @csrf is the value of the form's hidden field. */
void page_forgot(struct page *p, const struct sesame_conf *c, const char *csrf, const char *error);
void page_forgot_sent(struct page *p, const struct sesame_conf *c);
void page_resend(struct page *p, const struct sesame_conf *c, const char *csrf, const char *error);
void page_resend_sent(struct page *p, const struct sesame_conf *c);
/* The link's landing page: a button that POSTs the token to @action,
 * so that it leaves the URL before anything else is shown. */
void page_continue(struct page *p, const struct sesame_conf *c, const char *action, const char *token,
                   const char *csrf);
void page_new_password(struct page *p, const struct sesame_conf *c, const char *token, const char *csrf,
                       const char *error);
/* Self-registration ([web] registration): the form, with @name and @mail
 * kept after an error; and the page after it, the same whatever became
 * of the address. */
void page_register(struct page *p, const struct sesame_conf *c, const char *csrf, const char *error,
                   const char *name, const char *mail);
void page_register_sent(struct page *p, const struct sesame_conf *c);
void page_done(struct page *p, const struct sesame_conf *c, const char *title, const char *text);
void page_error(struct page *p, const struct sesame_conf *c, unsigned status, const char *text);

#endif
