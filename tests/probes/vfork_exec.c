/* vfork_exec: starts COMMAND three ways, each from a process that has the
 * library loaded: vfork+execv, fork from a process with busy threads, and
 * a child of a child. Each must behave as COMMAND alone.
 *
 *   vfork_exec COMMAND [ARGS...] */

#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int stop;
static char buf[1 << 16];

static void *busy(void *arg)
{
    (void)arg;
    while (!stop) {
        int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        while (fd >= 0 && read(fd, buf, sizeof buf) > 0)
            ;
        if (fd >= 0)
            close(fd);
    }
    return NULL;
}

static int wait_for(pid_t pid)
{
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char **cmd = argv + 1;
    setvbuf(stdout, NULL, _IONBF, 0);

    printf("== vfork\n");
    pid_t pid = vfork();
    if (pid == 0) {
        execv(cmd[0], cmd);
        _exit(127);
    }
    int s1 = wait_for(pid);

    printf("== fork with threads\n");
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, busy, NULL);
    usleep(20000);
    pid = fork();
    if (pid == 0) {
        execv(cmd[0], cmd);
        _exit(127);
    }
    int s2 = wait_for(pid);
    stop = 1;
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);

    printf("== child of a child\n");
    pid = fork();
    if (pid == 0) {
        pid_t inner = fork();
        if (inner == 0) {
            execv(cmd[0], cmd);
            _exit(127);
        }
        _exit(wait_for(inner));
    }
    int s3 = wait_for(pid);
    printf("== status %d %d %d\n", s1, s2, s3);
    return s1 || s2 || s3;
}
