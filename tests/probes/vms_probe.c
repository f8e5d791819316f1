/* vms_probe: finds storage the way the Nx/DW Spectrum server does
 * (../shared/notes/mediaserver.md), and says what it would record to.
 *
 *   vms_probe scan [--vms 4|5] [--root-tool exec|SOCKET]
 *       Reads /proc/mounts with a raw open() -- in a separately exec'd helper
 *       (`exec`) or a running root tool (SOCKET) that passes the fd back over
 *       SCM_RIGHTS, or in-process when --root-tool is not given -- parses the
 *       first three fields, keeps one mount per device string (the shortest
 *       path that is a directory), classifies by the server's type table and
 *       drops mounts whose statvfs fails. Prints one line per mount:
 *         storage local|network PATH TYPE DEVICE total=N free=N
 *         refused ram|unknown PATH TYPE DEVICE
 *         duplicate PATH TYPE DEVICE
 *   vms_probe helper FD      open /proc/mounts, send the fd over socket FD
 *   vms_probe root-tool SOCKET
 *       serve fds of /proc/mounts to anyone connecting to SOCKET, forever
 *
 * The same binary is the stand-in mediaserver-bin and root-tool-bin of the
 * container test, where argv[0] picks the role:
 *   root-tool-bin    serves /proc/mounts fds on BIN/../var/root-tool.sock
 *   mediaserver-bin  gets the fd from that socket, scans, writes the report
 *                    and some state (var/storage.txt, var/ecs.sqlite,
 *                    $HOME/.config/nx_ini/stand-in.ini), then answers HTTP
 *                    on port 7001 until killed, like the server does. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

static const char *LOCAL_4[] = {"rootfs", "ext2",     "ext3",    "ext4",       "exfat", "vfat",
                                "ecryptfs", "fuseblk", "fuse", "fusectl", "xfs", "fuse.osxfs", NULL};
static const char *LOCAL_5[] = {"apfs", "ffs", "hfs", "ufs", "zfs", NULL};
static const char *NETWORK[] = {"nfs", "nfs4", "nfsd", "cifs", NULL};
static const char *NETWORK_5[] = {"smbfs", NULL};
static const char *RAM[] = {"ramfs", "tmpfs", NULL};

static int in_list(const char **list, const char *type)
{
    for (; *list; list++)
        if (strcmp(*list, type) == 0)
            return 1;
    return 0;
}

static const char *classify(const char *type, int vms)
{
    if (in_list(LOCAL_4, type) || (vms >= 5 && in_list(LOCAL_5, type)))
        return "local";
    if (in_list(NETWORK, type) || (vms >= 5 && in_list(NETWORK_5, type)))
        return "network";
    if (in_list(RAM, type))
        return "ram";
    return "unknown";
}

static void die(const char *what)
{
    fprintf(stderr, "vms_probe: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void send_fd(int sock, int fd)
{
    char byte = 'm';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    if (sendmsg(sock, &msg, 0) != 1)
        die("sendmsg");
}

static int receive_fd(int sock)
{
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    if (recvmsg(sock, &msg, 0) != 1)
        die("recvmsg");
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        die("no fd received");
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

/* What the root tool does: a plain open() of /proc/mounts, mode 0660. */
static int open_mounts(void)
{
    int fd = open("/proc/mounts", O_RDONLY, 0660);
    if (fd < 0)
        die("open /proc/mounts");
    return fd;
}

static int mounts_from_exec_helper(const char *self)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        die("socketpair");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        close(sv[0]);
        char fdarg[16];
        snprintf(fdarg, sizeof fdarg, "%d", sv[1]);
        execl(self, "vms_probe", "helper", fdarg, (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    int fd = receive_fd(sv[0]);
    close(sv[0]);
    int status;
    waitpid(pid, &status, 0);
    return fd;
}

static int mounts_from_root_tool(const char *socket_path)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path);
    for (int tries = 0; connect(s, (struct sockaddr *)&addr, sizeof addr) != 0; tries++) {
        if (tries == 100)
            die("connect to root tool");
        usleep(100000);
    }
    if (write(s, "mounts\n", 7) != 7)
        die("write to root tool");
    int fd = receive_fd(s);
    close(s);
    return fd;
}

static int root_tool(const char *socket_path)
{
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path);
    unlink(socket_path);
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) != 0)
        die("bind");
    chmod(socket_path, 0666);
    if (listen(s, 8) != 0)
        die("listen");
    fprintf(stderr, "root-tool: serving %s as uid %d\n", socket_path, (int)getuid());
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        char req[16];
        if (read(c, req, sizeof req) > 0) {
            int fd = open_mounts();
            send_fd(c, fd);
            close(fd);
        }
        close(c);
    }
    return 0;
}

struct mount {
    char *device, *path, *type;
    int duplicate;
};

static int scan(int fd, int vms, FILE *out)
{
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap + 1);
    ssize_t n;
    while ((n = read(fd, text + len, cap - len)) > 0)
        if ((len += (size_t)n) == cap)
            text = realloc(text, (cap *= 2) + 1);
    text[len] = 0;
    close(fd);

    struct mount *m = NULL;
    size_t count = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *fs = NULL;
        char *device = strtok_r(line, " ", &fs), *path = strtok_r(NULL, " ", &fs),
             *type = strtok_r(NULL, " ", &fs);
        if (!device || !path || !type)
            continue;
        decode(path);
        m = realloc(m, (count + 1) * sizeof *m);
        m[count++] = (struct mount){device, path, type, 0};
    }
    /* One mount per device string: the shortest path that is a directory. */
    for (size_t i = 0; i < count; i++) {
        struct stat st;
        int is_dir = stat(m[i].path, &st) == 0 && S_ISDIR(st.st_mode);
        for (size_t j = 0; j < count && is_dir; j++) {
            if (i == j || strcmp(m[i].device, m[j].device) != 0)
                continue;
            struct stat other;
            int other_dir = stat(m[j].path, &other) == 0 && S_ISDIR(other.st_mode);
            size_t li = strlen(m[i].path), lj = strlen(m[j].path);
            if (other_dir && (lj < li || (lj == li && j < i)))
                m[i].duplicate = 1;
        }
        if (!is_dir)
            m[i].duplicate = 1;
    }
    for (size_t i = 0; i < count; i++) {
        if (m[i].duplicate) {
            fprintf(out, "duplicate %s %s %s\n", m[i].path, m[i].type, m[i].device);
            continue;
        }
        const char *class = classify(m[i].type, vms);
        if (strcmp(class, "local") != 0 && strcmp(class, "network") != 0) {
            fprintf(out, "refused %s %s %s %s\n", class, m[i].path, m[i].type, m[i].device);
            continue;
        }
        struct statvfs sv;
        if (statvfs(m[i].path, &sv) != 0) {
            fprintf(out, "refused nospace %s %s %s\n", m[i].path, m[i].type, m[i].device);
            continue;
        }
        fprintf(out, "storage %s %s %s %s total=%llu free=%llu\n", class, m[i].path, m[i].type,
               m[i].device, (unsigned long long)sv.f_blocks * sv.f_frsize,
               (unsigned long long)sv.f_bavail * sv.f_bsize);
    }
    free(m);
    free(text);
    return 0;
}

/* BIN/../var/NAME for the stand-in roles; BIN is where the binary is. */
static void var_path(char *out, size_t size, const char *name)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0)
        die("readlink /proc/self/exe");
    self[n] = 0;
    *strrchr(self, '/') = 0;
    snprintf(out, size, "%s/../var/%s", self, name);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die(path);
    fputs(text, f);
    fclose(f);
}

/* Answers every HTTP request on the port, as the server's API would. */
static int serve_http(int port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 16) != 0)
        die("listen on the server port");
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        char req[1024];
        if (read(c, req, sizeof req) > 0) {
            const char *reply = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"reply\":\"stand-in\"}\n";
            if (write(c, reply, strlen(reply)) < 0)
                perror("write");
        }
        close(c);
    }
    return 0;
}

static int stand_in_server(void)
{
    char sock[4096], report[4096], db[4096], ini[4096];
    var_path(sock, sizeof sock, "root-tool.sock");
    var_path(report, sizeof report, "storage.txt");
    var_path(db, sizeof db, "ecs.sqlite");
    const char *home = getenv("HOME");
    snprintf(ini, sizeof ini, "%s/.config/nx_ini", home ? home : "/nonexistent");
    mkdir(ini, 0755);
    strncat(ini, "/stand-in.ini", sizeof ini - strlen(ini) - 1);

    int fd = mounts_from_root_tool(sock);
    FILE *out = fopen(report, "w");
    if (!out)
        die(report);
    fprintf(out, "running as uid %d gid %d\n", (int)getuid(), (int)getgid());
    scan(fd, 5, out);
    fclose(out);
    write_file(db, "stand-in database\n");
    write_file(ini, "[stand-in]\nwritten=1\n");
    fprintf(stderr, "mediaserver-bin (stand-in): storage report in %s\n", report);
    return serve_http(7001);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (strcmp(name, "root-tool-bin") == 0) {
        char sock[4096];
        var_path(sock, sizeof sock, "root-tool.sock");
        return root_tool(sock);
    }
    if (strcmp(name, "mediaserver-bin") == 0)
        return stand_in_server();
    if (argc >= 2 && strcmp(argv[1], "helper") == 0 && argc == 3) {
        int sock = atoi(argv[2]);
        int fd = open_mounts();
        send_fd(sock, fd);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "root-tool") == 0)
        return root_tool(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "scan") == 0) {
        int vms = 4;
        const char *root_tool_arg = NULL;
        for (int i = 2; i + 1 < argc; i += 2) {
            if (strcmp(argv[i], "--vms") == 0)
                vms = atoi(argv[i + 1]);
            else if (strcmp(argv[i], "--root-tool") == 0)
                root_tool_arg = argv[i + 1];
        }
        int fd;
        if (!root_tool_arg)
            fd = open_mounts();
        else if (strcmp(root_tool_arg, "exec") == 0)
            fd = mounts_from_exec_helper("/proc/self/exe");
        else
            fd = mounts_from_root_tool(root_tool_arg);
        return scan(fd, vms, stdout);
    }
    fprintf(stderr, "usage: %s scan [--vms 4|5] [--root-tool exec|SOCKET] | helper FD | root-tool SOCKET\n",
            name);
    return 2;
}
