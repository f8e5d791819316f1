/* mntent_dump: every entry getmntent finds in FILE, one per line:
 * "fsname|dir|type|opts|freq|passno" (control bytes, '|' and '\' written
 * as \ooo), then "entries=N".
 *
 *   mntent_dump FILE */

#include <mntent.h>
#include <stdio.h>

static void field(const char *s, char end)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == '|' || *p == '\\')
            printf("\\%03o", *p);
        else
            putchar(*p);
    }
    putchar(end);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    FILE *f = setmntent(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    long n = 0;
    for (struct mntent *m; (m = getmntent(f)); n++) {
        field(m->mnt_fsname, '|');
        field(m->mnt_dir, '|');
        field(m->mnt_type, '|');
        field(m->mnt_opts, '|');
        printf("%d|%d\n", m->mnt_freq, m->mnt_passno);
    }
    endmntent(f);
    printf("entries=%ld\n", n);
    return 0;
}
