/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * register.c - POST /register, self-registration ([web] registration;
 * web.h).  sesamed decides (SESAME_REQ_WEB_REGISTER); this page only
 * says what it may say: a bad or taken user name, a malformed address,
 * a password the rules refuse.  Whether an address is registered already
 * is never told here: the page after a good form is the same either way,
 * and sesamed mails the address instead.
 *
 * Besides the limit per client address that every form has, a
 * registration counts against the limit per account of both the user
 * name and the address, as the link requests do: a flood of mails to one
 * address, or of tries at one name, stops at rate_per_account.
 */
#include <libintl.h>
#include <string.h>

#include "conf.h"
#include "http.h"
#include "pages.h"
#include "web.h"

#define _(s) gettext(s)

static void again(const struct sesame_conf *c, const struct form *f, struct page *p, char csrf[64],
                  const char *error)
{
        csrf_new(csrf);
        page_register(p, c, csrf, error, f->login, f->mail);
}

/* The error to show with the form again for sesamed's answer @st/@reason
 * (@msg: its words), or NULL when the answer is not about the form. */
static const char *form_error(uint32_t st, uint32_t reason, const char *msg)
{
        if (st == SESAME_ST_BAD_PASSWORD)
                return msg[0] ? msg : _("Choose a stronger password.");
        if (st != SESAME_ST_REFUSED)
                return NULL;
        switch (reason) {
        case SESAME_R_NAME_TAKEN:
                return _("This user name is taken. Choose another one.");
        case SESAME_R_NAME_INVALID:
                return _("This user name cannot be used: lower-case letters, digits, '_', '.' and '-', starting "
                         "with a letter, at most 32.");
        case SESAME_R_MAIL_INVALID:
                return _("Enter a valid email address.");
        default:
                return NULL;
        }
}

void register_post(const struct sesame_conf *c, const struct form *f, const char *addr, struct page *p,
                   char csrf[64])
{
        char msg[SESAME_TEXT_MAX + 1] = "";
        const char *error;
        uint32_t st, reason = 0;

        csrf[0] = '\0';
        if (!f->login[0] || !f->mail[0] || !f->password[0]) {
                again(c, f, p, csrf, _("Enter a user name, an email address and a password."));
                return;
        }
        if (!rate_ok("u:", f->login, c->web_rate_per_account) || !rate_ok("u:", f->mail, c->web_rate_per_account)) {
                page_error(p, c, 429,
                           _("Too many requests from here or for this account. Please wait a while and try "
                             "again."));
                return;
        }
        if (strcmp(f->password, f->retype) != 0) {
                again(c, f, p, csrf, _("The two passwords differ."));
                return;
        }
        st = ask_register(f->login, f->mail, f->password, addr, msg, sizeof(msg), &reason);
        error = form_error(st, reason, msg);
        if (st == SESAME_ST_OK)
                page_register_sent(p, c);
        else if (error)
                again(c, f, p, csrf, error);
        else if (st == SESAME_ST_DENIED) /* sesamed's configuration has registration off */
                page_error(p, c, 404, _("There is no such page."));
        else
                page_error(p, c, 503, _("The service is not available right now. Please try again later."));
}
