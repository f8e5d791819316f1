/* exec_probe: runs a program through one member of the exec family.
 *
 *   exec_probe METHOD PATH [ARGS...]
 *
 * METHOD: execl execlp execle execv execvp execvpe posix_spawn posix_spawnp.
 * The spawn methods wait and exit with the child's status. */

#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s METHOD PATH [ARGS...]\n", argv[0]);
        return 2;
    }
    const char *method = argv[1], *path = argv[2];
    char **args = argv + 2; /* args[0] is the path, as a shell would pass */
    const char *a1 = argc > 3 ? argv[3] : NULL;

    if (strcmp(method, "execl") == 0)
        execl(path, path, a1, (char *)NULL);
    else if (strcmp(method, "execlp") == 0)
        execlp(path, path, a1, (char *)NULL);
    else if (strcmp(method, "execle") == 0)
        execle(path, path, a1, (char *)NULL, environ);
    else if (strcmp(method, "execv") == 0)
        execv(path, args);
    else if (strcmp(method, "execvp") == 0)
        execvp(path, args);
    else if (strcmp(method, "execvpe") == 0)
        execvpe(path, args, environ);
    else if (strcmp(method, "posix_spawn") == 0 || strcmp(method, "posix_spawnp") == 0) {
        pid_t pid;
        int rc = strcmp(method, "posix_spawn") == 0
                     ? posix_spawn(&pid, path, NULL, NULL, args, environ)
                     : posix_spawnp(&pid, path, NULL, NULL, args, environ);
        if (rc != 0) {
            fprintf(stderr, "%s: %s\n", method, strerror(rc));
            return 127;
        }
        int status;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    } else {
        fprintf(stderr, "unknown method %s\n", method);
        return 2;
    }
    perror(method);
    return 127;
}
