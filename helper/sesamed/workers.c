/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * workers.c - the worker threads and their bounded two-lane queue (see
 * workers.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "conn.h"
#include "log.h"
#include "macro.h"
#include "workers.h"

struct lane {
        struct client *head, *tail;
        size_t n;
};

struct workers {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct lane reserved, shared;
        size_t lane_max;
        unsigned n;           /* threads running */
        unsigned reserve;     /* workers shared work may not take */
        unsigned busy_shared; /* workers serving shared work */
        workers_fn serve;
};

static void lane_push(struct lane *l, struct client *cl)
{
        cl->qnext = NULL;
        if (l->tail)
                l->tail->qnext = cl;
        else
                l->head = cl;
        l->tail = cl;
        l->n++;
}

static struct client *lane_pop(struct lane *l)
{
        struct client *cl = l->head;

        l->head = cl->qnext;
        if (!l->head)
                l->tail = NULL;
        l->n--;
        cl->qnext = NULL;
        return cl;
}

/* The next connection this worker may serve, under w->lock; NULL: none. */
static struct client *next_job(struct workers *w, bool *shared)
{
        if (w->reserved.n) {
                *shared = false;
                return lane_pop(&w->reserved);
        }
        if (w->shared.n && w->busy_shared + w->reserve < w->n) {
                *shared = true;
                w->busy_shared++;
                return lane_pop(&w->shared);
        }
        return NULL;
}

static void *worker_thread(void *arg)
{
        struct workers *w = arg;

        for (;;) {
                struct client *cl;
                bool shared = false;

                (void)pthread_mutex_lock(&w->lock);
                while (!(cl = next_job(w, &shared)))
                        (void)pthread_cond_wait(&w->cond, &w->lock);
                (void)pthread_mutex_unlock(&w->lock);
                w->serve(cl);
                if (shared) {
                        bool more;

                        (void)pthread_mutex_lock(&w->lock);
                        w->busy_shared--;
                        more = w->shared.n > 0;
                        (void)pthread_mutex_unlock(&w->lock);
                        /* a worker may now take the shared work it had
                         * to leave (woken after the unlock: see
                         * workers_push()) */
                        if (more)
                                (void)pthread_cond_signal(&w->cond);
                }
        }
        return NULL;
}

int workers_start(unsigned n, workers_fn serve, struct workers **ret)
{
        struct workers *w = calloc(1, sizeof(*w));
        pthread_attr_t attr;
        int r = 0;

        if (!w)
                return -ENOMEM;
        (void)pthread_mutex_init(&w->lock, NULL);
        (void)pthread_cond_init(&w->cond, NULL);
        w->serve = serve;
        w->lane_max = (size_t)n * WORKERS_QUEUE_PER_WORKER;
        (void)pthread_attr_init(&attr);
        (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        (void)pthread_attr_setstacksize(&attr, 512 * 1024);
        for (unsigned i = 0; i < n; i++) {
                pthread_t t;

                (void)pthread_mutex_lock(&w->lock);
                r = -pthread_create(&t, &attr, worker_thread, w);
                if (r == 0)
                        w->n++;
                (void)pthread_mutex_unlock(&w->lock);
                if (r < 0)
                        break;
        }
        (void)pthread_attr_destroy(&attr);
        if (w->n == 0) {
                /* nothing runs that could touch it */
                (void)pthread_mutex_destroy(&w->lock);
                (void)pthread_cond_destroy(&w->cond);
                free(w);
                return r < 0 ? r : -EINVAL;
        }
        if (w->n < n)
                log_error("only %u of %u worker threads could be started", w->n, n);
        (void)pthread_mutex_lock(&w->lock);
        w->reserve = w->n > 1 ? MAX(1u, w->n / 4) : 0;
        (void)pthread_mutex_unlock(&w->lock);
        *ret = w;
        return 0;
}

int workers_push(struct workers *w, struct client *cl, bool shared, size_t *waiting)
{
        struct lane *l = shared ? &w->shared : &w->reserved;
        int r = 0;

        (void)pthread_mutex_lock(&w->lock);
        if (l->n >= w->lane_max) {
                *waiting = l->n;
                r = -EAGAIN;
        } else
                lane_push(l, cl);
        (void)pthread_mutex_unlock(&w->lock);
        /* one waiter: a waiting worker is an idle one, and any idle
         * worker may take what another idle one may.  After the unlock,
         * so that the worker woken does not at once wait for this
         * thread's mutex; it checks the lanes under the lock, so no
         * wake-up is lost. */
        if (r == 0)
                (void)pthread_cond_signal(&w->cond);
        return r;
}

unsigned workers_count(const struct workers *w)
{
        return w->n;
}
