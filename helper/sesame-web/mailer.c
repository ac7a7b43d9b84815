/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mailer.c - the mail sender of sesame-web (mailer.h).
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "conf.h"
#include "log.h"
#include "macro.h"
#include "mailer.h"
#include "proto.h"
#include "safefile.h"
#include "util.h"

#define SPOOL_FILE_MAX 4096
#define TEMPLATE_MAX 16384
#define RETRY_MAX 3600
#define PENDING_MAX 256
#define TEXT_MAX (64 * 1024)

static const struct sesame_conf *conf;
static char *smtp_password; /* sodium_malloc'd, or NULL */
static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool stopping, started;

/* Messages that failed: when to try again. */
static struct {
        char name[80];
        unsigned tries;
        int64_t next;
} pending[PENDING_MAX];

struct msg {
        char tmpl[32], to[SESAME_MAIL_MAX + 1], user[SESAME_NAME_MAX + 1], link[SESAME_TEXT_MAX + 1];
        int64_t expires;
};

/* A growing string. */
struct buf {
        char *s;
        size_t len, cap;
        bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
        if (b->oom)
                return;
        if (b->len + n + 1 > b->cap) {
                size_t cap = MAX(b->cap * 2, b->len + n + 4096);
                char *p = cap > TEXT_MAX * 4 ? NULL : realloc(b->s, cap);

                if (!p) {
                        b->oom = true;
                        return;
                }
                b->s = p;
                b->cap = cap;
        }
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

static void buf_free(struct buf *b)
{
        if (b->s)
                erase(b->s, b->len); /* a reset mail holds a live link */
        free(b->s);
        *b = (struct buf){ 0 };
}

/* The language of the mails: sesame-web's own LC_MESSAGES (its LANG), as
 * the template subdirectories tried first: "de_DE.UTF-8" -> "de_DE", "de".
 * Not the visitor's: sesamed writes the mail, and "password changed" may
 * follow a passwd with no visitor at all. */
static char mail_lang[2][16];

static void mail_lang_init(void)
{
        const char *l = setlocale(LC_MESSAGES, NULL);
        size_t n;

        if (!l || strcmp(l, "C") == 0 || strcmp(l, "POSIX") == 0 || strncmp(l, "C.", 2) == 0 || strchr(l, '/'))
                return;
        n = strcspn(l, ".@");
        if (n == 0 || n >= sizeof(mail_lang[0]))
                return;
        memcpy(mail_lang[0], l, n);
        n = strcspn(mail_lang[0], "_");
        if (mail_lang[0][n])
                memcpy(mail_lang[1], l, n);
}

static bool address_ok(const char *a);

int mailer_init(const struct sesame_conf *c)
{
        char err[512], tmp[CONF_SECRET_MAX];
        size_t len = 0;
        int r;

        conf = c;
        mail_lang_init();
        if (!address_ok(c->mail_from))
                return log_error("[mail] from = %s: not a plain address (user@domain)", c->mail_from), -EINVAL;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return log_error("libcurl did not initialise"), -EIO;
        if (!c->mail_user || !c->mail_password_file)
                return 0;
        r = safefile_read(c->mail_password_file, SAFEFILE_SECRET, tmp, sizeof(tmp), &len, err, sizeof(err));
        if (r < 0)
                return log_error("[mail] password_file: %s", err), r;
        while (len > 0 && (tmp[len - 1] == '\n' || tmp[len - 1] == '\r'))
                len--;
        smtp_password = sodium_malloc(len + 1);
        if (!smtp_password) {
                erase(tmp, sizeof(tmp));
                return -ENOMEM;
        }
        memcpy(smtp_password, tmp, len);
        smtp_password[len] = '\0';
        erase(tmp, sizeof(tmp));
        return 0;
}

/* ------------------------------------------------------------ the spool */

/* A value of a spool line: UTF-8 without control characters. */
static bool value_ok(const char *v)
{
        if (!utf8_valid((const uint8_t *)v, strlen(v)))
                return false;
        for (const unsigned char *p = (const unsigned char *)v; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

/* An address that can go into To: and RCPT TO: as it is. */
static bool address_ok(const char *a)
{
        const char *at = strchr(a, '@');

        if (!at || at == a || !at[1] || strchr(at + 1, '@'))
                return false;
        for (const unsigned char *p = (const unsigned char *)a; *p; p++)
                if (*p <= 0x20 || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
                        return false;
        return true;
}

static bool copy_value(char *dst, size_t size, const char *v)
{
        if ((size_t)snprintf(dst, size, "%s", v) >= size)
                return false;
        return true;
}

/* The templates sesamed spools (helper/sesamed/spool.h), and whether a
 * mail of each needs a link; any other name is refused. */
static const struct {
        const char *name;
        bool link;
} spool_templates[] = {
        { "reset", true },           { "confirm", true },          { "password-changed", false },
        { "totp-enabled", false },   { "totp-disabled", false },   { "account-locked", false },
        { "registered", true },
};

static int parse_spool(const char *text, struct msg *m)
{
        char line[SPOOL_FILE_MAX + 1];
        const char *p = text;

        *m = (struct msg){ 0 };
        while (*p) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                char *v;
                bool ok = true;

                memcpy(line, p, n);
                line[n] = '\0';
                p += n + (nl ? 1 : 0);
                v = strstr(line, ": ");
                if (!v)
                        return -EINVAL;
                *v = '\0';
                v += 2;
                if (!value_ok(v))
                        return -EINVAL;
                if (strcmp(line, "Template") == 0)
                        ok = copy_value(m->tmpl, sizeof(m->tmpl), v);
                else if (strcmp(line, "To") == 0)
                        ok = copy_value(m->to, sizeof(m->to), v);
                else if (strcmp(line, "User") == 0)
                        ok = copy_value(m->user, sizeof(m->user), v);
                else if (strcmp(line, "Link") == 0)
                        ok = copy_value(m->link, sizeof(m->link), v);
                else if (strcmp(line, "Expires") == 0)
                        m->expires = strtoll(v, NULL, 10);
                if (!ok)
                        return -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(spool_templates); i++)
                if (strcmp(m->tmpl, spool_templates[i].name) == 0)
                        return address_ok(m->to) && m->user[0] && (!spool_templates[i].link || m->link[0])
                                       ? 0
                                       : -EINVAL;
        return -EINVAL;
}

/* ------------------------------------------------------------ rendering */

/* @path, when there: malloc'd into *@ret (NULL when it cannot be read or
 * is not UTF-8: logged).  false when there is no such file. */
static bool template_try(const char *path, char **ret)
{
        char *text = NULL, err[512] = "not UTF-8 text";
        size_t len = 0;

        *ret = NULL;
        if (access(path, F_OK) < 0)
                return false;
        if (safefile_read_alloc(path, SAFEFILE_CONFIG, TEMPLATE_MAX, &text, &len, err, sizeof(err)) == 0 &&
            utf8_valid((const uint8_t *)text, len) && strlen(text) == len)
                *ret = text;
        else {
                log_error("%s: %s", path, err);
                free(text);
        }
        return true;
}

/* The template @name.@ext: [mail] template_dir first, then the shipped
 * one; in each, the mail language's subdirectories first.  malloc'd, NULL
 * when none can be read (logged). */
static char *template_read(const char *name, const char *ext)
{
        const char *dirs[] = { conf->mail_template_dir, SESAME_MAIL_TEMPLATES };
        char path[4096], *text;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                for (size_t j = 0; j < ELEMENTSOF(mail_lang); j++) {
                        if (!mail_lang[j][0])
                                continue;
                        (void)snprintf(path, sizeof(path), "%s/%s/%s.%s", dirs[i], mail_lang[j], name, ext);
                        if (template_try(path, &text) && text)
                                return text;
                }
                (void)snprintf(path, sizeof(path), "%s/%s.%s", dirs[i], name, ext);
                if (template_try(path, &text) && text)
                        return text;
        }
        log_error("no template %s.%s in %s or %s", name, ext, conf->mail_template_dir, SESAME_MAIL_TEMPLATES);
        return NULL;
}

static void put_html(struct buf *b, const char *s)
{
        for (; *s; s++) {
                const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '"' ? "&quot;" : NULL;

                if (e)
                        puts_(b, e);
                else
                        put(b, s, 1);
        }
}

/* @tmpl with its {{...}} replaced. */
static void expand(struct buf *b, const char *tmpl, const struct msg *m, bool html)
{
        char expires[64] = "";
        const char *p = tmpl;

        if (m->expires > 0) {
                time_t t = (time_t)m->expires;
                struct tm tm;

                if (gmtime_r(&t, &tm))
                        (void)snprintf(expires, sizeof(expires), "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900,
                                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
        }
        while (*p) {
                const char *open = strstr(p, "{{"), *value = NULL, *close;

                if (!open) {
                        puts_(b, p);
                        break;
                }
                put(b, p, (size_t)(open - p));
                close = strstr(open, "}}");
                if (!close) {
                        puts_(b, open);
                        break;
                }
#define IS(name) ((size_t)(close - open - 2) == strlen(name) && strncmp(open + 2, name, strlen(name)) == 0)
                value = IS("app") ? conf->web_app_name : IS("user") ? m->user : IS("link") ? m->link
                      : IS("expires") ? expires : NULL;
#undef IS
                if (!value)
                        put(b, open, (size_t)(close + 2 - open)); /* not ours: as it is */
                else if (html)
                        put_html(b, value);
                else
                        puts_(b, value);
                p = close + 2;
        }
}

static void put_base64(struct buf *b, const char *s, size_t n)
{
        char line[80];

        for (size_t o = 0; o < n; o += 57) {
                size_t k = MIN((size_t)57, n - o);

                sodium_bin2base64(line, sizeof(line), (const unsigned char *)s + o, k, sodium_base64_VARIANT_ORIGINAL);
                puts_(b, line);
                puts_(b, "\r\n");
        }
}

/* An RFC 2047 encoded word of @s (UTF-8), whatever it holds. */
static void put_encoded_word(struct buf *b, const char *s)
{
        char out[4 * SESAME_TEXT_MAX / 3 + 8];
        size_t n = MIN(strlen(s), (size_t)SESAME_TEXT_MAX);

        sodium_bin2base64(out, sizeof(out), (const unsigned char *)s, n, sodium_base64_VARIANT_ORIGINAL);
        puts_(b, "=?UTF-8?B?");
        puts_(b, out);
        puts_(b, "?=");
}

static void put_date(struct buf *b, int64_t now)
{
        static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        time_t t = (time_t)now;
        struct tm tm;
        char d[64];

        /* by hand: strftime's %a and %b follow the locale */
        if (!gmtime_r(&t, &tm))
                return;
        (void)snprintf(d, sizeof(d), "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
                       months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        puts_(b, d);
}

/* The whole RFC 5322 message of @m into @b: 0, or -EINVAL / -ENOMEM. */
static int render(const struct msg *m, struct buf *b)
{
        _cleanup_free_ char *txt = template_read(m->tmpl, "txt"), *html = template_read(m->tmpl, "html");
        struct buf subject = { 0 }, body = { 0 }, hbody = { 0 };
        const char *domain = strchr(conf->mail_from, '@');
        char *rest;
        uint8_t rnd[16];
        char hex[33], boundary[64], line[2 * SESAME_MAIL_MAX + 64];
        int r = 0;

        if (!txt || !html || strncmp(txt, "Subject: ", 9) != 0 || !(rest = strstr(txt, "\n\n")))
                return -EINVAL;
        *rest = '\0';
        expand(&subject, txt + 9, m, false);
        expand(&body, rest + 2, m, false);
        expand(&hbody, html, m, true);
        if (subject.oom || body.oom || hbody.oom || !subject.s || strpbrk(subject.s, "\r\n")) {
                r = subject.oom || body.oom || hbody.oom ? -ENOMEM : -EINVAL;
                goto out;
        }
        randombytes_buf(rnd, sizeof(rnd));
        (void)sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
        (void)snprintf(boundary, sizeof(boundary), "=_sesame_%s", hex);
        puts_(b, "From: ");
        put_encoded_word(b, conf->web_app_name);
        (void)snprintf(line, sizeof(line), " <%s>\r\nTo: <%s>\r\nSubject: ", conf->mail_from, m->to);
        puts_(b, line);
        put_encoded_word(b, subject.s);
        puts_(b, "\r\n");
        put_date(b, time(NULL));
        randombytes_buf(rnd, sizeof(rnd));
        (void)sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
        (void)snprintf(line, sizeof(line), "Message-ID: <%s@%s>\r\n", hex, domain ? domain + 1 : "localhost");
        puts_(b, line);
        puts_(b, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
        (void)snprintf(line, sizeof(line), "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
        puts_(b, line);
        (void)snprintf(line, sizeof(line),
                       "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                       boundary);
        puts_(b, line);
        put_base64(b, body.s ? body.s : "", body.len);
        (void)snprintf(line, sizeof(line),
                       "--%s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                       boundary);
        puts_(b, line);
        put_base64(b, hbody.s ? hbody.s : "", hbody.len);
        (void)snprintf(line, sizeof(line), "--%s--\r\n", boundary);
        puts_(b, line);
        r = b->oom ? -ENOMEM : 0;
out:
        buf_free(&subject);
        buf_free(&body);
        buf_free(&hbody);
        return r;
}

/* ------------------------------------------------------------ sending */

struct upload {
        const char *data;
        size_t len, off;
};

static size_t read_cb(char *dst, size_t size, size_t n, void *userdata)
{
        struct upload *u = userdata;
        size_t k = MIN(size * n, u->len - u->off);

        memcpy(dst, u->data + u->off, k);
        u->off += k;
        return k;
}

/* Hand @text to the SMTP server: 0, or the curl error (its text in @err). */
static int smtp_send(const struct msg *m, const struct buf *text, char *err)
{
        struct upload u = { text->s, text->len, 0 };
        struct curl_slist *rcpt = NULL;
        char from[SESAME_MAIL_MAX + 3], to[SESAME_MAIL_MAX + 3];
        CURL *h = curl_easy_init();
        CURLcode rc;

        err[0] = '\0';
        if (!h)
                return CURLE_OUT_OF_MEMORY;
        (void)snprintf(from, sizeof(from), "<%s>", conf->mail_from);
        (void)snprintf(to, sizeof(to), "<%s>", m->to);
        rcpt = curl_slist_append(NULL, to);
        (void)curl_easy_setopt(h, CURLOPT_URL, conf->mail_smtp_url);
        (void)curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        /* STARTTLS or nothing: CURLUSESSL_ALL fails rather than go on in
         * clear text */
        (void)curl_easy_setopt(h, CURLOPT_USE_SSL, (long)(conf->mail_starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
        if (conf->mail_ca_file)
                (void)curl_easy_setopt(h, CURLOPT_CAINFO, conf->mail_ca_file);
        if (conf->mail_user) {
                (void)curl_easy_setopt(h, CURLOPT_USERNAME, conf->mail_user);
                (void)curl_easy_setopt(h, CURLOPT_PASSWORD, smtp_password ? smtp_password : "");
        }
        (void)curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
        (void)curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
        (void)curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
        (void)curl_easy_setopt(h, CURLOPT_READDATA, &u);
        (void)curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        (void)curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        (void)curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
        (void)curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
        (void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
        rc = curl_easy_perform(h);
        if (rc != CURLE_OK && !err[0])
                (void)snprintf(err, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
        curl_slist_free_all(rcpt);
        curl_easy_cleanup(h);
        return (int)rc;
}

static size_t pending_find(const char *name, bool add)
{
        size_t free_slot = PENDING_MAX;

        for (size_t i = 0; i < PENDING_MAX; i++) {
                if (strcmp(pending[i].name, name) == 0)
                        return i;
                if (!pending[i].name[0] && free_slot == PENDING_MAX)
                        free_slot = i;
        }
        if (add && free_slot < PENDING_MAX) {
                (void)snprintf(pending[free_slot].name, sizeof(pending[free_slot].name), "%s", name);
                pending[free_slot].tries = 0;
                pending[free_slot].next = 0;
        }
        return free_slot;
}

/* Read, render, send and delete one spool file of the directory @dfd. */
static void deliver(int dfd, const char *name)
{
        char text[SPOOL_FILE_MAX + 1], err[CURL_ERROR_SIZE + 1], q[80];
        struct buf out = { 0 };
        struct msg m;
        struct stat st;
        ssize_t n = -1;
        size_t slot = pending_find(name, false);
        int64_t now = time(NULL);
        int fd, r;

        if (slot < PENDING_MAX && now < pending[slot].next)
                return;
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= SPOOL_FILE_MAX)
                n = read(fd, text, SPOOL_FILE_MAX);
        if (fd >= 0)
                (void)close(fd);
        if (n < 0 || memchr(text, '\0', (size_t)n) || parse_spool((text[n] = '\0', text), &m) < 0 ||
            render(&m, &out) < 0) {
                char bad[NAME_MAX + 8];

                /* kept for the administrator, out of the way of the sender */
                (void)snprintf(bad, sizeof(bad), ".bad.%s", name);
                (void)renameat(dfd, name, dfd, bad);
                log_error("spool message %s cannot be sent (malformed, or its template is missing); renamed to %s",
                          name, bad);
                erase(text, sizeof(text));
                buf_free(&out);
                return;
        }
        erase(text, sizeof(text));
        (void)str_quote(m.to, strlen(m.to), q, sizeof(q));
        r = smtp_send(&m, &out, err);
        buf_free(&out);
        if (r == 0) {
                /* the server has it: delete it now, so it goes out once */
                if (unlinkat(dfd, name, 0) < 0)
                        log_error("spool message %s was delivered but cannot be deleted: %m; it may go out again",
                                  name);
                log_notice("delivered the %s mail for user %s to %s (spool message %s)", m.tmpl, m.user, q, name);
                if (slot < PENDING_MAX)
                        pending[slot].name[0] = '\0';
        } else {
                unsigned tries;
                uint32_t wait;

                slot = pending_find(name, true);
                tries = slot < PENDING_MAX ? ++pending[slot].tries : 1;
                wait = conf->mail_retry_interval;
                for (unsigned i = 1; i < tries && wait < RETRY_MAX; i++)
                        wait *= 2;
                wait = MIN(wait, (uint32_t)RETRY_MAX);
                if (slot < PENDING_MAX)
                        pending[slot].next = now + wait;
                log_warning("the %s mail for user %s to %s (spool message %s) could not be sent: %s; "
                            "attempt %u, next in %" PRIu32 " s",
                            m.tmpl, m.user, q, name, err, tries, wait);
        }
        erase(&m, sizeof(m));
}

static void drain(void)
{
        char path[4096];
        DIR *d;
        struct dirent *e;

        (void)snprintf(path, sizeof(path), "%s/new", conf->mail_spool_dir);
        d = opendir(path);
        if (!d)
                return; /* nothing spooled yet */
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                (void)pthread_mutex_lock(&lock);
                bool stop = stopping;
                (void)pthread_mutex_unlock(&lock);
                if (stop)
                        break;
                deliver(dirfd(d), e->d_name);
        }
        (void)closedir(d);
}

static void *run(void *arg)
{
        (void)arg;
        for (;;) {
                struct timespec until;

                drain();
                (void)clock_gettime(CLOCK_REALTIME, &until);
                until.tv_sec += 1;
                (void)pthread_mutex_lock(&lock);
                if (!stopping)
                        (void)pthread_cond_timedwait(&wake, &lock, &until);
                bool stop = stopping;
                (void)pthread_mutex_unlock(&lock);
                if (stop)
                        return NULL;
        }
}

int mailer_start(void)
{
        int r = pthread_create(&thread, NULL, run, NULL);

        if (r != 0)
                return log_error("the mail sender did not start: %s", strerror(r)), -r;
        started = true;
        log_info("sending the mails of %s/new through %s (STARTTLS %s)", conf->mail_spool_dir, conf->mail_smtp_url,
                 conf->mail_starttls ? "required" : "off");
        return 0;
}

void mailer_stop(void)
{
        if (started) {
                (void)pthread_mutex_lock(&lock);
                stopping = true;
                (void)pthread_cond_signal(&wake);
                (void)pthread_mutex_unlock(&lock);
                (void)pthread_join(thread, NULL);
                started = false;
        }
        if (smtp_password)
                sodium_free(smtp_password);
        smtp_password = NULL;
        curl_global_cleanup();
}
