/* Shared by the C probes: the kernel's \ooo escapes, and the process's own
 * fd count and resident memory. Header-only: each probe is one cc call. */
#ifndef FAKEFSTYPE_PROBE_H
#define FAKEFSTYPE_PROBE_H

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

/* Decodes \ooo escapes in place (paths in mount tables). */
static inline void decode(char *s)
{
    char *out = s;
    for (char *in = s; *in; in++) {
        if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
            in[3] >= '0' && in[3] <= '7') {
            *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
            in += 3;
        } else {
            *out++ = *in;
        }
    }
    *out = 0;
}

/* Open fds, not counting the one used to count them. */
static inline int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;
}

/* Resident memory in KiB. */
static inline long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    if (f)
        fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

#endif
