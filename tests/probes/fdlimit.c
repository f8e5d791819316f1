/* fdlimit: opens a mount table with exactly FREE file descriptors left
 * under RLIMIT_NOFILE, and says what came back.
 *
 *   fdlimit FREE MOUNTPOINT
 *
 * Prints "open ok: TYPE" (the type of MOUNTPOINT in the table read through
 * the fd) or "open failed: ERRNO-NAME". */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char buf[1 << 20];

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int free_fds = atoi(argv[1]);
    const char *target = argv[2];
    /* The lowest free fd is the number of fds in use when they are 0..n-1. */
    int probe = open("/dev/null", O_RDONLY);
    close(probe);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = (rlim_t)(probe + free_fds);
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("setrlimit");
        return 1;
    }
    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        printf("open failed: %s\n", errno == EMFILE ? "EMFILE" : strerror(errno));
        return 0;
    }
    size_t len = 0;
    ssize_t n;
    while ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = 0;
    close(fd);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char mp[4096], type[64];
        char *sep = strstr(line, " - ");
        if (sep && sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp(mp, target) == 0 &&
            sscanf(sep + 3, "%63s", type) == 1) {
            printf("open ok: %s\n", type);
            return 0;
        }
    }
    printf("open ok: missing\n");
    return 0;
}
