/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nsssrv.c - the nss.sock requests: look up (cache first, then the
 * directory), encode the answer as data frames, cache it, send it.
 *
 * A fresh cached answer is served as is.  Otherwise the directory is
 * asked; if it cannot answer (unreachable, or a limit cut the result
 * short) a stale cached answer is served when there is one, else
 * UNAVAIL.  Positive answers live cache_ttl seconds, NOTFOUND
 * negative_ttl seconds.  Enumerations are streamed (below).
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "conf.h"
#include "log.h"
#include "macro.h"
#include "outcome.h"
#include "ctx.h"
#include "dir.h"
#include "dispatch.h"
#include "enumsnap.h"
#include "ratelimit.h"
#include "util.h"

struct bbuf {
        uint8_t *data;
        size_t len, cap;
};

static int bbuf_append(struct bbuf *b, const uint8_t *p, size_t n)
{
        if (b->len + n > b->cap) {
                size_t cap = b->cap ? b->cap : 4096;
                while (cap < b->len + n)
                        cap *= 2;
                uint8_t *d = realloc(b->data, cap);
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->cap = cap;
        }
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return 0;
}

/* An encoder whose frames are appended to a bbuf; puts that hit the frame
 * cap start a continuation frame of opcode @cont. */
struct answer {
        struct bbuf *out;
        struct proto_writer w;
        uint16_t cont;
        uint8_t frame[SESAME_BUF_MAX];
};

static void answer_begin(struct answer *a, struct bbuf *out, uint16_t opcode, uint16_t cont)
{
        a->out = out;
        a->cont = cont;
        proto_begin(&a->w, a->frame, sizeof(a->frame), opcode);
}

static int answer_flush(struct answer *a)
{
        size_t len;
        int r = proto_end(&a->w, &len);

        if (r != 0)
                return r > 0 ? -EINVAL : r;
        return bbuf_append(a->out, a->frame, len);
}

/* Put a repeatable field, continuing in a new frame when this one is full. */
static int answer_put_rep(struct answer *a, uint16_t tag, const char *s, uint32_t v)
{
        for (int tries = 0; tries < 2; tries++) {
                int r = s ? proto_put_str(&a->w, tag, s) : proto_put_u32(&a->w, tag, v);
                if (r != SESAME_E_FULL)
                        return r > 0 ? -EINVAL : r;
                if ((r = answer_flush(a)) < 0)
                        return r;
                proto_begin(&a->w, a->frame, sizeof(a->frame), a->cont);
        }
        return -E2BIG;
}

static int encode_passwd(const struct pwrec *p, void *userdata)
{
        struct bbuf *out = userdata;
        struct answer *a = malloc(sizeof(*a));
        int r;

        if (!a)
                return -ENOMEM;
        answer_begin(a, out, SESAME_ANS_PASSWD, 0);
        /* "*", not "x": "x" tells pam_unix to look in /etc/shadow, where a
         * directory account has no entry, and its account phase then says
         * AUTHINFO_UNAVAIL, which Debian's common-account turns into a
         * refusal.  "*" (as SSSD serves) is a password that matches
         * nothing and no shadow entry to check: pam_unix lets the account
         * through and leaves the decision to pam_sesame. */
        if (proto_put_str(&a->w, SESAME_F_NAME, p->name) || proto_put_str(&a->w, SESAME_F_PASSWD, "*") ||
            proto_put_u32(&a->w, SESAME_F_UID, p->uid) || proto_put_u32(&a->w, SESAME_F_GID, p->gid) ||
            proto_put_str(&a->w, SESAME_F_GECOS, p->gecos) || proto_put_str(&a->w, SESAME_F_HOME, p->home) ||
            proto_put_str(&a->w, SESAME_F_SHELL, p->shell)) {
                /* a field over the protocol's limits (e.g. a 2 KiB gecos):
                 * the entry cannot be served faithfully, so it is not */
                char q[64];
                log_notice("user %s: a field is too long for the protocol, ignoring entry",
                           str_quote(p->name, strlen(p->name), q, sizeof(q)));
                r = 0;
        } else
                r = answer_flush(a);
        free(a);
        return r;
}

static int encode_group(const struct grrec *g, void *userdata)
{
        struct bbuf *out = userdata;
        struct answer *a = malloc(sizeof(*a));
        int r;

        if (!a)
                return -ENOMEM;
        answer_begin(a, out, SESAME_ANS_GROUP, SESAME_ANS_MEMBERS);
        r = proto_put_str(&a->w, SESAME_F_NAME, g->name) || proto_put_str(&a->w, SESAME_F_PASSWD, "x") ||
                            proto_put_u32(&a->w, SESAME_F_GID, g->gid)
                    ? -EINVAL
                    : 0;
        for (size_t i = 0; r == 0 && i < g->n_members; i++)
                r = answer_put_rep(a, SESAME_F_MEMBER, g->members[i], 0);
        if (r == 0)
                r = answer_flush(a);
        free(a);
        return r;
}

static int encode_gids(struct bbuf *out, const uint32_t *gids, size_t n)
{
        struct answer *a = malloc(sizeof(*a));
        int r = 0;

        if (!a)
                return -ENOMEM;
        answer_begin(a, out, SESAME_ANS_GIDS, SESAME_ANS_GIDS);
        for (size_t i = 0; r == 0 && i < n; i++)
                r = answer_put_rep(a, SESAME_F_GID, NULL, gids[i]);
        if (r == 0)
                r = answer_flush(a);
        free(a);
        return r;
}

/* ------------------------------------------------------------ lookups */

/* A lookup fills @out with data frames: 0, OUT_NOTFOUND, or why it
 * could not (outcome.h). */
typedef int (*lookup_fn)(struct accounts *a, const struct proto_msg *req, struct bbuf *out);

static int lookup_pw(int r, struct pwrec *p, struct bbuf *out)
{
        if (r == 0) {
                r = encode_passwd(p, out);
                pwrec_done(p);
        }
        return r;
}

static int lookup_pw_byname(struct accounts *a, const struct proto_msg *req, struct bbuf *out)
{
        char name[SESAME_NAME_MAX + 1];
        struct pwrec p = { 0 };

        if (!req_string(req, SESAME_F_NAME, name, sizeof(name)))
                return OUT_NOTFOUND;
        return lookup_pw(acct_user_byname(a, name, &p), &p, out);
}

static int lookup_pw_byuid(struct accounts *a, const struct proto_msg *req, struct bbuf *out)
{
        struct pwrec p = { 0 };

        return lookup_pw(acct_user_byuid(a, proto_get_u32(req, SESAME_F_UID, 0), &p), &p, out);
}

static int lookup_pw_bymail(struct accounts *a, const struct proto_msg *req, struct bbuf *out)
{
        char mail[SESAME_MAIL_MAX + 1];
        struct pwrec p = { 0 };

        if (!req_string(req, SESAME_F_MAIL, mail, sizeof(mail)))
                return OUT_NOTFOUND;
        return lookup_pw(acct_user_bymail(a, mail, &p), &p, out);
}

static int lookup_gr(int r, struct grrec *g, struct bbuf *out)
{
        if (r == 0) {
                r = encode_group(g, out);
                grrec_done(g);
        }
        return r;
}

static int lookup_gr_byname(struct accounts *a, const struct proto_msg *req, struct bbuf *out)
{
        char name[SESAME_NAME_MAX + 1];
        struct grrec g = { 0 };

        if (!req_string(req, SESAME_F_NAME, name, sizeof(name)))
                return OUT_NOTFOUND;
        return lookup_gr(acct_group_byname(a, name, &g), &g, out);
}

static int lookup_gr_bygid(struct accounts *a, const struct proto_msg *req, struct bbuf *out)
{
        struct grrec g = { 0 };

        return lookup_gr(acct_group_bygid(a, proto_get_u32(req, SESAME_F_GID, 0), &g), &g, out);
}

static int lookup_initgroups(struct accounts *a, const struct proto_msg *req, struct bbuf *out)
{
        char name[SESAME_NAME_MAX + 1];
        _cleanup_free_ uint32_t *gids = NULL;
        size_t n = 0;
        int r;

        if (!req_string(req, SESAME_F_NAME, name, sizeof(name)))
                return OUT_NOTFOUND;
        r = acct_initgroups(a, name, &gids, &n);
        if (r == 0)
                r = encode_gids(out, gids, n);
        return r;
}

/* Cache key of a request: a prefix per kind plus the name or id. */
static int request_key(const char *prefix, const struct proto_msg *req, char *key, size_t size)
{
        struct proto_field f;
        char v[SESAME_MAIL_MAX + 1] = "";

        if (proto_find(req, SESAME_F_NAME, &f) || proto_find(req, SESAME_F_MAIL, &f)) {
                if (proto_field_str(&f, v, sizeof(v)) < 0)
                        return -ERANGE;
        } else if (proto_find(req, SESAME_F_UID, &f) || proto_find(req, SESAME_F_GID, &f))
                (void)snprintf(v, sizeof(v), "%u", proto_field_u32(&f));
        return snprintf(key, size, "%s:%s", prefix, v) < (int)size ? 0 : -ERANGE;
}

/* Over its rate limit: logged (throttled) with the uid and the request. */
static void log_over_rate(const struct client *cl, const char *key)
{
        char q[80];

        log_refusal(LOG_WARNING,
                    "uid %u pid %d: lookup %s refused: over the rate limit of uids other than 0 "
                    "(rate_limit = %u a second)",
                    (unsigned)cl->cred.uid, (int)cl->cred.pid, str_quote(key, strlen(key), q, sizeof(q)),
                    cl->ctx->conf->rate_limit);
}

/* The directory cannot answer and nothing is cached: logged (throttled)
 * with the uid, so that the journal tells this from a flood. */
static void log_unavail(const struct client *cl, const char *key, int r)
{
        char q[80];

        log_refusal(LOG_WARNING, "uid %u pid %d: lookup %s answered UNAVAIL: the directory cannot answer (%s)",
                    (unsigned)cl->cred.uid, (int)cl->cred.pid, str_quote(key, strlen(key), q, sizeof(q)),
                    outcome_str(r));
}

/* What the cache holds for a request. */
struct cached {
        uint8_t *data;
        size_t len;
        uint32_t status;
        bool have;
};

static void cached_done(struct cached *c)
{
        free(c->data);
}

enum { ASK_DIRECTORY, SEND_CACHED, OVER_RATE };

/*
 * Whether the directory is to be asked for @key: not when the cache holds
 * a fresh answer (SEND_CACHED).  What the cache cannot answer costs
 * directory work, and is metered: over its rate limit, the caller gets
 * what the cache holds, expired or not (SEND_CACHED), or nothing
 * (OVER_RATE).  @c gets the cached answer in any case (free c->data).
 */
static int cache_first(struct client *cl, const char *key, struct cached *c)
{
        struct daemon_ctx *x = cl->ctx;
        bool fresh = false;

        c->have = cache_get(x->cache, key, now_ms(), &c->data, &c->len, &c->status, &fresh) == 0;
        if (c->have && fresh)
                return SEND_CACHED;
        if (!rate_take(cl->cred.uid, x->conf->rate_limit, x->conf->rate_burst, now_ms())) {
                log_over_rate(cl, key);
                return c->have ? SEND_CACHED : OVER_RATE;
        }
        return ASK_DIRECTORY;
}

static int send_cached(struct client *cl, const struct cached *c)
{
        return client_answer(cl, c->data, c->status == SESAME_ST_OK ? c->len : 0, c->status);
}

/* An answer this large (a group of thousands, an enumeration) took
 * several times its size in libldap's messages and our copies: once it
 * is sent, what malloc holds free goes back to the system, or resident
 * memory would stay at the largest answer's high-water mark. */
#define TRIM_AFTER_BYTES (64 * 1024)

static void trim_after(size_t answer_len)
{
        if (answer_len >= TRIM_AFTER_BYTES)
                (void)malloc_trim(0);
}

/* Store an authoritative answer (found or NOTFOUND) for its TTL. */
static void cache_answer(struct daemon_ctx *x, const char *key, int r, const struct bbuf *out)
{
        uint32_t ttl = r == 0 ? x->conf->cache_ttl : x->conf->negative_ttl;

        if (ttl > 0)
                (void)cache_put(x->cache, key, outcome_status(r), out->data, out->len,
                                now_ms() + (int64_t)ttl * 1000);
}

/*
 * After an expired answer went out because the directory could not
 * answer within the caller's time: the lookup again, to the end
 * of its own limits, as any lookup runs.  Its answer refreshes the cache;
 * a directory that does not answer at all is found so (dir.h: taken for
 * down), and the next expired answers go out at once instead of each
 * waiting for the caller's time.
 */
static void refresh(struct client *cl, const struct proto_msg *req, const char *key, lookup_fn fn)
{
        struct bbuf out = { 0 };
        int r;

        dir_caller_set(0, cl->cred.uid == 0 || cl->cls != SOCK_NSS);
        r = fn(&cl->ctx->acct, req, &out);
        if (r == 0 || r == OUT_NOTFOUND)
                cache_answer(cl->ctx, key, r, &out);
        free(out.data);
}

static int serve(struct client *cl, const struct proto_msg *req, const char *prefix, lookup_fn fn)
{
        struct daemon_ctx *x = cl->ctx;
        char key[SESAME_MAIL_MAX + 16];
        _cleanup_(cached_done) struct cached c = { 0 };
        bool have, cut = false;
        struct bbuf out = { 0 };
        uint32_t st;
        int r;

        if (request_key(prefix, req, key, sizeof(key)) < 0)
                return client_end(cl, outcome_status(OUT_NOTFOUND), NULL);
        r = cache_first(cl, key, &c);
        if (r != ASK_DIRECTORY)
                return r == SEND_CACHED ? send_cached(cl, &c) : client_end(cl, SESAME_ST_UNAVAIL, NULL);
        have = c.have;

        /* with an expired answer to fall back on, the directory gets no
         * more than the caller's time: the answer must go out before
         * the caller gives up (a directory that has stopped answering
         * would take its time limits, seconds) */
        if (have && cl->deadline > 0)
                dir_deadline_set(cl->deadline);
        r = fn(&x->acct, req, &out);
        if (have && cl->deadline > 0) {
                /* (failing fast, the refresh costs nothing either) */
                cut = r == OUT_UNAVAIL;
                dir_deadline_set(0);
        }
        st = outcome_status(r);
        /* authoritative answers are cached, whatever fails is not */
        if (r == 0 || r == OUT_NOTFOUND) {
                cache_answer(x, key, r, &out);
                r = client_answer(cl, out.data, r == 0 ? out.len : 0, st);
                free(out.data);
                trim_after(out.len);
                return r;
        }
        free(out.data);
        if (have) {
                log_debug("%s: the directory cannot answer (%s), serving the cached answer", key, outcome_str(r));
                r = send_cached(cl, &c);
                if (r == 0 && cut)
                        refresh(cl, req, key, fn);
                return r;
        }
        if (st == SESAME_ST_UNAVAIL)
                log_unavail(cl, key, r);
        return client_end(cl, st, NULL);
}

/* ------------------------------------------------------------ enumeration */

/*
 * An enumeration is streamed: the entries the directory returns are
 * encoded as they come and sent in batches, so the first entries leave
 * at once and sesamed holds about one page, however large the
 * directory.  A failure after entries have been sent can only be told
 * in the END (not OK): the client has handed them out already, and
 * libnss_sesame ends the enumeration with an error.
 *
 * What a complete pass sent is kept for cache_ttl (enumsnap.h): the
 * frames go to a snapshot file as they go to the client, and the passes
 * that follow are streamed from that file, without the directory; the
 * file's size is bounded by [nss] enum_cache_mb, and a larger list is
 * read from the directory every time.  The answer cache also keeps a
 * list that came in a single page (at most page_size entries), so that
 * a small directory's enumeration is still answered while the directory
 * is down, as lookups are.
 */
struct stream {
        struct client *cl;
        struct bbuf out; /* encoded, not yet sent; and while @keep, all of it */
        size_t sent;     /* of out.len */
        size_t pages;
        bool keep;       /* one page so far: out holds the whole answer */
        int send_error;  /* the client could not be written to */
        struct snap_writer *snap; /* NULL: no snapshot of this pass */
};

/* Frames wait until this much is pending, or for the end of their page:
 * a batch per send, and the client works on one batch while the next
 * is made. */
#define STREAM_FLUSH_BYTES (16 * 1024)

static int stream_flush(struct stream *s)
{
        int r = client_send(s->cl, s->out.data + s->sent, s->out.len - s->sent);

        if (r < 0)
                return s->send_error = r;
        snap_write(s->snap, s->out.data + s->sent, s->out.len - s->sent);
        s->sent = s->out.len;
        if (!s->keep)
                s->out.len = s->sent = 0;
        return 0;
}

static int stream_more(struct stream *s)
{
        return s->out.len - s->sent >= STREAM_FLUSH_BYTES ? stream_flush(s) : 0;
}

static int stream_page(void *userdata)
{
        struct stream *s = userdata;

        if (++s->pages > 1)
                s->keep = false;
        return stream_flush(s);
}

static int stream_passwd(const struct pwrec *p, void *userdata)
{
        struct stream *s = userdata;
        int r = encode_passwd(p, &s->out);

        return r < 0 ? r : stream_more(s);
}

static int stream_group(const struct grrec *g, void *userdata)
{
        struct stream *s = userdata;
        int r = encode_group(g, &s->out);

        return r < 0 ? r : stream_more(s);
}

static int enum_users(struct accounts *a, struct stream *s)
{
        return acct_user_enum(a, stream_passwd, stream_page, s);
}

static int enum_groups(struct accounts *a, struct stream *s)
{
        return acct_group_enum(a, stream_group, stream_page, s);
}

static int send_snap(const uint8_t *data, size_t len, void *userdata)
{
        return client_send(userdata, data, len);
}

/* The snapshot of @list to the client, with its END: 0 or the send's
 * error; -ENOENT when there was none to send (nothing was sent). */
static int serve_snap(struct client *cl, enum snap_list list, bool stale)
{
        bool sent = false;
        int r = snap_serve(list, stale, send_snap, cl, &sent);

        if (r == -ENOENT)
                return r;
        if (r < 0 && sent) {
                /* a file that failed half-way: the END says the list is
                 * not whole, and the next pass goes to the directory */
                snap_flush();
                return client_end(cl, SESAME_ST_UNAVAIL, NULL);
        }
        return r < 0 ? r : client_end(cl, SESAME_ST_OK, NULL);
}

static int serve_enum_run(struct client *cl, const char *key, enum snap_list list,
                          int (*run)(struct accounts *a, struct stream *s))
{
        struct daemon_ctx *x = cl->ctx;
        _cleanup_(cached_done) struct cached c = { 0 };
        struct stream s = { .cl = cl, .keep = true };
        bool snapshots = x->conf->cache_ttl > 0 && x->conf->enum_cache_mb > 0;
        int r;

        if (!x->conf->enumerate)
                return client_end(cl, SESAME_ST_OK, NULL);
        if (snapshots && (r = serve_snap(cl, list, false)) != -ENOENT)
                return r;
        r = cache_first(cl, key, &c);
        if (r != ASK_DIRECTORY)
                return r == SEND_CACHED ? send_cached(cl, &c) : client_end(cl, SESAME_ST_UNAVAIL, NULL);

        if (snapshots)
                s.snap = snap_begin(list, (uint64_t)x->conf->enum_cache_mb << 20);
        r = run(&x->acct, &s);
        if (r == 0)
                r = stream_flush(&s);
        if (r == 0 && !s.send_error && s.snap) {
                snap_commit(s.snap, now_ms() + (int64_t)x->conf->cache_ttl * 1000);
                s.snap = NULL;
        }
        snap_abort(s.snap);
        if (s.send_error) {
                free(s.out.data);
                return s.send_error; /* the client is gone: close */
        }
        if (r == 0) {
                if (s.keep && x->conf->cache_ttl > 0)
                        (void)cache_put(x->cache, key, SESAME_ST_OK, s.out.data, s.out.len,
                                        now_ms() + (int64_t)x->conf->cache_ttl * 1000);
                free(s.out.data);
                return client_end(cl, SESAME_ST_OK, NULL);
        }
        free(s.out.data);
        if (c.have && s.pages == 0 && s.sent == 0) {
                log_debug("%s: the directory cannot answer (%s), serving the cached answer", key, outcome_str(r));
                return send_cached(cl, &c);
        }
        /* nothing sent yet: an expired snapshot is better than nothing,
         * as an expired cached answer is */
        if (snapshots && s.sent == 0 && s.pages == 0 && outcome_status(r) == SESAME_ST_UNAVAIL) {
                int rs = serve_snap(cl, list, true);
                if (rs != -ENOENT) {
                        log_debug("%s: the directory cannot answer (%s), serving the expired snapshot", key,
                                  outcome_str(r));
                        return rs;
                }
        }
        if (outcome_status(r) == SESAME_ST_UNAVAIL)
                log_unavail(cl, key, r);
        /* entries may have been sent: this END tells the client that
         * they are not the whole list */
        return client_end(cl, outcome_status(r), NULL);
}

static int serve_enum(struct client *cl, const char *key, enum snap_list list,
                      int (*run)(struct accounts *a, struct stream *s))
{
        int r = serve_enum_run(cl, key, list, run);

        /* after the END: a pass read from the directory went through
         * libldap page by page, whatever the stream still held */
        if (cl->ctx->conf->enumerate)
                trim_after(TRIM_AFTER_BYTES);
        return r;
}

int handle_passwd_byname(struct call *c)
{
        return serve(c->cl, c->req, "pn", lookup_pw_byname);
}
int handle_passwd_byuid(struct call *c)
{
        return serve(c->cl, c->req, "pu", lookup_pw_byuid);
}
int handle_passwd_bymail(struct call *c)
{
        return serve(c->cl, c->req, "pm", lookup_pw_bymail);
}
int handle_passwd_enum(struct call *c)
{
        return serve_enum(c->cl, "pe:", SNAP_PASSWD, enum_users);
}
int handle_group_byname(struct call *c)
{
        return serve(c->cl, c->req, "gn", lookup_gr_byname);
}
int handle_group_bygid(struct call *c)
{
        return serve(c->cl, c->req, "gg", lookup_gr_bygid);
}
int handle_group_enum(struct call *c)
{
        return serve_enum(c->cl, "ge:", SNAP_GROUP, enum_groups);
}
int handle_initgroups(struct call *c)
{
        return serve(c->cl, c->req, "ig", lookup_initgroups);
}
