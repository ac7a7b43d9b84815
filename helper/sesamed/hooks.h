/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hooks.h - the [hooks] program of sesame.conf(5), run for an event.
 *
 * The program gets the event name as its only argument, PATH as its only
 * environment and the event's "KEY=value" lines (events-format.h) on its
 * stdin.  It runs as root, so it must be a regular file owned by root and
 * writable by no one else, checked before every run.  A hook never delays
 * the request that caused its event, and one still running after [hooks]
 * timeout seconds is killed with its process group.  doc/events.md
 * describes the interface for the people who write hooks.
 */
#ifndef SESAMED_HOOKS_H
#define SESAMED_HOOKS_H

#include "events.h"

struct sesame_conf;

/**
 * hook_start() - run the hook program of @c for @ev, without waiting.
 * @c: the configuration; its hook_program must be set.  Program and
 *     timeout are copied, so @c may be freed (a reload) at once.
 * @ev: the event
 * @d: what is known of it; copied into the hook's input
 *
 * Never blocks on the hook: a detached thread starts and supervises it.
 * Failures (no memory, too many hooks running, a program that may not or
 * cannot run) are logged and the hook is skipped.
 */
void hook_start(const struct sesame_conf *c, enum event ev, const struct event_data *d);

#endif
