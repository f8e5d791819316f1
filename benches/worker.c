/* The timed work of the benchmark; the driver (overhead.rs) runs it with
 * and without libfakefstype.so preloaded and compares.
 *
 *   worker statfs PATH N        statfs(PATH), N times
 *   worker mountinfo N          open + read to EOF + close /proc/self/mountinfo
 *   worker getmntent N          setmntent + getmntent to the end + endmntent
 *   worker spawn PROGRAM N      posix_spawn + wait; the child's LD_PRELOAD is
 *                               $CHILD_LD_PRELOAD (this process has none)
 *
 * Prints the mean nanoseconds per operation. */

#define _GNU_SOURCE
#include <fcntl.h>
#include <mntent.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static char buf[1 << 24];
static volatile unsigned long sink;

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *work = argv[1];
    long n = atol(argv[argc - 1]);
    char *child_env[256];
    int envc = 0;
    if (strcmp(work, "spawn") == 0) {
        for (char **e = environ; *e && envc < 250; e++)
            if (strncmp(*e, "LD_PRELOAD=", 11) != 0 && strncmp(*e, "CHILD_LD_PRELOAD=", 17) != 0)
                child_env[envc++] = *e;
        static char preload[4096];
        const char *p = getenv("CHILD_LD_PRELOAD");
        if (p && *p) {
            snprintf(preload, sizeof preload, "LD_PRELOAD=%s", p);
            child_env[envc++] = preload;
        }
        child_env[envc] = NULL;
    }
    double start = now();
    for (long i = 0; i < n; i++) {
        if (strcmp(work, "statfs") == 0) {
            struct statfs sf;
            statfs(argv[2], &sf);
            sink += (unsigned long)sf.f_type;
        } else if (strcmp(work, "mountinfo") == 0) {
            int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
            ssize_t r, total = 0;
            while ((r = read(fd, buf, sizeof buf)) > 0)
                total += r;
            close(fd);
            sink += (unsigned long)total;
        } else if (strcmp(work, "getmntent") == 0) {
            FILE *f = setmntent("/proc/self/mounts", "r");
            struct mntent *m;
            while ((m = getmntent(f)))
                sink += (unsigned long)m->mnt_type[0];
            endmntent(f);
        } else if (strcmp(work, "spawn") == 0) {
            char *args[] = {argv[2], NULL};
            pid_t pid;
            if (posix_spawn(&pid, argv[2], NULL, NULL, args, child_env) != 0)
                return 1;
            int status;
            waitpid(pid, &status, 0);
        } else {
            return 2;
        }
    }
    printf("%.1f\n", (now() - start) / (double)n);
    return 0;
}
