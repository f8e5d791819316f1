/* A preloaded library whose constructor reads the mount table before
 * fakefstype's constructor may have run: the hooks must initialise
 * themselves. Prints the root mount's type as its constructor saw it. */

#include <stdio.h>
#include <string.h>

__attribute__((constructor)) static void early(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
        char mp[1024], type[64];
        char *sep = strstr(line, " - ");
        if (sep && sscanf(line, "%*s %*s %*s %*s %1023s", mp) == 1 && strcmp(mp, "/") == 0 &&
            sscanf(sep + 3, "%63s", type) == 1)
            fprintf(stderr, "early constructor saw / as %s\n", type);
    }
    if (f)
        fclose(f);
}
