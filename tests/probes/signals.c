/* signals: hooked calls under a storm of signals (SIGALRM every 50 µs,
 * handler without SA_RESTART, so slow calls see EINTR), checked against
 * the answer without signals.
 *
 *   signals ITERATIONS MOUNTPOINT PATH_INSIDE
 *
 * Prints "mismatches=N iterations=N signals=N eintr=N". */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t signals;
static long eintr;
static const char *target;
static char buf[1 << 20];

static void on_alarm(int sig)
{
    (void)sig;
    int saved = errno;
    signals++;
    errno = saved;
}

static void table_type(char *type)
{
    int fd;
    while ((fd = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC)) < 0 && errno == EINTR)
        eintr++;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n < 0 && errno == EINTR) {
            eintr++;
            continue;
        }
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    strcpy(type, "?");
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char mp[4096], t[64];
        if (sscanf(line, "%*s %4095s %63s", mp, t) == 2 && strcmp(mp, target) == 0) {
            strcpy(type, t);
            return;
        }
    }
}

static void mntent_type(char *type)
{
    FILE *f = setmntent("/proc/mounts", "r");
    struct mntent m, *p;
    char line[8192];
    strcpy(type, "?");
    while (f && (p = getmntent_r(f, &m, line, sizeof line)))
        if (strcmp(p->mnt_dir, target) == 0) {
            snprintf(type, 64, "%s", p->mnt_type);
            break;
        }
    if (f)
        endmntent(f);
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    long iterations = atol(argv[1]);
    target = argv[2];
    const char *inside = argv[3];
    char ref_table[64], ref_mntent[64];
    struct statfs sf;
    table_type(ref_table);
    mntent_type(ref_mntent);
    statfs(inside, &sf);
    unsigned long ref_magic = (unsigned)sf.f_type;

    struct sigaction sa = {.sa_handler = on_alarm};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {.it_interval = {0, 50}, .it_value = {0, 50}};
    setitimer(ITIMER_REAL, &it, NULL);

    long mismatches = 0;
    for (long i = 0; i < iterations; i++) {
        char t[64];
        table_type(t);
        mismatches += strcmp(t, ref_table) != 0;
        mntent_type(t);
        mismatches += strcmp(t, ref_mntent) != 0;
        while (statfs(inside, &sf) != 0)
            if (errno == EINTR)
                eintr++;
        mismatches += (unsigned)sf.f_type != ref_magic;
    }
    struct itimerval off = {0};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("reference=%s,%s,%lx mismatches=%ld iterations=%ld signals=%ld eintr=%ld\n", ref_table,
           ref_mntent, ref_magic, mismatches, iterations, (long)signals, eintr);
    return mismatches == 0 ? 0 : 1;
}
