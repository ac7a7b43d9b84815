/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proto-io.c - frames over a socket, bounded by a deadline (proto.h):
 * sending, receiving one frame (its length word judged before its body
 * is read) and sending an END.  The codec itself is proto.c's.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "macro.h"
#include "proto.h"
#include "util.h"

static uint32_t rd32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Wait for @events on @fd until @deadline: 1 when poll() reported
 * something (in *revents, which may be POLLHUP/POLLERR), or -errno. */
static int wait_fd(int fd, short events, int64_t deadline, short *revents)
{
        struct pollfd pfd = { .fd = fd, .events = events };

        for (;;) {
                int r = poll(&pfd, 1, ms_left(deadline));

                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        return -ETIMEDOUT;
                if (pfd.revents & POLLNVAL)
                        return -EBADF;
                *revents = pfd.revents;
                return 1;
        }
}

int proto_wait(int fd, short events, int64_t deadline)
{
        short rev = 0;
        int r = wait_fd(fd, events, deadline, &rev);

        return r < 0 ? r : 0;
}

int proto_send(int fd, const uint8_t *frame, size_t len, int64_t deadline)
{
        size_t done = 0;

        while (done < len) {
                /* MSG_DONTWAIT: on a blocking socket a large send() would
                 * otherwise sleep in the kernel past the deadline. */
                ssize_t n = send(fd, frame + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
                short rev = 0;
                int r;

                if (n > 0) {
                        done += (size_t)n;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                        return -errno;
                /* no room: wait for it */
                r = wait_fd(fd, POLLOUT, deadline, &rev);
                if (r < 0)
                        return r;
                /* POLLERR: let send() report the actual error. */
                if ((rev & POLLHUP) && !(rev & POLLERR))
                        return -EPIPE;
        }
        return 0;
}

/* Reads what is there, at most @cap bytes, waiting until @deadline for
 * the first: 0 with *@got > 0; 1 at EOF; or -errno (-ETIMEDOUT). */
static int recv_some(int fd, uint8_t *buf, size_t cap, int64_t deadline, size_t *got)
{
        *got = 0;
        for (;;) {
                /* POLLHUP may come with data still queued: recv() tells
                 * data, EOF (0) or the error apart. */
                ssize_t k = recv(fd, buf, cap, MSG_DONTWAIT);
                short rev = 0;
                int r;

                if (k > 0) {
                        *got = (size_t)k;
                        return 0;
                }
                if (k == 0)
                        return 1;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                        return -errno;
                /* nothing yet: wait for it */
                r = wait_fd(fd, POLLIN, deadline, &rev);
                if (r < 0)
                        return r;
        }
}

/*
 * Read exactly @n bytes.  Returns 0, -errno, or 1 on EOF with the bytes
 * read so far in *got (the caller decides whether that is a clean end).
 */
static int recv_exact(int fd, uint8_t *buf, size_t n, int64_t deadline, size_t *got)
{
        *got = 0;
        while (*got < n) {
                size_t k = 0;
                int r = recv_some(fd, buf + *got, n - *got, deadline, &k);

                if (r != 0)
                        return r;
                *got += k;
        }
        return 0;
}

/* The rules for a length word, for proto_recv() and proto_frame_len(). */
static int check_len(uint32_t flen, size_t cap)
{
        if (flen > SESAME_FRAME_MAX)
                return SESAME_E_OVERSIZE;
        if (flen < SESAME_HDR_LEN)
                return SESAME_E_SHORT;
        if (cap < 4 || cap - 4 < flen)
                return SESAME_E_OVERSIZE;
        return 0;
}

int proto_frame_len(const uint8_t *buf, size_t have, size_t cap, size_t *ret)
{
        int r;

        *ret = 0;
        if (have < 4)
                return 0;
        r = check_len(rd32(buf), cap);
        if (r != 0)
                return r;
        *ret = 4 + (size_t)rd32(buf);
        return 0;
}

int proto_recv(int fd, uint8_t *buf, size_t cap, struct proto_msg *ret, int64_t deadline)
{
        uint8_t lenw[4];
        uint32_t flen;
        size_t got;
        int r;

        r = recv_exact(fd, lenw, sizeof(lenw), deadline, &got);
        if (r < 0)
                return r;
        if (r > 0)
                return got == 0 ? SESAME_E_EOF : SESAME_E_TRUNCATED;

        /* Judge the length word before reading (or reserving) any body. */
        flen = rd32(lenw);
        r = check_len(flen, cap);
        if (r != 0)
                return r;
        memcpy(buf, lenw, sizeof(lenw));

        r = recv_exact(fd, buf + 4, flen, deadline, &got);
        if (r < 0)
                return r;
        if (r > 0)
                return SESAME_E_TRUNCATED;
        return proto_decode(buf + 4, flen, ret);
}

int proto_send_end(int fd, uint32_t status, const char *message, int64_t deadline)
{
        /* Sized for the largest END (STATUS + a full MESSAGE), not
         * SESAME_BUF_MAX: it lives on the stack of one of sesamed's
         * client threads. */
        uint8_t buf[4 + SESAME_HDR_LEN + 4 + 4 + 4 + SESAME_TEXT_MAX];
        struct proto_writer w;
        size_t len;
        int r;

        proto_begin(&w, buf, sizeof(buf), SESAME_ANS_END);
        r = proto_put_u32(&w, SESAME_F_STATUS, status);
        if (r != 0)
                return r;
        if (message) {
                r = proto_put_str(&w, SESAME_F_MESSAGE, message);
                if (r != 0)
                        return r;
        }
        r = proto_end(&w, &len);
        if (r != 0)
                return r;
        return proto_send(fd, buf, len, deadline);
}

