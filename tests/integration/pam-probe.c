/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam-probe - drive a PAM service the way an application does, for the
 * cases pamtester cannot reach: pamtester's conversation (libpam_misc's
 * misc_conv) cuts every answer at 511 bytes, so a module never sees a
 * longer password through it.
 *
 *   pam-probe SERVICE USER OPERATION...
 *
 * OPERATION: authenticate, acct_mgmt, chauthtok, open_session,
 * close_session; sleep=MS (wait that long: what an application may do
 * between two calls); fork-acct_mgmt (pam_acct_mgmt() in a child of a
 * fork, on the handle the child inherited, as a forking server does; the
 * child's result is the operation's).  Every prompt (echo on or off) is answered with the next
 * line of standard input, of any length (no answer left: PAM_CONV_ERR).
 * Messages of the modules are printed as "info: ..." / "error: ...".
 * After each operation "OPERATION: NUMBER TEXT" (the PAM return value and
 * pam_strerror()), at the end "PAM_USER=NAME".  Exit status: 0 if every
 * operation succeeded, else 1 (the operations after a failure are not
 * run).
 */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char **answers;
static size_t n_answers, next_answer;

static void read_answers(void)
{
        char *line = NULL;
        size_t size = 0;
        ssize_t n;

        while ((n = getline(&line, &size, stdin)) >= 0) {
                char **a;

                if (n > 0 && line[n - 1] == '\n')
                        line[n - 1] = '\0';
                a = realloc(answers, (n_answers + 1) * sizeof(*answers));
                if (!a)
                        exit(2);
                answers = a;
                answers[n_answers] = strdup(line);
                if (!answers[n_answers])
                        exit(2);
                n_answers++;
        }
        free(line);
}

static int conv(int num_msg, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        struct pam_response *r;
        int i;

        (void)data;
        if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG)
                return PAM_CONV_ERR;
        r = calloc((size_t)num_msg, sizeof(*r));
        if (!r)
                return PAM_BUF_ERR;
        for (i = 0; i < num_msg; i++) {
                switch (msg[i]->msg_style) {
                case PAM_PROMPT_ECHO_OFF:
                case PAM_PROMPT_ECHO_ON:
                        printf("prompt: %s\n", msg[i]->msg);
                        if (next_answer >= n_answers)
                                goto fail;
                        r[i].resp = strdup(answers[next_answer++]);
                        if (!r[i].resp)
                                goto fail;
                        break;
                case PAM_ERROR_MSG:
                        printf("error: %s\n", msg[i]->msg);
                        break;
                case PAM_TEXT_INFO:
                        printf("info: %s\n", msg[i]->msg);
                        break;
                default:
                        goto fail;
                }
        }
        fflush(stdout);
        *resp = r;
        return PAM_SUCCESS;
fail:
        for (i = 0; i < num_msg; i++)
                free(r[i].resp);
        free(r);
        return PAM_CONV_ERR;
}

/* pam_acct_mgmt() in a child: its result (PAM_SYSTEM_ERR when the child
 * could not run). */
static int forked_acct_mgmt(pam_handle_t *pamh)
{
        pid_t pid;
        int st;

        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return PAM_SYSTEM_ERR;
        if (pid == 0) {
                int r = pam_acct_mgmt(pamh, 0);

                fflush(stdout);
                (void)pam_end(pamh, r | PAM_DATA_SILENT);
                _exit(r & 0xff);
        }
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
                return PAM_SYSTEM_ERR;
        return WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
        struct pam_conv c = { conv, NULL };
        pam_handle_t *pamh = NULL;
        const void *user = NULL;
        int r, i, failed = 0;

        if (argc < 4) {
                fprintf(stderr, "usage: pam-probe SERVICE USER OPERATION...\n");
                return 2;
        }
        read_answers();
        r = pam_start(argv[1], argv[2], &c, &pamh);
        if (r != PAM_SUCCESS) {
                printf("pam_start: %d\n", r);
                return 1;
        }
        for (i = 3; i < argc && !failed; i++) {
                const char *op = argv[i];

                if (strcmp(op, "authenticate") == 0)
                        r = pam_authenticate(pamh, 0);
                else if (strcmp(op, "acct_mgmt") == 0)
                        r = pam_acct_mgmt(pamh, 0);
                else if (strcmp(op, "chauthtok") == 0)
                        r = pam_chauthtok(pamh, 0);
                else if (strcmp(op, "open_session") == 0)
                        r = pam_open_session(pamh, 0);
                else if (strcmp(op, "close_session") == 0)
                        r = pam_close_session(pamh, 0);
                else if (strncmp(op, "sleep=", 6) == 0) {
                        long ms = strtol(op + 6, NULL, 10);
                        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

                        (void)nanosleep(&ts, NULL);
                        r = PAM_SUCCESS;
                } else if (strcmp(op, "fork-acct_mgmt") == 0)
                        r = forked_acct_mgmt(pamh);
                else {
                        fprintf(stderr, "pam-probe: unknown operation %s\n", op);
                        (void)pam_end(pamh, PAM_SUCCESS);
                        return 2;
                }
                printf("%s: %d %s\n", op, r, pam_strerror(pamh, r));
                failed = r != PAM_SUCCESS;
        }
        if (pam_get_item(pamh, PAM_USER, &user) == PAM_SUCCESS && user)
                printf("PAM_USER=%s\n", (const char *)user);
        (void)pam_end(pamh, r);
        for (size_t k = 0; k < n_answers; k++) {
                memset(answers[k], 0, strlen(answers[k]));
                free(answers[k]);
        }
        free(answers);
        return failed ? 1 : 0;
}
