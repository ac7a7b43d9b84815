/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-pam - how fast a PAM service logs people in: what login, sshd or
 * a screen locker does per login (pam_start, pam_authenticate,
 * pam_acct_mgmt, pam_end), in PROCS processes at once.  The same program
 * measures pam_sesame, pam_ldap (nslcd) and pam_sss (SSSD): only the
 * service file differs.  Plain libc + libpam.
 *
 *   bench-pam SERVICE CREDENTIALS TOTAL PROCS
 *
 * CREDENTIALS: lines "user password"; request k logs in the user of line
 * k modulo their number.  The conversation answers every hidden prompt
 * with the password and every visible one with the user name.  PROCS
 * processes are forked (a module is loaded once per pam_start, in the
 * process that logs in, as in a real login) and share the TOTAL requests.
 *
 * Prints one line of key=value pairs, latencies in microseconds: service
 * procs ops ok fail secs rate p50_us p99_us mean_us max_us (the whole
 * request), auth_p50_us auth_p99_us (pam_authenticate alone),
 * acct_p50_us acct_p99_us (pam_acct_mgmt alone), died (workers that did
 * not exit 0: a crash in a module) and first_error (pam_strerror of the
 * first failure, blanks as '_').  Exit status 0 when every worker
 * finished (failed logins are counted, not fatal), 3 when one died, 2
 * for a usage error, 1 otherwise.
 */
#include <errno.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-stats.h"
#include "macro.h"
#include "util.h"

/* what one worker process found; in memory shared with the parent */
struct result {
        struct hist total;
        struct hist auth;
        struct hist acct;
        uint64_t ok;
        uint64_t failed;
        int first_error;
};

struct login {
        const char *user;
        const char *password;
};

static int conversation(int n, const struct pam_message **msg, struct pam_response **ret, void *data)
{
        const struct login *l = data;
        struct pam_response *resp;

        if (n <= 0)
                return PAM_CONV_ERR;
        resp = calloc((size_t)n, sizeof(*resp));
        if (!resp)
                return PAM_BUF_ERR;
        for (int i = 0; i < n; i++) {
                const char *answer = NULL;

                if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
                        answer = l->password;
                else if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
                        answer = l->user;
                /* PAM_ERROR_MSG and PAM_TEXT_INFO need no answer */
                if (answer && !(resp[i].resp = strdup(answer))) {
                        for (int j = 0; j < i; j++)
                                (void)erase_and_free(resp[j].resp);
                        free(resp);
                        return PAM_BUF_ERR;
                }
        }
        *ret = resp;
        return PAM_SUCCESS;
}

/* one login of @l on @service, timed into @res */
static void login_once(const char *service, const struct login *l, struct result *res)
{
        struct pam_conv conv = { conversation, (void *)(uintptr_t)l };
        pam_handle_t *pamh = NULL;
        uint64_t t0, t1, t2, t3;
        int r;

        t0 = now_ns();
        r = pam_start(service, l->user, &conv, &pamh);
        t1 = now_ns();
        if (r == PAM_SUCCESS) {
                r = pam_authenticate(pamh, 0);
                t2 = now_ns();
                hist_add(&res->auth, t2 - t1);
                if (r == PAM_SUCCESS) {
                        r = pam_acct_mgmt(pamh, 0);
                        t3 = now_ns();
                        hist_add(&res->acct, t3 - t2);
                }
        }
        if (pamh)
                (void)pam_end(pamh, r);
        hist_add(&res->total, now_ns() - t0);
        if (r == PAM_SUCCESS) {
                res->ok++;
                return;
        }
        res->failed++;
        if (!res->first_error) {
                res->first_error = r;
                fprintf(stderr, "bench-pam: %s: %s\n", l->user, pam_strerror(pamh, r));
        }
}

static int usage(void)
{
        fprintf(stderr, "usage: bench-pam SERVICE CREDENTIALS TOTAL PROCS\n");
        return 2;
}

static void print_result(const char *service, unsigned procs, const struct result *all, double secs,
                         unsigned died)
{
        char err[128] = "none";

        if (all->first_error) {
                (void)strcpy_bounded(err, sizeof(err), pam_strerror(NULL, all->first_error));
                for (char *p = err; *p; p++)
                        if (*p == ' ')
                                *p = '_';
        }
        printf("service=%s procs=%u ops=%llu ok=%llu fail=%llu secs=%.3f rate=%.1f p50_us=%.1f "
               "p99_us=%.1f mean_us=%.1f max_us=%.1f auth_p50_us=%.1f auth_p99_us=%.1f "
               "acct_p50_us=%.1f acct_p99_us=%.1f died=%u first_error=%s\n",
               service, procs, (unsigned long long)all->total.count, (unsigned long long)all->ok,
               (unsigned long long)all->failed, secs, secs > 0 ? (double)all->total.count / secs : 0,
               hist_percentile_us(&all->total, 50), hist_percentile_us(&all->total, 99),
               hist_mean_us(&all->total), (double)all->total.max_ns / 1000,
               hist_percentile_us(&all->auth, 50), hist_percentile_us(&all->auth, 99),
               hist_percentile_us(&all->acct, 50), hist_percentile_us(&all->acct, 99), died, err);
}

int main(int argc, char **argv)
{
        struct name_list creds;
        struct result *res, *all;
        uint32_t total, procs;
        unsigned died = 0;
        uint64_t start;
        pid_t *pids;
        int r;

        if (argc != 5 || parse_u32(argv[3], 1, 100000000, &total) < 0 ||
            parse_u32(argv[4], 1, 1024, &procs) < 0)
                return usage();
        r = name_list_read(argv[2], &creds);
        if (r < 0) {
                fprintf(stderr, "bench-pam: %s: %s\n", argv[2], strerror(-r));
                return 1;
        }
        /* one result per worker and one for the sum */
        res = mmap(NULL, sizeof(*res) * (procs + 1), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
        pids = calloc(procs, sizeof(*pids));
        if (res == MAP_FAILED || !pids) {
                fprintf(stderr, "bench-pam: out of memory\n");
                return 1;
        }
        all = &res[procs];
        /* stdout is inherited: nothing buffered may be written twice */
        (void)fflush(stdout);
        start = now_ns();
        for (uint32_t p = 0; p < procs; p++) {
                pids[p] = fork();
                if (pids[p] < 0) {
                        fprintf(stderr, "bench-pam: fork: %s\n", strerror(errno));
                        died++;
                        break;
                }
                if (pids[p] == 0) {
                        for (uint32_t k = p; k < total; k += procs) {
                                size_t i = k % creds.n;
                                struct login l = { creds.name[i], creds.arg[i] ? creds.arg[i] : "" };

                                login_once(argv[1], &l, &res[p]);
                        }
                        _exit(0);
                }
        }
        for (uint32_t p = 0; p < procs && pids[p] > 0; p++) {
                int status = 0;

                if (waitpid(pids[p], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                        fprintf(stderr, "bench-pam: worker %u died (status 0x%x)\n", p, (unsigned)status);
                        died++;
                }
        }
        for (uint32_t p = 0; p < procs; p++) {
                hist_merge(&all->total, &res[p].total);
                hist_merge(&all->auth, &res[p].auth);
                hist_merge(&all->acct, &res[p].acct);
                all->ok += res[p].ok;
                all->failed += res[p].failed;
                if (!all->first_error)
                        all->first_error = res[p].first_error;
        }
        print_result(argv[1], procs, all, (double)(now_ns() - start) / 1e9, died);
        free(pids);
        name_list_done(&creds);
        return died ? 3 : 0;
}
