/* execl, execlp and execle are variadic, which stable Rust cannot define.
 * These collect the arguments the way glibc does and call execv, execvp
 * and execve -- which resolve to the library's own hooks, so the launcher
 * fix applies to them too. The exported names are naked trampolines in
 * exec.rs that jump here with registers and stack untouched. */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#define HIDDEN __attribute__((visibility("hidden")))

/* Counts the arguments after `arg` up to and including the NULL. */
#define COUNT_ARGS(arg, count)                                   \
    do {                                                         \
        va_list ap;                                              \
        va_start(ap, arg);                                       \
        for (count = 1; va_arg(ap, const char *) != NULL; count++) \
            if (count == INT_MAX) {                              \
                va_end(ap);                                      \
                errno = E2BIG;                                   \
                return -1;                                       \
            }                                                    \
        va_end(ap);                                              \
    } while (0)

/* Declares `argv` and fills it from `arg` and the variadic list up to and
 * including its NULL; leaves `ap` positioned after the NULL (execle's envp
 * follows it). */
#define COLLECT_ARGV(arg, ap)                          \
    ptrdiff_t argc;                                    \
    COUNT_ARGS(arg, argc);                             \
    const char *argv[argc + 1];                        \
    va_list ap;                                        \
    va_start(ap, arg);                                 \
    argv[0] = arg;                                     \
    for (ptrdiff_t i = 1; i <= argc; i++)              \
        argv[i] = va_arg(ap, const char *)

HIDDEN int fakefstype_execl(const char *path, const char *arg, ...)
{
    COLLECT_ARGV(arg, ap);
    va_end(ap);
    return execv(path, (char *const *)argv);
}

HIDDEN int fakefstype_execlp(const char *file, const char *arg, ...)
{
    COLLECT_ARGV(arg, ap);
    va_end(ap);
    return execvp(file, (char *const *)argv);
}

HIDDEN int fakefstype_execle(const char *path, const char *arg, ...)
{
    COLLECT_ARGV(arg, ap);
    char *const *envp = va_arg(ap, char *const *);
    va_end(ap);
    return execve(path, (char *const *)argv, envp);
}
