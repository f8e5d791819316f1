/* cycles: N open + read + close cycles of /proc/self/mountinfo and N
 * statfs calls, with fd count and resident memory sampled after the first
 * tenth and at the end: a leak of a few bytes per call shows.
 *
 *   cycles N PATH
 *
 * Prints "cycles=N fds_early=N fds_end=N rss_early_kb=N rss_end_kb=N". */

#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "probe.h"

static char buf[1 << 20];

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    long n = atol(argv[1]);
    int fds_early = 0;
    long rss_early = 0;
    for (long i = 0; i < n; i++) {
        int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return 1;
        while (read(fd, buf, sizeof buf) > 0)
            ;
        close(fd);
        struct statfs sf;
        statfs(argv[2], &sf);
        if (i == n / 10) {
            fds_early = count_fds();
            rss_early = rss_kb();
        }
    }
    printf("cycles=%ld fds_early=%d fds_end=%d rss_early_kb=%ld rss_end_kb=%ld\n", n, fds_early,
           count_fds(), rss_early, rss_kb());
    return 0;
}
