/* views: what every libc entry point shows a program about one mount.
 *
 *   views MOUNTPOINT PATH_INSIDE
 *
 * Prints one line per way of looking: "<how>: <type> <source>" for the
 * mount tables, "<how>: <hex f_type>" for statfs, and the statvfs sizes.
 * Built plain, with -D_FILE_OFFSET_BITS=64 (the *64 symbols) and with
 * -D_FORTIFY_SOURCE=2 -O2 (the __open_2 family), so one test covers every
 * symbol a real program may bind to. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "probe.h"

static const char *target;

/* Flags the compiler cannot see as constant, so _FORTIFY_SOURCE builds
 * call __open_2 / __openat_2 rather than open / openat. */
static volatile int rdonly = O_RDONLY;

/* Finds the target's line in a mounts or mountinfo text and prints it. */
static void report(const char *how, char *text)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[64];
        int n = 0;
        char *fs = NULL;
        for (char *t = strtok_r(line, " ", &fs); t && n < 64; t = strtok_r(NULL, " ", &fs))
            f[n++] = t;
        const char *mp, *type, *source;
        if (n >= 10 && strchr(f[2], ':')) { /* mountinfo */
            int sep = 6;
            while (sep < n && strcmp(f[sep], "-") != 0)
                sep++;
            if (sep + 2 >= n)
                continue;
            mp = f[4];
            type = f[sep + 1];
            source = f[sep + 2];
        } else if (n >= 3) {
            mp = f[1];
            type = f[2];
            source = f[0];
        } else {
            continue;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s", mp);
        decode(path);
        if (strcmp(path, target) == 0) {
            printf("%s: %s %s\n", how, type, source);
            return;
        }
    }
    printf("%s: missing\n", how);
}

static char *read_fd(int fd)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (len == cap)
            buf = realloc(buf, (cap *= 2) + 1);
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = 0;
    return buf;
}

static void via_fd(const char *how, int fd)
{
    if (fd < 0) {
        printf("%s: open failed: %s\n", how, strerror(errno));
        return;
    }
    char *text = read_fd(fd);
    close(fd);
    report(how, text);
    free(text);
}

static void via_stream(const char *how, FILE *f)
{
    if (!f) {
        printf("%s: open failed: %s\n", how, strerror(errno));
        return;
    }
    char *text = read_fd(fileno(f));
    fclose(f);
    report(how, text);
    free(text);
}

static void via_getmntent(const char *how, const char *file, int reentrant)
{
    FILE *f = setmntent(file, "r");
    if (!f) {
        printf("%s: setmntent failed: %s\n", how, strerror(errno));
        return;
    }
    struct mntent *m, entry;
    char buf[4096];
    while ((m = reentrant ? getmntent_r(f, &entry, buf, sizeof buf) : getmntent(f)))
        if (strcmp(m->mnt_dir, target) == 0) {
            printf("%s: %s %s\n", how, m->mnt_type, m->mnt_fsname);
            endmntent(f);
            return;
        }
    endmntent(f);
    printf("%s: missing\n", how);
}

/* The fd works like a file: fstat, pread, lseek, mmap and dup agree. */
static void fd_operations(void)
{
    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        printf("fd: open failed\n");
        return;
    }
    char *first = read_fd(fd);
    size_t len = strlen(first);

    char *again = malloc(len + 1);
    ssize_t n = pread(fd, again, len, 0);
    again[n < 0 ? 0 : n] = 0;
    printf("pread: %s\n", strcmp(first, again) == 0 ? "same" : "different");

    lseek(fd, 0, SEEK_SET);
    char *after_seek = read_fd(fd);
    printf("lseek+read: %s\n", strcmp(first, after_seek) == 0 ? "same" : "different");

    int copy = dup(fd);
    lseek(copy, 0, SEEK_SET);
    char *via_dup = read_fd(copy);
    printf("dup: %s\n", strcmp(first, via_dup) == 0 ? "same" : "different");
    close(copy);

    printf("cloexec: %s\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? "yes" : "no");

    struct stat st;
    fstat(fd, &st);
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        int same = map != MAP_FAILED && (size_t)st.st_size == len && memcmp(map, first, len) == 0;
        printf("mmap: %s\n", same ? "same" : "different");
        if (map != MAP_FAILED)
            munmap(map, (size_t)st.st_size);
    } else {
        printf("mmap: kernel file\n");
    }
    close(fd);
    report("fd", first);
    free(first);
    free(again);
    free(after_seek);
    free(via_dup);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MOUNTPOINT PATH_INSIDE\n", argv[0]);
        return 2;
    }
    target = argv[1];
    const char *inside = argv[2];
    setvbuf(stdout, NULL, _IOLBF, 0);

    via_fd("open /proc/mounts", open("/proc/mounts", O_RDONLY, 0660));
    via_fd("open /proc/self/mountinfo", open("/proc/self/mountinfo", rdonly));
    via_fd("openat /proc/self/mounts", openat(AT_FDCWD, "/proc/self/mounts", rdonly));
    int self = open("/proc/self", O_RDONLY | O_DIRECTORY);
    via_fd("openat dirfd mountinfo", openat(self, "mountinfo", O_RDONLY));
    close(self);
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) && chdir("/proc") == 0) {
        via_fd("open relative self/mounts", open("self/mounts", O_RDONLY));
        if (chdir(cwd) != 0)
            return 1;
    }
    char own[64];
    snprintf(own, sizeof own, "/proc/%d/mountinfo", (int)getpid());
    via_fd("open /proc/PID/mountinfo", open(own, O_RDONLY));
    via_fd("open /proc/thread-self/mountinfo", open("/proc/thread-self/mountinfo", O_RDONLY));
    via_fd("open /etc/mtab", open("/etc/mtab", O_RDONLY));
    via_stream("fopen /proc/self/mountinfo", fopen("/proc/self/mountinfo", "re"));
    via_stream("fopen /proc/mounts", fopen("/proc/mounts", "r"));
    FILE *f = fopen("/dev/null", "r");
    via_stream("freopen /proc/self/mounts", freopen("/proc/self/mounts", "r", f));
    via_getmntent("getmntent /proc/mounts", "/proc/mounts", 0);
    via_getmntent("getmntent_r /proc/self/mounts", "/proc/self/mounts", 1);
    via_getmntent("getmntent /etc/mtab", "/etc/mtab", 0);
    fd_operations();

    struct statfs sf;
    if (statfs(inside, &sf) == 0)
        printf("statfs: %lx\n", (unsigned long)(unsigned)sf.f_type);
    else
        printf("statfs: failed: %s\n", strerror(errno));
    int in = open(inside, O_RDONLY);
    if (in >= 0 && fstatfs(in, &sf) == 0)
        printf("fstatfs: %lx\n", (unsigned long)(unsigned)sf.f_type);
    else
        printf("fstatfs: failed: %s\n", strerror(errno));
    if (in >= 0)
        close(in);
    if (statfs(target, &sf) == 0)
        printf("statfs mountpoint: %lx\n", (unsigned long)(unsigned)sf.f_type);
    struct statvfs sv;
    if (statvfs(target, &sv) == 0)
        /* Free space moves with whatever else the host writes: not printed. */
        printf("statvfs: blocks=%llu files=%llu bsize=%lu frsize=%lu\n",
               (unsigned long long)sv.f_blocks, (unsigned long long)sv.f_files, sv.f_bsize,
               sv.f_frsize);
    return 0;
}
