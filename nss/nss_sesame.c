/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnss_sesame.so.2 - passwd, group and initgroups for glibc, answered by
 * sesamed over SESAME_RUNDIR/nss.sock.
 *
 * A lookup by name or id looks in the memory-mapped cache sesamed
 * publishes first (nss_mcache.c, doc/mcache.md): a fresh answer there
 * costs no IPC.  A miss, an expired record or anything the checks refuse
 * goes to nss.sock as if there were no map.  Enumeration always does.
 *
 * A thin client: libc and libsesame-common only; no threads, no
 * environment variables, no logging.  It never blocks a lookup for long:
 * no socket means UNAVAIL at once, and a lookup has one deadline
 * (SESAME_NSS_TIMEOUT_MS), which its request carries to sesamed.  Talking
 * to sesamed is common/call.c's: before sending anything it checks that
 * the socket file and the process answering on it belong to root, and it
 * hands out the answer one frame at a time.
 *
 * Status mapping (nss-pam-ldapd's conventions):
 *   answer found                         SUCCESS
 *   sesamed says NOTFOUND                NOTFOUND, errno ENOENT
 *   caller's buffer too small            TRYAGAIN, errno ERANGE (glibc
 *                                        retries with a larger one)
 *   no daemon, timeout, bad answer,      UNAVAIL, errno ENOENT
 *   directory unreachable
 *
 * Enumeration (getpwent, getgrent) is a stream, and an incomplete list is
 * no answer: once sesamed has taken the request, a stream that ends in
 * anything but an END with OK (cut, unreadable, an END saying the
 * directory failed, or no next frame within ENUM_READ_TIMEOUT_MS) ends
 * the enumeration with TRYAGAIN and errno EIO (ETIMEDOUT for the time):
 * glibc's getpwent_r()/getgrent_r() return that number and getpwent()/
 * getgrent() return NULL with errno set to it, where a complete list
 * ends with ENOENT.  (TRYAGAIN, not UNAVAIL: glibc turns UNAVAIL into
 * ENOENT, the end of a complete list.)  No daemon at all is still
 * UNAVAIL: no entries from sesame, as for lookups.
 */
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "config.h"
#include "macro.h"
#include "nss_gids.h"
#include "nss_mcache.h"
#include "nss_pack.h"
#include "nss_sesame.h"
#include "proto.h"
#include "util.h"

/* How long each read of an enumeration waits: the directory's progress,
 * one page (sesamed asks for the next page only when the last one is
 * sent, and the directory may take its operation timeout to answer),
 * never the whole list, which may have millions of entries. */
#define ENUM_READ_TIMEOUT_MS (10 * SESAME_NSS_TIMEOUT_MS)

/* sesamed sets this to 0 in its own process (recursion guard). */
_public_ int _nss_sesame_enablelookups = 1;

/* Not in sesamed itself (recursion), and not in PID 1: systemd holds
 * nss.sock for socket activation, so its own lookup would wait for a
 * sesamed that it has to start first.  The same for the mapped cache:
 * PID 1 asks nothing of Sesame at all. */
static bool lookups_allowed(void)
{
        return _nss_sesame_enablelookups && getpid() != 1;
}

/*
 * Start a call (call.h) to nss.sock and send a request with at most one
 * argument field.  Connecting is bounded by @deadline, the answer by
 * @answer_deadline (later for an enumeration's first frame).  -EINVAL: a
 * key the protocol cannot carry (too long, bad UTF-8), which cannot exist
 * in the directory either.  The caller closes @c in any case.
 */
static int nss_request(struct call *c, uint16_t opcode, uint16_t tag, const char *s, uint32_t v, int64_t deadline,
                       int64_t answer_deadline)
{
        uint8_t frame[128 + SESAME_NAME_MAX];
        struct proto_writer w;
        int r = 0;

        *c = (struct call)CALL_INIT;
        if (!lookups_allowed())
                return -ENOENT;
        proto_begin(&w, frame, sizeof(frame), opcode);
        if (tag)
                r = s ? proto_put_str(&w, tag, s) : proto_put_u32(&w, tag, v);
        if (r != 0)
                return -EINVAL;
        r = call_connect(c, CALL_SOCKET_NSS, deadline);
        if (r < 0)
                return r;
        c->deadline = answer_deadline;
        r = call_send(c, &w);
        return r > 0 ? -EPROTO : r;
}

/* Next answer frame into c->msg; -EPROTO for anything unexpected. */
static int nss_next(struct call *c)
{
        int r = call_next(c);

        return r > 0 ? -EPROTO : r;
}

/* The NSS status for an END frame; @have: an entry came before it. */
static enum nss_status status_end(const struct proto_msg *m, bool have, int *errnop)
{
        struct call_end e;

        call_end_read(m, &e);
        if (e.status == SESAME_ST_OK && have)
                return NSS_STATUS_SUCCESS;
        *errnop = ENOENT;
        if (e.status == SESAME_ST_OK || e.status == SESAME_ST_NOTFOUND)
                return NSS_STATUS_NOTFOUND;
        return NSS_STATUS_UNAVAIL;
}

static enum nss_status unavail(int *errnop)
{
        *errnop = ENOENT;
        return NSS_STATUS_UNAVAIL;
}

/* nss_request() failed: a key the protocol cannot carry cannot exist;
 * anything else means sesamed cannot be asked. */
static enum nss_status request_failed(struct call *c, int r, int *errnop)
{
        call_close(c);
        *errnop = ENOENT;
        return r == -EINVAL ? NSS_STATUS_NOTFOUND : NSS_STATUS_UNAVAIL;
}

/* ------------------------------------------------------ the mapped cache */

/* The longest key: a prefix, ':' and a name. */
#define MAP_KEY_MAX (3 + SESAME_NAME_MAX + 1)

/*
 * The mapped cache's answer for @prefix and a name @s or an id @v (the
 * key sesamed's cache uses), used in place by @use (nss_mcache_read()):
 * what @use returned, or a negative errno when the map has no answer (a
 * miss, an expired record, no file, anything that fails a check).  Then
 * sesamed is asked as if there were no map.  Only answers with data are
 * mapped.
 */
static int map_read(const char *prefix, const char *s, uint32_t v, mcache_use_fn use, void *arg)
{
        char key[MAP_KEY_MAX], digits[10];
        size_t n = 3, len;

        /* PID 1 is nss_mcache_read()'s to refuse: getpid() is a system
         * call, which it makes once per process */
        if (!_nss_sesame_enablelookups)
                return -ENOENT;
        memcpy(key, prefix, 2);
        key[2] = ':';
        if (s) {
                len = strnlen(s, SESAME_NAME_MAX + 1);
                if (len > SESAME_NAME_MAX)
                        return -ENOENT;
                memcpy(key + n, s, len);
                n += len;
        } else {
                len = 0;
                do
                        digits[len++] = (char)('0' + v % 10);
                while ((v /= 10) != 0);
                while (len > 0)
                        key[n++] = digits[--len];
        }
        key[n] = '\0';
        return nss_mcache_read(key, n, use, arg);
}

struct passwd_out {
        struct passwd *pw;
        char *buf;
        size_t len;
};

/* One ANS_PASSWD and nothing else, into the caller's entry. */
static int passwd_use(const uint8_t *d, size_t n, struct mcache_hit *hit _unused_, void *arg)
{
        struct passwd_out *o = arg;
        struct proto_msg m, after;
        size_t off = 0;

        if (proto_split(d, n, &off, &m) != 0 || m.opcode != SESAME_ANS_PASSWD ||
            proto_split(d, n, &off, &after) != SESAME_E_EOF)
                return -EPROTO;
        return fill_passwd(&m, o->pw, o->buf, o->len);
}

/* What map_read() returned (@r) as map_passwd() and map_group() answer:
 * true with *@st set, or false to ask sesamed. */
static bool map_answered(int r, int *errnop, enum nss_status *st)
{
        if (r == -ERANGE) {
                *errnop = ERANGE;
                *st = NSS_STATUS_TRYAGAIN;
                return true;
        }
        *st = NSS_STATUS_SUCCESS;
        return r == 0;
}

/* A mapped ANS_PASSWD into @pw: true with *@st set, or false to ask
 * sesamed. */
static bool map_passwd(const char *prefix, const char *s, uint32_t v, struct passwd *pw, char *buf, size_t len,
                       int *errnop, enum nss_status *st)
{
        struct passwd_out o = { pw, buf, len };

        return map_answered(map_read(prefix, s, v, passwd_use, &o), errnop, st);
}

struct group_out {
        struct group *gr;
        char *buf;
        size_t len;
};

static int group_use(const uint8_t *d, size_t n, struct mcache_hit *hit, void *arg)
{
        struct group_out *o = arg;

        if (hit->checked)
                return group_unpack_again(d, n, o->gr, o->buf, o->len);
        return group_unpack(d, n, o->gr, o->buf, o->len);
}

/* A mapped group into @gr: true with *@st set, or false to ask sesamed. */
static bool map_group(const char *prefix, const char *s, uint32_t v, struct group *gr, char *buf, size_t len,
                      int *errnop, enum nss_status *st)
{
        struct group_out o = { gr, buf, len };

        return map_answered(map_read(prefix, s, v, group_use, &o), errnop, st);
}

/* ------------------------------------------------------ single lookups */

static enum nss_status get_passwd(uint16_t opcode, uint16_t tag, const char *s, uint32_t v, struct passwd *pw,
                                  char *buf, size_t len, int *errnop)
{
        struct call c;
        enum nss_status st;
        bool have = false;
        int r;

        if (map_passwd(opcode == SESAME_REQ_PASSWD_BYNAME ? "pn" : "pu", s, v, pw, buf, len, errnop, &st))
                return st;
        /* the deadline starts here: a hit above reads no clock but the map's */
        int64_t deadline = now_ms() + SESAME_NSS_TIMEOUT_MS;
        r = nss_request(&c, opcode, tag, s, v, deadline, deadline);
        if (r < 0)
                return request_failed(&c, r, errnop);
        /* call_next() lets only ANS_PASSWD through before the END */
        while ((r = nss_next(&c)) == 0 && c.msg.opcode != SESAME_ANS_END) {
                if (have) {
                        r = -EPROTO;
                        break;
                }
                if (fill_passwd(&c.msg, pw, buf, len) < 0) {
                        call_close(&c);
                        *errnop = ERANGE;
                        return NSS_STATUS_TRYAGAIN;
                }
                have = true;
        }
        st = r < 0 ? unavail(errnop) : status_end(&c.msg, have, errnop);
        call_close(&c);
        return st;
}

_public_ enum nss_status _nss_sesame_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
                                                int *errnop)
{
        return get_passwd(SESAME_REQ_PASSWD_BYNAME, SESAME_F_NAME, name, 0, pw, buf, len, errnop);
}

_public_ enum nss_status _nss_sesame_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len, int *errnop)
{
        return get_passwd(SESAME_REQ_PASSWD_BYUID, SESAME_F_UID, NULL, uid, pw, buf, len, errnop);
}

/* Reads one whole group (ANS_GROUP + ANS_MEMBERS*) starting with the frame
 * in c->msg; on return c->msg holds the frame after it.  0, -ERANGE, or
 * an I/O or protocol error. */
static int read_group(struct call *c, struct group *gr, char *buf, size_t len)
{
        struct grpack g;
        int r;

        if (c->msg.opcode != SESAME_ANS_GROUP)
                return -EPROTO;
        r = grpack_init(&g, gr, &c->msg, buf, len);
        if (r == 0)
                r = grpack_members(&g, &c->msg);
        for (;;) {
                int rr = nss_next(c);
                if (rr < 0)
                        return rr;
                if (c->msg.opcode != SESAME_ANS_MEMBERS)
                        break;
                if (r == 0)
                        r = grpack_members(&g, &c->msg);
        }
        if (r == 0)
                grpack_finish(&g, gr);
        return r;
}

static enum nss_status get_group(uint16_t opcode, uint16_t tag, const char *s, uint32_t v, struct group *gr,
                                 char *buf, size_t len, int *errnop)
{
        struct call c;
        enum nss_status st;
        bool have = false, erange = false;
        int r;

        if (map_group(opcode == SESAME_REQ_GROUP_BYNAME ? "gn" : "gg", s, v, gr, buf, len, errnop, &st))
                return st;
        int64_t deadline = now_ms() + SESAME_NSS_TIMEOUT_MS;
        r = nss_request(&c, opcode, tag, s, v, deadline, deadline);
        if (r < 0)
                return request_failed(&c, r, errnop);
        r = nss_next(&c);
        if (r == 0 && c.msg.opcode == SESAME_ANS_GROUP) {
                r = read_group(&c, gr, buf, len);
                if (r == -ERANGE) {
                        erange = true;
                        r = 0;
                }
                have = true;
        }
        if (r == 0 && c.msg.opcode != SESAME_ANS_END)
                r = -EPROTO;
        if (r != 0) {
                call_close(&c);
                return unavail(errnop);
        }
        st = status_end(&c.msg, have, errnop);
        call_close(&c);
        if (st == NSS_STATUS_SUCCESS && erange) {
                *errnop = ERANGE;
                return NSS_STATUS_TRYAGAIN;
        }
        return st;
}

_public_ enum nss_status _nss_sesame_getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
                                                int *errnop)
{
        return get_group(SESAME_REQ_GROUP_BYNAME, SESAME_F_NAME, name, 0, gr, buf, len, errnop);
}

_public_ enum nss_status _nss_sesame_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len, int *errnop)
{
        return get_group(SESAME_REQ_GROUP_BYGID, SESAME_F_GID, NULL, gid, gr, buf, len, errnop);
}

/* ------------------------------------------------------ initgroups */

struct initgroups_out {
        struct gids *g;
        long int start0; /* the caller's list before this answer */
};

/* The mapped answer added to the caller's list (gids_add_mapped()); on a
 * retry the list is first cut back to what the caller had. */
static int initgroups_use(const uint8_t *d, size_t n, struct mcache_hit *hit, void *arg)
{
        struct initgroups_out *o = arg;

        *o->g->start = o->start0;
        gids_begin(o->g);
        return gids_add_mapped(o->g, d, n, hit);
}

/* The mapped answer added to the caller's list: true with *@st set, or
 * false to ask sesamed (with the list as the caller gave it). */
static bool map_initgroups(const char *user, struct gids *g, int *errnop, enum nss_status *st)
{
        struct initgroups_out o = { g, *g->start };
        int r = map_read("ig", user, 0, initgroups_use, &o);

        if (r == -ENOMEM) {
                *errnop = ENOMEM;
                *st = NSS_STATUS_TRYAGAIN;
                return true;
        }
        if (r != 0)
                *g->start = o.start0;
        *st = NSS_STATUS_SUCCESS;
        return r == 0;
}

_public_ enum nss_status _nss_sesame_initgroups_dyn(const char *user, gid_t group, long int *start,
                                                    long int *size, gid_t **groupsp, long int limit,
                                                    int *errnop)
{
        enum nss_status st;
        struct gids g;
        struct call c;
        int r;

        gids_init(&g, group, start, size, groupsp, limit);
        if (map_initgroups(user, &g, errnop, &st)) {
                gids_done(&g);
                return st;
        }
        gids_done(&g);
        int64_t deadline = now_ms() + SESAME_NSS_TIMEOUT_MS;
        r = nss_request(&c, SESAME_REQ_INITGROUPS, SESAME_F_NAME, user, 0, deadline, deadline);
        if (r < 0)
                return request_failed(&c, r, errnop);
        while (r == 0 && (r = nss_next(&c)) == 0 && c.msg.opcode == SESAME_ANS_GIDS)
                if (add_gids(&g, &c.msg) < 0) {
                        gids_done(&g);
                        call_close(&c);
                        *errnop = ENOMEM;
                        return NSS_STATUS_TRYAGAIN;
                }
        gids_done(&g);
        if (r == 0 && c.msg.opcode != SESAME_ANS_END)
                r = -EPROTO;
        if (r != 0) {
                call_close(&c);
                return unavail(errnop);
        }
        /* an empty list is a complete answer too */
        st = status_end(&c.msg, true, errnop);
        call_close(&c);
        return st;
}

/* ------------------------------------------------------ enumeration */

/*
 * One enumeration per database per process, as glibc's own getpwent is.
 * The connection stays open between calls; the current frame stays in the
 * buffer until it has been copied out, so an ERANGE retry gets the same
 * entry.  After fork() the child does not read its parent's connection:
 * it sees the enumeration as ended.
 */
struct enum_state {
        pthread_mutex_t lock;
        struct call c;
        pid_t pid;
        bool pending; /* c.msg is a frame not yet returned */
        bool started;
};

static struct enum_state pw_enum = { .lock = PTHREAD_MUTEX_INITIALIZER, .c = CALL_INIT };
static struct enum_state gr_enum = { .lock = PTHREAD_MUTEX_INITIALIZER, .c = CALL_INIT };

static void enum_reset(struct enum_state *e)
{
        /* after fork() this closes the child's copy of the descriptor only;
         * the parent's enumeration goes on undisturbed */
        call_close(&e->c);
        e->c = (struct call)CALL_INIT;
        e->pending = false;
        e->started = false;
}

static enum nss_status enum_start(struct enum_state *e, uint16_t opcode)
{
        int64_t now = now_ms();
        int r;

        (void)pthread_mutex_lock(&e->lock);
        enum_reset(e);
        e->pid = getpid();
        r = nss_request(&e->c, opcode, 0, NULL, 0, now + SESAME_NSS_TIMEOUT_MS, now + ENUM_READ_TIMEOUT_MS);
        if (r < 0)
                call_close(&e->c);
        e->started = true;
        (void)pthread_mutex_unlock(&e->lock);
        /* glibc ignores setXXent's status; failures show in getXXent */
        return r < 0 ? NSS_STATUS_UNAVAIL : NSS_STATUS_SUCCESS;
}

static void enum_end(struct enum_state *e)
{
        (void)pthread_mutex_lock(&e->lock);
        enum_reset(e);
        (void)pthread_mutex_unlock(&e->lock);
}

/* The stream broke (@r: the read's error, or -EIO): the enumeration
 * ends with an error (see the top of this file); later calls find it
 * ended. */
static enum nss_status enum_broken(struct enum_state *e, int r, int *errnop)
{
        call_close(&e->c);
        *errnop = r == -ETIMEDOUT ? ETIMEDOUT : EIO;
        return NSS_STATUS_TRYAGAIN;
}

/* Makes e->c.msg the next unreturned frame; NSS status on failure. */
static enum nss_status enum_frame(struct enum_state *e, int *errnop)
{
        int r;

        if (e->pid != getpid() || !e->started)
                enum_reset(e);
        if (e->c.fd < 0) {
                *errnop = ENOENT;
                return NSS_STATUS_NOTFOUND;
        }
        if (!e->pending) {
                /* the first frame has the deadline the request was sent
                 * with; each later one its own */
                if (e->c.opcode)
                        e->c.deadline = now_ms() + ENUM_READ_TIMEOUT_MS;
                r = nss_next(&e->c);
                if (r < 0)
                        return enum_broken(e, r, errnop);
                e->pending = true;
        }
        if (e->c.msg.opcode == SESAME_ANS_END) {
                struct call_end end;

                call_end_read(&e->c.msg, &end);
                if (end.status != SESAME_ST_OK)
                        return enum_broken(e, -EIO, errnop);
                call_close(&e->c);
                *errnop = ENOENT;
                return NSS_STATUS_NOTFOUND;
        }
        return NSS_STATUS_SUCCESS;
}

_public_ enum nss_status _nss_sesame_setpwent(int stayopen _unused_)
{
        return enum_start(&pw_enum, SESAME_REQ_PASSWD_ENUM);
}

_public_ enum nss_status _nss_sesame_endpwent(void)
{
        enum_end(&pw_enum);
        return NSS_STATUS_SUCCESS;
}

_public_ enum nss_status _nss_sesame_getpwent_r(struct passwd *pw, char *buf, size_t len, int *errnop)
{
        struct enum_state *e = &pw_enum;
        enum nss_status st;

        (void)pthread_mutex_lock(&e->lock);
        st = enum_frame(e, errnop);
        if (st == NSS_STATUS_SUCCESS) {
                if (e->c.msg.opcode != SESAME_ANS_PASSWD)
                        st = enum_broken(e, -EIO, errnop);
                else if (fill_passwd(&e->c.msg, pw, buf, len) < 0) {
                        *errnop = ERANGE;
                        st = NSS_STATUS_TRYAGAIN;
                } else
                        e->pending = false;
        }
        (void)pthread_mutex_unlock(&e->lock);
        return st;
}

_public_ enum nss_status _nss_sesame_setgrent(int stayopen _unused_)
{
        return enum_start(&gr_enum, SESAME_REQ_GROUP_ENUM);
}

_public_ enum nss_status _nss_sesame_endgrent(void)
{
        enum_end(&gr_enum);
        return NSS_STATUS_SUCCESS;
}

/*
 * A group may span several frames, and the frame after it is only known
 * once read.  So the group's frames, as call_next() decoded them, are
 * first copied into a private buffer (their fields, and a view of each),
 * which stays until the group has been returned: an ERANGE retry packs
 * them again without reading or decoding anything twice.
 */
static struct {
        uint8_t *fields; /* the frames' fields, one after the other */
        size_t len, cap;
        struct proto_msg *msgs; /* body: an offset into fields until used */
        size_t n, n_cap;
} gr_hold;

static void gr_hold_drop(void)
{
        free(gr_hold.fields);
        free(gr_hold.msgs);
        gr_hold = (__typeof__(gr_hold)){ 0 };
}

/* Copies the frame in c->msg (decoded) to gr_hold. */
static int gr_hold_add(const struct proto_msg *m)
{
        if (gr_hold.len + m->len > gr_hold.cap) {
                size_t cap = MAX(gr_hold.cap * 2, gr_hold.len + m->len);
                uint8_t *n = realloc(gr_hold.fields, cap ? cap : 1);
                if (!n)
                        return -ENOMEM;
                gr_hold.fields = n;
                gr_hold.cap = cap;
        }
        if (gr_hold.n == gr_hold.n_cap) {
                size_t cap = gr_hold.n_cap ? gr_hold.n_cap * 2 : 4;
                struct proto_msg *n = realloc(gr_hold.msgs, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                gr_hold.msgs = n;
                gr_hold.n_cap = cap;
        }
        if (m->len > 0)
                memcpy(gr_hold.fields + gr_hold.len, m->body, m->len);
        gr_hold.msgs[gr_hold.n++] = (struct proto_msg){
                .opcode = m->opcode,
                .nfields = m->nfields,
                .body = (const uint8_t *)(uintptr_t)gr_hold.len,
                .len = m->len,
        };
        gr_hold.len += m->len;
        return 0;
}

static int gr_hold_group(struct enum_state *e)
{
        gr_hold_drop();
        for (;;) {
                int r = gr_hold_add(&e->c.msg);
                if (r < 0)
                        return r;
                e->c.deadline = now_ms() + ENUM_READ_TIMEOUT_MS;
                r = nss_next(&e->c);
                if (r < 0)
                        return r;
                if (e->c.msg.opcode != SESAME_ANS_MEMBERS)
                        return 0;
        }
}

/* The held group into @gr: 0 or -ERANGE. */
static int gr_hold_unpack(struct group *gr, char *buf, size_t len)
{
        struct grpack g;
        int r = 0;

        for (size_t i = 0; r == 0 && i < gr_hold.n; i++) {
                struct proto_msg m = gr_hold.msgs[i];

                m.body = gr_hold.fields + (uintptr_t)m.body;
                r = i == 0 ? grpack_init(&g, gr, &m, buf, len) : 0;
                if (r == 0)
                        r = grpack_members(&g, &m);
        }
        if (r == 0)
                grpack_finish(&g, gr);
        return r;
}

_public_ enum nss_status _nss_sesame_getgrent_r(struct group *gr, char *buf, size_t len, int *errnop)
{
        struct enum_state *e = &gr_enum;
        enum nss_status st = NSS_STATUS_SUCCESS;

        (void)pthread_mutex_lock(&e->lock);
        if (!gr_hold.n || e->pid != getpid()) {
                st = enum_frame(e, errnop);
                if (st == NSS_STATUS_SUCCESS) {
                        int r = e->c.msg.opcode == SESAME_ANS_GROUP ? gr_hold_group(e) : -EIO;
                        if (r < 0) {
                                /* the group may lack members that were
                                 * to come: it is not handed out */
                                gr_hold_drop();
                                st = enum_broken(e, r, errnop);
                        }
                        /* c.msg now holds the frame after the group */
                }
        }
        if (st == NSS_STATUS_SUCCESS) {
                if (gr_hold_unpack(gr, buf, len) < 0) {
                        *errnop = ERANGE;
                        st = NSS_STATUS_TRYAGAIN;
                } else
                        gr_hold_drop();
        }
        (void)pthread_mutex_unlock(&e->lock);
        return st;
}
