/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.h - sesamed's main loop.
 */
#ifndef SESAMED_SERVER_H
#define SESAMED_SERVER_H

/**
 * server_run() - listen, serve and handle signals until SIGTERM/SIGINT.
 * @conf_path: re-read on SIGHUP
 *
 * Needs a current generation (ctx_install()).  Return: 0 on a stop by
 * signal, -errno when the sockets could not be set up or poll failed.
 */
int server_run(const char *conf_path);

#endif
