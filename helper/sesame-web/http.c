/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http.c - the routes of sesame-web (http.h).
 *
 *   GET  /            -> 303 forgot
 *   GET  /forgot      the "forgot password" form
 *   POST /forgot      ask sesamed for a reset mail; the same page whatever
 *                     the account
 *   GET  /reset?token=T   a button that POSTs T (the token leaves the URL
 *                     before anything else is shown)
 *   POST /reset       step=open: check T, show the new password form;
 *                     step=set: redeem T with the new password
 *   GET  /confirm?token=T, POST /confirm   the same for a confirmation
 *   GET  /resend, POST /resend   ask for a new confirmation mail
 *   GET  /register, POST /register   self-registration (register.c), only
 *                     with [web] registration: 404 otherwise
 *   GET  /style.css
 *
 * Every answer carries a Content-Security-Policy without external
 * sources, X-Frame-Options DENY, Referrer-Policy no-referrer, nosniff and
 * Cache-Control no-store.  No link is built from the request.
 *
 * With [web] tls_cert and tls_key the same routes are served over HTTPS
 * (libmicrohttpd with GnuTLS); without them, plain HTTP for a TLS reverse
 * proxy in front.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libintl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conf.h"
#include "http.h"
#include "lang.h"
#include "log.h"
#include "macro.h"
#include "pages.h"
#include "safefile.h"
#include "web.h"


#define _(s) gettext(s)
#define CSRF_COOKIE "sesame_csrf"
/* a certificate chain of a few certificates; one private key */
#define TLS_CERT_MAX 65536
#define TLS_KEY_MAX 16384

static const struct sesame_conf *conf;
/* PEM, NUL-terminated, from http_tls_load() to http_start() */
static char *tls_cert, *tls_key;
static size_t tls_key_len;

/* One request being read: its body, bounded. */
struct req {
        char body[WEB_BODY_MAX + 1];
        size_t len;
        bool too_big;
};

static void add_headers(struct MHD_Response *r)
{
        (void)MHD_add_response_header(r, "Content-Security-Policy",
                                      "default-src 'none'; style-src 'self'; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'");
        (void)MHD_add_response_header(r, "X-Frame-Options", "DENY");
        (void)MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
        (void)MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        (void)MHD_add_response_header(r, "Cache-Control", "no-store");
        /* the page's language follows Accept-Language (lang.h) */
        (void)MHD_add_response_header(r, "Vary", "Accept-Language");
}

static enum MHD_Result send_buf(struct MHD_Connection *conn, unsigned status, const char *type, const char *data,
                                size_t len, const char *csrf)
{
        struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)data,
                                                                 MHD_RESPMEM_MUST_COPY);
        char cookie[160];
        enum MHD_Result ret;

        if (!r)
                return MHD_NO;
        add_headers(r);
        (void)MHD_add_response_header(r, "Content-Type", type);
        if (csrf) {
                (void)snprintf(cookie, sizeof(cookie), CSRF_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", csrf,
                               strncasecmp(conf->web_base_url, "https:", 6) == 0 ? "; Secure" : "");
                (void)MHD_add_response_header(r, "Set-Cookie", cookie);
        }
        ret = MHD_queue_response(conn, status, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result send_page(struct MHD_Connection *conn, struct page *p, const char *csrf)
{
        enum MHD_Result r;

        if (!p->data)
                return MHD_NO; /* out of memory: drop the connection */
        r = send_buf(conn, p->status, "text/html; charset=utf-8", p->data, p->len, csrf);
        page_free(p);
        return r;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status, const char *text)
{
        struct page p = { 0 };

        page_error(&p, conf, status, text);
        return send_page(conn, &p, NULL);
}

/* The client's address, for rate limits and sesamed's log. */
static void client_addr(struct MHD_Connection *conn, char *out, size_t size)
{
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;

        (void)snprintf(out, size, "unknown");
        if (sa && sa->sa_family == AF_INET)
                (void)inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, size);
        else if (sa && sa->sa_family == AF_INET6)
                (void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, size);
}

bool rate_ok(const char *prefix, const char *what, uint32_t limit)
{
        char key[SESAME_MAIL_MAX + 8];
        size_t o = (size_t)snprintf(key, sizeof(key), "%s", prefix);

        /* names and addresses compare without case, as the directory does */
        for (size_t i = 0; what[i] && o + 1 < sizeof(key); i++)
                key[o++] = (what[i] >= 'A' && what[i] <= 'Z') ? (char)(what[i] - 'A' + 'a') : what[i];
        key[o] = '\0';
        return rate_hit(conf, key, limit);
}

static enum MHD_Result too_many(struct MHD_Connection *conn)
{
        return send_error(conn, 429, _("Too many requests from here or for this account. Please wait a while "
                                       "and try again."));
}

static enum MHD_Result get(struct MHD_Connection *conn, const char *url)
{
        struct page p = { 0 };
        char csrf[64];
        const char *token;

        if (strcmp(url, "/style.css") == 0)
                return send_buf(conn, 200, "text/css", page_css, strlen(page_css), NULL);
        csrf_new(csrf);
        if (strcmp(url, "/") == 0) {
                struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
                enum MHD_Result ret;

                if (!r)
                        return MHD_NO;
                add_headers(r);
                /* relative: never built from the request's Host */
                (void)MHD_add_response_header(r, "Location", "forgot");
                ret = MHD_queue_response(conn, 303, r);
                MHD_destroy_response(r);
                return ret;
        }
        if (strcmp(url, "/forgot") == 0)
                page_forgot(&p, conf, csrf, NULL);
        else if (strcmp(url, "/register") == 0 && conf->web_registration)
                page_register(&p, conf, csrf, NULL, NULL, NULL);
        else if (strcmp(url, "/resend") == 0)
                page_resend(&p, conf, csrf, NULL);
        else if (strcmp(url, "/reset") == 0 || strcmp(url, "/confirm") == 0) {
                token = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token");
                if (!token_shape_ok(token))
                        return send_error(conn, 400, _("This link is not valid."));
                page_continue(&p, conf, url + 1, token, csrf);
        } else
                return send_error(conn, 404, _("There is no such page."));
        return send_page(conn, &p, csrf);
}

static enum MHD_Result post_reset(struct MHD_Connection *conn, struct form *f, const char *addr)
{
        struct page p = { 0 };
        char msg[SESAME_TEXT_MAX + 1], csrf[64];
        uint32_t st;

        if (!token_shape_ok(f->token))
                return send_error(conn, 400, _("This link is not valid."));
        csrf_new(csrf);
        if (strcmp(f->step, "open") == 0) {
                st = ask_sesamed(SESAME_REQ_WEB_RESET_CHECK, NULL, f->token, NULL, NULL, NULL, 0);
                if (st == SESAME_ST_OK) {
                        page_new_password(&p, conf, f->token, csrf, NULL);
                        return send_page(conn, &p, csrf);
                }
        } else {
                if (strcmp(f->password, f->retype) != 0) {
                        page_new_password(&p, conf, f->token, csrf, _("The two passwords differ."));
                        return send_page(conn, &p, csrf);
                }
                st = ask_sesamed(SESAME_REQ_WEB_RESET_REDEEM, NULL, f->token, f->password, addr, msg, sizeof(msg));
                if (st == SESAME_ST_OK) {
                        page_done(&p, conf, _("Password changed"),
                                  _("Your new password is set. You can log in with it now."));
                        return send_page(conn, &p, NULL);
                }
                if (st == SESAME_ST_BAD_PASSWORD) {
                        page_new_password(&p, conf, f->token, csrf, msg[0] ? msg : _("Choose a stronger password."));
                        return send_page(conn, &p, csrf);
                }
        }
        if (st == SESAME_ST_REFUSED)
                return send_error(conn, 400, _("This link is not valid any more: it was used, it expired, or a "
                                               "newer one was sent. Ask for a new one."));
        return send_error(conn, 503, _("The service is not available right now. Please try again later."));
}

static enum MHD_Result post(struct MHD_Connection *conn, const char *url, struct req *rq)
{
        const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, CSRF_COOKIE);
        struct page p = { 0 };
        struct form f;
        char addr[64];
        enum MHD_Result ret;
        uint32_t st;

        if (rq->too_big)
                return send_error(conn, 413, _("The form is too large."));
        form_parse(rq->body, rq->len, &f);
        erase(rq->body, sizeof(rq->body));
        client_addr(conn, addr, sizeof(addr));
        if (f.bad || !csrf_ok(cookie, f.csrf)) {
                form_wipe(&f);
                return send_error(conn, 403, _("The form expired. Go back, reload the page and try again."));
        }
        if (!rate_ok("a:", addr, conf->web_rate_per_address)) {
                form_wipe(&f);
                return too_many(conn);
        }
        if (strcmp(url, "/forgot") == 0 || strcmp(url, "/resend") == 0) {
                bool forgot = url[1] == 'f';

                if (!f.login[0]) {
                        char csrf[64];

                        csrf_new(csrf);
                        (forgot ? page_forgot : page_resend)(&p, conf, csrf,
                                                             _("Enter your user name or email address."));
                        ret = send_page(conn, &p, csrf);
                } else if (!rate_ok("u:", f.login, conf->web_rate_per_account))
                        ret = too_many(conn);
                else {
                        st = ask_sesamed(forgot ? SESAME_REQ_WEB_RESET_REQUEST : SESAME_REQ_WEB_CONFIRM_REQUEST,
                                         f.login, NULL, NULL, addr, NULL, 0);
                        if (st != SESAME_ST_OK)
                                ret = send_error(conn, 503, _("The service is not available right now. Please "
                                                              "try again later."));
                        else {
                                (forgot ? page_forgot_sent : page_resend_sent)(&p, conf);
                                ret = send_page(conn, &p, NULL);
                        }
                }
        } else if (strcmp(url, "/register") == 0 && conf->web_registration) {
                char csrf[64];

                register_post(conf, &f, addr, &p, csrf);
                ret = send_page(conn, &p, csrf[0] ? csrf : NULL);
        } else if (strcmp(url, "/reset") == 0)
                ret = post_reset(conn, &f, addr);
        else if (strcmp(url, "/confirm") == 0) {
                if (!token_shape_ok(f.token))
                        ret = send_error(conn, 400, _("This link is not valid."));
                else if ((st = ask_sesamed(SESAME_REQ_WEB_CONFIRM_REDEEM, NULL, f.token, NULL, addr, NULL, 0)) ==
                         SESAME_ST_OK) {
                        page_done(&p, conf, _("Address confirmed"), _("Thank you: your email address is confirmed."));
                        ret = send_page(conn, &p, NULL);
                } else if (st == SESAME_ST_REFUSED)
                        ret = send_error(conn, 400, _("This link is not valid any more: it was used, it expired, "
                                                      "or the address changed. Ask for a new one."));
                else
                        ret = send_error(conn, 503, _("The service is not available right now. Please try again "
                                                      "later."));
        } else
                ret = send_error(conn, 404, _("There is no such page."));
        form_wipe(&f);
        return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
        struct req *rq = *con_cls;

        (void)cls;
        (void)version;
        /* this connection's thread speaks the visitor's language */
        lang_use(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
        if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
                if (*upload_size)
                        return MHD_NO;
                return get(conn, url);
        }
        if (strcmp(method, "POST") != 0)
                return send_error(conn, 405, _("This method is not allowed here."));
        if (!rq) {
                rq = calloc(1, sizeof(*rq));
                if (!rq)
                        return MHD_NO;
                *con_cls = rq;
                return MHD_YES;
        }
        if (*upload_size) {
                if (rq->len + *upload_size > WEB_BODY_MAX)
                        rq->too_big = true;
                else {
                        memcpy(rq->body + rq->len, upload, *upload_size);
                        rq->len += *upload_size;
                }
                *upload_size = 0;
                return MHD_YES;
        }
        return post(conn, url, rq);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
        struct req *rq = *con_cls;

        (void)cls;
        (void)conn;
        (void)toe;
        if (rq) {
                erase(rq, sizeof(*rq)); /* a form may have held a password */
                free(rq);
                *con_cls = NULL;
        }
}

int http_tls_load(const struct sesame_conf *c)
{
        char err[512];
        size_t len;
        int r;

        if (!c->web_tls_cert && !c->web_tls_key)
                return 0;
        if (!c->web_tls_cert || !c->web_tls_key)
                return log_error("[web] %s is set but %s is not: HTTPS needs both, plain HTTP neither",
                                 c->web_tls_cert ? "tls_cert" : "tls_key", c->web_tls_cert ? "tls_key" : "tls_cert"),
                       -EINVAL;
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
                return log_error("[web] tls_cert: this libmicrohttpd was built without TLS"), -EINVAL;
        r = safefile_read_alloc(c->web_tls_cert, SAFEFILE_CONFIG, TLS_CERT_MAX, &tls_cert, &len, err, sizeof(err));
        if (r < 0)
                return log_error("[web] tls_cert: %s", err), r;
        r = safefile_read_alloc(c->web_tls_key, SAFEFILE_SECRET, TLS_KEY_MAX, &tls_key, &tls_key_len, err,
                                sizeof(err));
        if (r < 0)
                return log_error("[web] tls_key: %s", err), r;
        return 0;
}

/* The key leaves this process's heap once GnuTLS has parsed it. */
static void tls_forget(void)
{
        if (tls_key)
                erase(tls_key, tls_key_len);
        free(tls_key);
        free(tls_cert);
        tls_key = tls_cert = NULL;
}

struct MHD_Daemon *http_start(const struct sesame_conf *c, int fd)
{
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
        struct MHD_Daemon *d;

        conf = c;
        if (tls_cert)
                flags |= MHD_USE_TLS;
        /* MHD_OPTION_HTTPS_MEM_* are ignored without MHD_USE_TLS: NULL then */
        d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
                             MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
                             (unsigned)WEB_CONN_TIMEOUT, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_CONN_MEMORY,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_CONNS_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                             (unsigned)WEB_CONNS_PER_IP, tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
                             tls_cert, MHD_OPTION_HTTPS_MEM_KEY, tls_key, MHD_OPTION_END);
        if (!d && tls_cert)
                log_error("the HTTPS server did not start: are [web] tls_cert = %s and tls_key = %s a PEM "
                          "certificate and its private key?",
                          c->web_tls_cert, c->web_tls_key);
        else if (!d)
                log_error("the HTTP server did not start");
        tls_forget();
        return d;
}

void http_stop(struct MHD_Daemon *d)
{
        if (d)
                MHD_stop_daemon(d);
}
