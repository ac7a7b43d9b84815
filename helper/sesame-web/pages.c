/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pages.c - the HTML of sesame-web (pages.h).
 */
#include <libintl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "macro.h"
#include "pages.h"

#define _(s) gettext(s)

const char page_css[] =
        "body{font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em;line-height:1.5;color:#222}"
        "h1{font-size:1.4em}label{display:block;margin-top:1em}"
        "input{width:100%;box-sizing:border-box;padding:.5em;font-size:1em}"
        "button{margin-top:1.2em;padding:.6em 1.2em;font-size:1em}"
        ".error{color:#a00;font-weight:bold}.hint{color:#555;font-size:.9em}";

void page_free(struct page *p)
{
        free(p->data);
        *p = (struct page){ 0 };
}

static void add(struct page *p, const char *s, size_t n)
{
        if (!p->data && p->cap)
                return; /* an earlier allocation failed */
        if (p->len + n + 1 > p->cap) {
                size_t cap = MAX(p->cap * 2, p->len + n + 1024);
                char *d = realloc(p->data, cap);

                if (!d) {
                        free(p->data);
                        p->data = NULL;
                        p->cap = 1;
                        return;
                }
                p->data = d;
                p->cap = cap;
        }
        memcpy(p->data + p->len, s, n);
        p->len += n;
        p->data[p->len] = '\0';
}

static void raw(struct page *p, const char *s) { add(p, s, strlen(s)); }

/* @s escaped for HTML text and attribute values. */
static void esc(struct page *p, const char *s)
{
        for (; s && *s; s++) {
                switch (*s) {
                case '&': raw(p, "&amp;"); break;
                case '<': raw(p, "&lt;"); break;
                case '>': raw(p, "&gt;"); break;
                case '"': raw(p, "&quot;"); break;
                case '\'': raw(p, "&#39;"); break;
                default: add(p, s, 1);
                }
        }
}

static void head(struct page *p, const struct sesame_conf *c, unsigned status, const char *title)
{
        p->status = status;
        raw(p, "<!DOCTYPE html>\n<html lang=\"");
        /* TRANSLATORS: the language code of this translation (BCP 47:
         * "de", "pt-BR"), for the pages' <html lang> */
        esc(p, _("en"));
        raw(p, "\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
               "<link rel=\"stylesheet\" href=\"style.css\"><title>");
        esc(p, title);
        raw(p, " - ");
        esc(p, c->web_app_name);
        raw(p, "</title></head><body><main><h1>");
        esc(p, title);
        raw(p, "</h1>\n");
}

static void foot(struct page *p) { raw(p, "</main></body></html>\n"); }

static void para(struct page *p, const char *cls, const char *text)
{
        raw(p, cls ? "<p class=\"" : "<p>");
        if (cls) {
                raw(p, cls);
                raw(p, "\">");
        }
        esc(p, text);
        raw(p, "</p>\n");
}

static void form_open(struct page *p, const char *action, const char *csrf)
{
        raw(p, "<form method=\"post\" action=\"");
        esc(p, action);
        raw(p, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
        esc(p, csrf);
        raw(p, "\">\n");
}

static void hidden(struct page *p, const char *name, const char *value)
{
        raw(p, "<input type=\"hidden\" name=\"");
        raw(p, name);
        raw(p, "\" value=\"");
        esc(p, value);
        raw(p, "\">\n");
}

/* A field of the form; @value (NULL: none) keeps what the visitor typed
 * after an error. */
static void input_value(struct page *p, const char *name, const char *type, const char *label,
                        const char *autocomplete, const char *value)
{
        raw(p, "<label for=\"");
        raw(p, name);
        raw(p, "\">");
        esc(p, label);
        raw(p, "</label><input id=\"");
        raw(p, name);
        raw(p, "\" name=\"");
        raw(p, name);
        raw(p, "\" type=\"");
        raw(p, type);
        raw(p, "\" required autocomplete=\"");
        raw(p, autocomplete);
        if (value) {
                raw(p, "\" value=\"");
                esc(p, value);
        }
        raw(p, "\">\n");
}

static void input(struct page *p, const char *name, const char *type, const char *label, const char *autocomplete)
{
        input_value(p, name, type, label, autocomplete, NULL);
}

static void button(struct page *p, const char *label)
{
        raw(p, "<button type=\"submit\">");
        esc(p, label);
        raw(p, "</button></form>\n");
}

/* A form that asks for a user name or an address. */
static void login_form(struct page *p, const struct sesame_conf *c, const char *title, const char *text,
                       const char *action, const char *csrf, const char *error)
{
        head(p, c, error ? 400 : 200, title);
        if (error)
                para(p, "error", error);
        para(p, NULL, text);
        form_open(p, action, csrf);
        input(p, "login", "text", _("User name or email address"), "username");
        button(p, _("Send the link"));
        foot(p);
}

void page_forgot(struct page *p, const struct sesame_conf *c, const char *csrf, const char *error)
{
        login_form(p, c, _("Forgot your password?"),
                   _("Enter your user name or email address. If an account with a confirmed way to reach you "
                     "exists, we send a link to set a new password."),
                   "forgot", csrf, error);
}

void page_forgot_sent(struct page *p, const struct sesame_conf *c)
{
        head(p, c, 200, _("Check your mail"));
        para(p, NULL, _("If the account exists and has an email address, a link to set a new password is on "
                        "its way. It works once, for a limited time."));
        foot(p);
}

void page_resend(struct page *p, const struct sesame_conf *c, const char *csrf, const char *error)
{
        login_form(p, c, _("Confirm your email address"),
                   _("Enter your user name or email address to get a new confirmation link."), "resend", csrf,
                   error);
}

void page_resend_sent(struct page *p, const struct sesame_conf *c)
{
        head(p, c, 200, _("Check your mail"));
        para(p, NULL, _("If the account exists and its address still needs confirming, a confirmation link is "
                        "on its way."));
        foot(p);
}

void page_continue(struct page *p, const struct sesame_conf *c, const char *action, const char *token,
                   const char *csrf)
{
        head(p, c, 200, _("Continue"));
        para(p, NULL, _("Press the button to continue."));
        form_open(p, action, csrf);
        hidden(p, "token", token);
        hidden(p, "step", "open");
        button(p, _("Continue"));
        foot(p);
}

/* The [password] rules, as a hint above a new password. */
static void password_rules(struct page *p, const struct sesame_conf *c)
{
        char rules[512];

        (void)snprintf(rules, sizeof(rules),
                       _("At least %u characters, from at least %u of: lower case, upper case, digits, other "
                         "characters.%s"),
                       c->pw_min_length, c->pw_min_classes,
                       c->pw_reject_username ? _(" It must not contain your user name.") : "");
        para(p, "hint", rules);
}

void page_new_password(struct page *p, const struct sesame_conf *c, const char *token, const char *csrf,
                       const char *error)
{
        head(p, c, error ? 400 : 200, _("Choose a new password"));
        if (error)
                para(p, "error", error);
        password_rules(p, c);
        form_open(p, "reset", csrf);
        hidden(p, "token", token);
        hidden(p, "step", "set");
        input(p, "password", "password", _("New password"), "new-password");
        input(p, "retype", "password", _("New password again"), "new-password");
        button(p, _("Set the password"));
        foot(p);
}

void page_done(struct page *p, const struct sesame_conf *c, const char *title, const char *text)
{
        head(p, c, 200, title);
        para(p, NULL, text);
        foot(p);
}

void page_error(struct page *p, const struct sesame_conf *c, unsigned status, const char *text)
{
        head(p, c, status, status == 429 ? _("Too many requests") : _("Something went wrong"));
        para(p, "error", text);
        foot(p);
}

void page_register(struct page *p, const struct sesame_conf *c, const char *csrf, const char *error,
                   const char *name, const char *mail)
{
        head(p, c, error ? 400 : 200, _("Create an account"));
        if (error)
                para(p, "error", error);
        para(p, NULL, _("Choose a user name and a password, and give your email address. We send a link to it: "
                        "the account works once you have opened the link."));
        form_open(p, "register", csrf);
        input_value(p, "login", "text", _("User name"), "username", name ? name : "");
        para(p, "hint", _("Lower-case letters, digits, '_', '.' and '-', starting with a letter; at most 32."));
        input_value(p, "mail", "email", _("Email address"), "email", mail ? mail : "");
        password_rules(p, c);
        input(p, "password", "password", _("Password"), "new-password");
        input(p, "retype", "password", _("Password again"), "new-password");
        button(p, _("Create the account"));
        foot(p);
}

void page_register_sent(struct page *p, const struct sesame_conf *c)
{
        head(p, c, 200, _("Check your mail"));
        para(p, NULL, _("We sent a mail to the address you gave. Open the link in it to finish: until then the "
                        "account cannot be used. If no mail comes, check the address and try again."));
        foot(p);
}
