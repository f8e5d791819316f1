/* stress: many threads hammering every hooked call, checked against the
 * single-threaded answer; a fork from the busy state; fd and memory
 * accounting before and after.
 *
 *   stress THREADS CALLS MOUNTPOINT PATH_INSIDE
 *
 * Prints "mismatches=N calls=N fds_before=N fds_after=N rss_growth_kb=N
 * child=ok|failed" and exits 0 only when every answer matched. */

#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <mntent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

static const char *mountpoint, *inside;
static long calls_per_thread;
static atomic_long mismatches, calls_done;

struct answer {
    char table_type[64], mntent_type[64], source[256];
    unsigned long magic, fmagic;
};
static struct answer reference;

/* Type and source of MOUNTPOINT in mountinfo, read with open+read. */
static void from_table(char *type, char *source)
{
    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    static __thread char buf[1 << 20];
    size_t len = 0;
    ssize_t n;
    while (fd >= 0 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    if (fd >= 0)
        close(fd);
    buf[len] = 0;
    strcpy(type, "?");
    strcpy(source, "?");
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        char mp[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 || strcmp(mp, mountpoint) != 0)
            continue;
        char *sep = strstr(line, " - ");
        if (sep && sscanf(sep + 3, "%63s %255s", type, source) == 2)
            return;
    }
}

static void from_mntent(char *type)
{
    FILE *f = setmntent("/proc/mounts", "r");
    struct mntent m, *p;
    char buf[8192];
    strcpy(type, "?");
    while (f && (p = getmntent_r(f, &m, buf, sizeof buf)))
        if (strcmp(p->mnt_dir, mountpoint) == 0) {
            snprintf(type, 64, "%s", p->mnt_type);
            break;
        }
    if (f)
        endmntent(f);
}

static void answer(struct answer *a, int which)
{
    struct statfs sf;
    switch (which) {
    case 0:
        from_table(a->table_type, a->source);
        break;
    case 1:
        from_mntent(a->mntent_type);
        break;
    case 2:
        a->magic = statfs(inside, &sf) == 0 ? (unsigned)sf.f_type : 0;
        break;
    case 3: {
        int fd = open(inside, O_RDONLY | O_CLOEXEC);
        a->fmagic = fd >= 0 && fstatfs(fd, &sf) == 0 ? (unsigned)sf.f_type : 0;
        if (fd >= 0)
            close(fd);
        break;
    }
    }
}

static int matches(const struct answer *a, int which)
{
    switch (which) {
    case 0:
        return strcmp(a->table_type, reference.table_type) == 0 &&
               strcmp(a->source, reference.source) == 0;
    case 1:
        return strcmp(a->mntent_type, reference.mntent_type) == 0;
    case 2:
        return a->magic == reference.magic;
    default:
        return a->fmagic == reference.fmagic;
    }
}

static void *worker(void *arg)
{
    long seed = (long)arg;
    for (long i = 0; i < calls_per_thread; i++) {
        struct answer a;
        int which = (int)((i + seed) % 4);
        answer(&a, which);
        if (!matches(&a, which))
            atomic_fetch_add(&mismatches, 1);
        atomic_fetch_add(&calls_done, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s THREADS CALLS MOUNTPOINT PATH_INSIDE\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[1]);
    calls_per_thread = atol(argv[2]);
    mountpoint = argv[3];
    inside = argv[4];
    for (int w = 0; w < 4; w++)
        answer(&reference, w);
    printf("reference: %s %s %s %lx %lx\n", reference.table_type, reference.source,
           reference.mntent_type, reference.magic, reference.fmagic);

    /* Warm up (lazy symbol resolution, first map build), then measure. */
    for (int w = 0; w < 4; w++) {
        struct answer a;
        answer(&a, w);
    }
    int fds_before = count_fds();
    long rss_before = rss_kb();

    pthread_t *t = calloc((size_t)threads, sizeof *t);
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, (void *)(long)i);

    /* Fork while the workers are busy: the child must not hang or differ. */
    usleep(10000);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 200; i++) {
            struct answer a;
            answer(&a, i % 4);
            if (!matches(&a, i % 4))
                _exit(1);
        }
        _exit(0);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    free(t);

    int fds_after = count_fds();
    long rss_growth = rss_kb() - rss_before;
    int child_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    printf("mismatches=%ld calls=%ld fds_before=%d fds_after=%d rss_growth_kb=%ld child=%s\n",
           atomic_load(&mismatches), atomic_load(&calls_done), fds_before, fds_after, rss_growth,
           child_ok ? "ok" : "failed");
    return atomic_load(&mismatches) == 0 && fds_before == fds_after && child_ok ? 0 : 1;
}
