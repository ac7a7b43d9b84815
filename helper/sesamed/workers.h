/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * workers.h - the fixed set of threads that serve requests.
 *
 * The main loop (server.c) reads a request until its frame is whole and
 * then queues its connection here; a worker takes it, serves that request
 * (and any other whole one already read behind it) and gives the
 * connection back to the main loop.  No thread is started per connection
 * and no worker ever waits on a client for a request, so an idle or slow
 * client holds a connection slot (slots.h), never a worker.
 *
 * The queue is bounded and has two lanes, as the directory pool has
 * (dir.h): the shared lane, for lookups of callers other than root, and
 * the reserved lane, for everything else (root, logins, administration,
 * self-service).  A worker always takes from the reserved lane first, and
 * takes from the shared lane only while fewer than all but the reserve of
 * workers (max(1, workers / 4), none with a single worker) serve shared
 * work: a flood of lookups by other users never holds every worker.  Each
 * lane holds at most WORKERS_QUEUE_PER_WORKER requests per worker; a full
 * lane refuses (workers_push()), it never grows.  Thread-safe.
 */
#ifndef SESAMED_WORKERS_H
#define SESAMED_WORKERS_H

#include <stdbool.h>
#include <stddef.h>

struct client;
struct workers;

/* How many requests each lane may hold, per worker. */
#define WORKERS_QUEUE_PER_WORKER 8

/* Serve the queued @cl, then hand it back; runs in a worker. */
typedef void (*workers_fn)(struct client *cl);

/**
 * workers_start() - start @n workers that call @serve for every queued
 * connection.
 * Return: 0 and *@ret, or -errno (no thread could be started: then
 * none is left running).  Fewer threads than @n (logged) is no error.
 */
int workers_start(unsigned n, workers_fn serve, struct workers **ret);

/**
 * workers_push() - queue @cl, whose buffer holds a whole request.
 * @shared: the shared lane (a lookup of a caller other than root)
 * Return: 0; -EAGAIN when the lane is full (the caller refuses the
 * request), with the number waiting in it in *@waiting.
 */
int workers_push(struct workers *w, struct client *cl, bool shared, size_t *waiting);

/* The number of workers that run. */
unsigned workers_count(const struct workers *w);

#endif
