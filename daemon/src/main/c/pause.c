/*
 * pause: the one process of a podshim pod sandbox. It creates the pod's namespaces,
 * configures them (hostname, loopback, sysctls), then forks the long-lived process that
 * holds them: PID 1 of the pod when it gets its own PID namespace.
 *
 *   pause -v
 *   pause [--uid-map 'ID HOSTID LEN' --gid-map 'ID HOSTID LEN'] [--net] [--ipc] [--uts] [--pid]
 *         [--hostname NAME] [--sysctl KEY=VALUE]...
 *   pause --probe-idmap PATH...
 *
 * With --uid-map and --gid-map, pause first makes the pod's user namespace with those mappings
 * (a forked child unshares it, the parent, still root on the host, writes the maps) and the
 * other namespaces are made inside it, so that the user namespace owns them as the kernel
 * requires for a container root to administer them.
 *
 * --probe-idmap checks that each PATH's filesystem takes an id-mapped mount (mount_setattr with
 * MOUNT_ATTR_IDMAP on a detached clone, which is never attached anywhere) and prints
 * "PATH: ok" or "PATH: <reason>" per path; it exits 0 if all are ok, else 1.
 *
 * On success the parent prints the long-lived child's pid and exits 0. Errors print one line
 * "pause: <what>: <reason>" on stderr and exit 2 (usage), 3 (a sysctl that cannot be written)
 * or 1 (anything else).
 *
 * Privileges: the long-lived child gives up root before its pid is reported. It becomes
 * uid/gid 65535 with no supplementary groups, every capability set empty (effective,
 * permitted, inheritable, ambient and bounding) and no_new_privs, so neither it nor anything
 * it could exec can regain any. What it can still do is all it needs: sleep, reap the
 * children it inherits as PID 1, and exit 0 on SIGTERM or SIGINT. The root daemon still
 * signals it, moves it between cgroups and pins its namespaces; opening the namespace files
 * of a process of another uid takes CAP_SYS_PTRACE, which the daemon must keep. The
 * credential change also makes pause non-dumpable, so another process running as 65535
 * cannot ptrace it or open its namespace files; one that can see its pid (a pod container
 * running as 65535 in its PID namespace, say) can signal it, as with the upstream pause
 * image. A failure of any step is fatal: pause exits 1 rather than leave a privileged holder.
 *
 * Kept to libc only and linked statically so that it runs on any node and stays tiny.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PAUSE_VERSION
#define PAUSE_VERSION "0.1.0"
#endif

enum { EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_SYSCTL = 3 };

/* The uid and gid of the long-lived process: what the upstream pause image runs as. */
enum { PAUSE_ID = 65535 };

struct options {
    const char *uid_map; /* "ID HOSTID LEN", one line of /proc/PID/uid_map; NULL: the host's */
    const char *gid_map;
    int clone_flags;
    const char *hostname;
    const char **sysctls; /* "KEY=VALUE" arguments, in command-line order */
    int nsysctls;
};

static _Noreturn void fail(int status, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static _Noreturn void fail(int status, const char *reason, const char *fmt, ...)
{
    va_list ap;

    fputs("pause: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", reason);
    exit(status);
}

static const char *option_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        fail(EXIT_USAGE, "missing value", "%s", argv[*i]);
    return argv[++*i];
}

/* The LEN of an "ID HOSTID LEN" mapping, or 0 when it is not three unsigned numbers. */
static unsigned long map_length(const char *map)
{
    unsigned long id, host, len;
    int end = 0;

    if (sscanf(map, "%lu %lu %lu%n", &id, &host, &len, &end) != 3 || map[end] != '\0')
        return 0;
    return len;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    int err = errno;
    close(fd);
    if (n < 0 || (size_t)n != len) {
        errno = n < 0 ? err : EIO;
        return -1;
    }
    return 0;
}

/* Reads one byte: 1, 0 at EOF (the writer is gone), -1 on error; EINTR is retried. */
static ssize_t read_one(int fd)
{
    char byte;
    ssize_t n;

    do
        n = read(fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Forks, flushing stdio first so that nothing buffered is written twice. */
static pid_t fork_or_fail(void)
{
    fflush(NULL);
    pid_t child = fork();
    if (child < 0)
        fail(EXIT_FAIL, strerror(errno), "fork");
    return child;
}

static void read_byte(int fd, const char *what)
{
    ssize_t n = read_one(fd);
    if (n != 1)
        fail(EXIT_FAIL, n < 0 ? strerror(errno) : "peer exited", "%s", what);
}

/*
 * Forks; the child unshares a user namespace and returns once the parent has written its maps.
 * The parent writes them (it is root in the namespace above, which arbitrary mappings need),
 * waits for the child and exits with its status; a child killed by a signal is a failure.
 * With setgroups left allowed (the maps' writer is privileged), the child can drop its groups.
 */
static void enter_user_namespace(const char *uid_map, const char *gid_map)
{
    int unshared[2], mapped[2];

    if (pipe2(unshared, O_CLOEXEC) < 0 || pipe2(mapped, O_CLOEXEC) < 0)
        fail(EXIT_FAIL, strerror(errno), "pipe");
    pid_t child = fork_or_fail();
    if (child == 0) {
        close(unshared[0]);
        close(mapped[1]);
        if (unshare(CLONE_NEWUSER) < 0)
            fail(EXIT_FAIL, strerror(errno), "unshare user namespace");
        if (write(unshared[1], "", 1) != 1)
            fail(EXIT_FAIL, strerror(errno), "report user namespace");
        close(unshared[1]);
        read_byte(mapped[0], "wait for id maps");
        close(mapped[0]);
        /* Become the namespace's root: the namespaces made next are then administered by it. */
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            fail(EXIT_FAIL, strerror(errno), "become root of the user namespace");
        return;
    }
    close(unshared[1]);
    close(mapped[0]);
    if (read_one(unshared[0]) == 1) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/uid_map", (int)child);
        if (write_file(path, uid_map) < 0) {
            int err = errno;
            kill(child, SIGKILL);
            fail(EXIT_FAIL, strerror(err), "write uid_map '%s'", uid_map);
        }
        snprintf(path, sizeof path, "/proc/%d/gid_map", (int)child);
        if (write_file(path, gid_map) < 0) {
            int err = errno;
            kill(child, SIGKILL);
            fail(EXIT_FAIL, strerror(err), "write gid_map '%s'", gid_map);
        }
        if (write(mapped[1], "", 1) != 1)
            kill(child, SIGKILL);
    }
    close(mapped[1]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            fail(EXIT_FAIL, strerror(errno), "wait for %d", (int)child);
    if (WIFEXITED(status))
        exit(WEXITSTATUS(status)); /* the child said why, if it failed */
    fail(EXIT_FAIL, strsignal(WTERMSIG(status)), "user namespace child %d", (int)child);
}

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

struct idmap_attr {
    unsigned long long attr_set, attr_clr, propagation, userns_fd;
};

/* Tries an id-mapped clone of each path with a throwaway user namespace; see the usage. */
static int probe_idmap(int npaths, char **paths)
{
    int ready[2];

    if (npaths == 0)
        fail(EXIT_USAGE, "needs at least one PATH", "--probe-idmap");
    if (pipe2(ready, O_CLOEXEC) < 0)
        fail(EXIT_FAIL, strerror(errno), "pipe");
    pid_t child = fork_or_fail();
    if (child == 0) {
        /* Holds the namespace until the parent is done: it exits when the pipe closes. */
        close(ready[1]);
        if (unshare(CLONE_NEWUSER) < 0)
            _exit(1);
        read_one(ready[0]);
        _exit(0);
    }
    close(ready[0]);
    int failed = 0, userns = -1;
    char path[64];
    /* The child's unshare races this open: retry until /proc shows a namespace not ours. */
    struct stat own, theirs;
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
    for (int tries = 0; tries < 1000; tries++) {
        if (userns >= 0)
            close(userns);
        userns = open(path, O_RDONLY | O_CLOEXEC);
        if (userns < 0 || fstat(userns, &theirs) < 0 || stat("/proc/self/ns/user", &own) < 0)
            break;
        if (own.st_ino != theirs.st_ino)
            break;
        usleep(1000);
    }
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)child);
    if (userns < 0 || write_file(path, "0 1000000000 65536") < 0) {
        fprintf(stdout, "user namespace: %s\n", strerror(errno));
        failed = 1;
    }
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)child);
    if (!failed && write_file(path, "0 1000000000 65536") < 0) {
        fprintf(stdout, "user namespace: %s\n", strerror(errno));
        failed = 1;
    }
    for (int i = 0; !failed && i < npaths; i++) {
        int tree = (int)syscall(SYS_open_tree, AT_FDCWD, paths[i], OPEN_TREE_CLONE | O_CLOEXEC);
        struct idmap_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (unsigned long long)userns};
        if (tree < 0 || syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
            printf("%s: %s\n", paths[i], strerror(errno));
            failed = 1;
        } else {
            printf("%s: ok\n", paths[i]);
        }
        if (tree >= 0)
            close(tree); /* never attached: closing it unmounts the clone */
    }
    close(ready[1]);
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
        ;
    return fflush(stdout) == 0 && !failed ? 0 : 1;
}

static void parse_args(int argc, char **argv, struct options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->sysctls = calloc((size_t)argc, sizeof *opts->sysctls);
    if (opts->sysctls == NULL)
        fail(EXIT_FAIL, strerror(errno), "calloc");

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (strcmp(arg, "-v") == 0 || strcmp(arg, "--version") == 0) {
            printf("pause %s\n", PAUSE_VERSION);
            exit(fflush(stdout) == 0 ? 0 : EXIT_FAIL);
        } else if (strcmp(arg, "--uid-map") == 0) {
            opts->uid_map = option_value(argc, argv, &i);
        } else if (strcmp(arg, "--gid-map") == 0) {
            opts->gid_map = option_value(argc, argv, &i);
        } else if (strcmp(arg, "--probe-idmap") == 0) {
            exit(probe_idmap(argc - i - 1, argv + i + 1));
        } else if (strcmp(arg, "--net") == 0) {
            opts->clone_flags |= CLONE_NEWNET;
        } else if (strcmp(arg, "--ipc") == 0) {
            opts->clone_flags |= CLONE_NEWIPC;
        } else if (strcmp(arg, "--uts") == 0) {
            opts->clone_flags |= CLONE_NEWUTS;
        } else if (strcmp(arg, "--pid") == 0) {
            opts->clone_flags |= CLONE_NEWPID;
        } else if (strcmp(arg, "--hostname") == 0) {
            opts->hostname = option_value(argc, argv, &i);
        } else if (strcmp(arg, "--sysctl") == 0) {
            const char *assignment = option_value(argc, argv, &i);
            const char *eq = strchr(assignment, '=');
            if (eq == NULL || eq == assignment)
                fail(EXIT_USAGE, "expected KEY=VALUE", "--sysctl %s", assignment);
            opts->sysctls[opts->nsysctls++] = assignment;
        } else {
            fail(EXIT_USAGE, "unknown argument", "%s", arg);
        }
    }
    if ((opts->uid_map == NULL) != (opts->gid_map == NULL))
        fail(EXIT_USAGE, "requires both", "--uid-map and --gid-map");
    if (opts->uid_map != NULL && (map_length(opts->uid_map) == 0 || map_length(opts->gid_map) == 0))
        fail(EXIT_USAGE, "expected 'ID HOSTID LEN'", "--uid-map/--gid-map");
    /* Without a UTS namespace of its own, a hostname would rename the node. */
    if (opts->hostname != NULL && !(opts->clone_flags & CLONE_NEWUTS))
        fail(EXIT_USAGE, "requires --uts", "--hostname");
}

/*
 * PAUSE_ID, or in a user namespace that does not map it, the namespace's root: an unprivileged
 * host id either way, and without capabilities.
 */
static unsigned int holder_id(const struct options *opts)
{
    if (opts->uid_map == NULL)
        return PAUSE_ID;
    return map_length(opts->uid_map) > PAUSE_ID && map_length(opts->gid_map) > PAUSE_ID ? PAUSE_ID : 0;
}

static void loopback_up(void)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        fail(EXIT_FAIL, strerror(errno), "socket");
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", sizeof "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        fail(EXIT_FAIL, strerror(errno), "get flags of lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        fail(EXIT_FAIL, strerror(errno), "bring lo up");
    close(fd);
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The namespace (a CLONE_NEW* flag) that isolates the sysctl at rel, a path under
 * /proc/sys, or 0 when the sysctl is node-wide. The IPC list matches what runc and the
 * kubelet treat as namespaced.
 */
static int sysctl_namespace(const char *rel)
{
    static const char *const ipc[] = {
        "kernel/msgmax", "kernel/msgmnb", "kernel/msgmni", "kernel/sem",
        "kernel/shmall", "kernel/shmmax", "kernel/shmmni", "kernel/shm_rmid_forced",
    };

    if (has_prefix(rel, "net/"))
        return CLONE_NEWNET;
    if (has_prefix(rel, "fs/mqueue/"))
        return CLONE_NEWIPC;
    for (size_t i = 0; i < sizeof ipc / sizeof ipc[0]; i++)
        if (strcmp(rel, ipc[i]) == 0)
            return CLONE_NEWIPC;
    if (strcmp(rel, "kernel/hostname") == 0 || strcmp(rel, "kernel/domainname") == 0)
        return CLONE_NEWUTS;
    return 0;
}

/* Rejects anything but plain names below /proc/sys: no "..", "." or empty components. */
static int valid_sysctl_path(const char *rel)
{
    const char *c = rel;

    for (;;) {
        size_t len = strcspn(c, "/");
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        if (c[len] == '\0')
            return 1;
        c += len + 1;
    }
}

/*
 * Writes one "KEY=VALUE". Called after unshare, so a net sysctl resolves against the pod's
 * network namespace and an IPC one against its IPC namespace; a sysctl that no new
 * namespace isolates is refused, since writing it would change the whole node.
 */
static void apply_sysctl(const char *assignment, int clone_flags)
{
    const char *eq = strchr(assignment, '=');
    int keylen = (int)(eq - assignment);
    const char *value = eq + 1;
    char path[PATH_MAX];
    const size_t base = sizeof "/proc/sys/" - 1;

    if ((size_t)keylen >= sizeof path - base)
        fail(EXIT_SYSCTL, strerror(ENAMETOOLONG), "sysctl %.*s", keylen, assignment);
    memcpy(path, "/proc/sys/", base);
    memcpy(path + base, assignment, (size_t)keylen);
    path[base + (size_t)keylen] = '\0';
    /* "net.ipv4.ip_forward" names net/ipv4/ip_forward; a key with '/' is a path already. */
    if (memchr(assignment, '/', (size_t)keylen) == NULL)
        for (char *p = path + base; *p != '\0'; p++)
            if (*p == '.')
                *p = '/';

    const char *rel = path + base;
    if (!valid_sysctl_path(rel))
        fail(EXIT_SYSCTL, "invalid name", "sysctl %.*s", keylen, assignment);
    int ns = sysctl_namespace(rel);
    if (ns == 0 || !(clone_flags & ns))
        fail(EXIT_SYSCTL, "not isolated by a namespace of this pod", "sysctl %.*s", keylen,
             assignment);

    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        fail(EXIT_SYSCTL, strerror(errno), "sysctl %.*s", keylen, assignment);
    size_t len = strlen(value);
    ssize_t n = write(fd, value, len);
    if (n < 0 || (size_t)n != len)
        fail(EXIT_SYSCTL, n < 0 ? strerror(errno) : "short write", "sysctl %.*s", keylen,
             assignment);
    if (close(fd) < 0)
        fail(EXIT_SYSCTL, strerror(errno), "sysctl %.*s", keylen, assignment);
}

/*
 * Turns the calling process into uid/gid id with no groups, no capabilities and
 * no_new_privs. The bounding set goes first, while CAP_SETPCAP is still in effect; setresuid
 * then empties the effective, permitted and ambient sets (unless inherited securebits say
 * otherwise), and capset empties all three sets that it covers, inheritable included, which
 * setresuid leaves alone.
 */
static void drop_privileges(unsigned int id)
{
    int cap;

    for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
            fail(EXIT_FAIL, strerror(errno), "drop capability %d from the bounding set", cap);
    if (errno != EINVAL) /* EINVAL: cap is past the last one this kernel knows */
        fail(EXIT_FAIL, strerror(errno), "read capability %d of the bounding set", cap);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        fail(EXIT_FAIL, strerror(errno), "clear ambient capabilities");
    if (setgroups(0, NULL) < 0)
        fail(EXIT_FAIL, strerror(errno), "setgroups");
    if (setresgid(id, id, id) < 0)
        fail(EXIT_FAIL, strerror(errno), "setresgid %u", id);
    if (setresuid(id, id, id) < 0)
        fail(EXIT_FAIL, strerror(errno), "setresuid %u", id);

    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3];
    memset(none, 0, sizeof none);
    if (syscall(SYS_capset, &header, none) < 0)
        fail(EXIT_FAIL, strerror(errno), "clear capabilities");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        fail(EXIT_FAIL, strerror(errno), "set no_new_privs");
}

/*
 * In the parent: returns once the holder has dropped its privileges. If it could not, it has
 * said why on stderr and exited; it is reaped here, since the daemon only reaps the holders it
 * was told about, and pause fails.
 */
static void await_holder(pid_t child, int ready)
{
    ssize_t n = read_one(ready);
    if (n == 1) {
        close(ready);
        return;
    }
    int err = errno;
    kill(child, SIGKILL); /* only matters if the read itself failed */
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (n == 0 && WIFEXITED(status))
        exit(EXIT_FAIL); /* the holder said why */
    fail(EXIT_FAIL, n < 0 ? strerror(err) : strsignal(WTERMSIG(status)), "holder %d",
         (int)child);
}

static void reap_children(void)
{
    for (;;) {
        pid_t pid = waitpid(-1, NULL, WNOHANG);
        if (pid > 0 || (pid < 0 && errno == EINTR))
            continue;
        return; /* 0: the rest still run; ECHILD: none left */
    }
}

/*
 * The long-lived child. SIGTERM, SIGINT and SIGCHLD were blocked before the fork and are
 * taken synchronously with sigwaitinfo. The kernel drops a signal that a namespace's init
 * has left at SIG_DFL, but it queues a blocked one, so blocking is what makes SIGTERM reach
 * PID 1 here, including one sent the instant after fork. A SIGCHLD that arrives while we
 * reap stays pending for the next sigwaitinfo, so no orphan is ever left a zombie.
 */
static _Noreturn void run_holder(const sigset_t *wanted)
{
    setsid();
    if (chdir("/") < 0) {
        /* Harmless: only keeps a mount busy. */
    }
    /* Let go of the daemon's pipes so its read of stdout sees EOF. */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
    }
    close_range(3, ~0U, 0);

    for (;;) {
        reap_children();
        int sig = sigwaitinfo(wanted, NULL);
        if (sig == SIGTERM || sig == SIGINT)
            exit(0);
    }
}

int main(int argc, char **argv)
{
    struct options opts;
    sigset_t wanted;

    parse_args(argc, argv, &opts);

    if (opts.uid_map != NULL)
        enter_user_namespace(opts.uid_map, opts.gid_map);
    if (opts.clone_flags != 0 && unshare(opts.clone_flags) < 0)
        fail(EXIT_FAIL, strerror(errno), "unshare");
    if (opts.hostname != NULL && sethostname(opts.hostname, strlen(opts.hostname)) < 0)
        fail(EXIT_FAIL, strerror(errno), "sethostname %s", opts.hostname);
    if (opts.clone_flags & CLONE_NEWNET)
        loopback_up();
    for (int i = 0; i < opts.nsysctls; i++)
        apply_sysctl(opts.sysctls[i], opts.clone_flags);
    free(opts.sysctls);

    sigemptyset(&wanted);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &wanted, NULL) < 0)
        fail(EXIT_FAIL, strerror(errno), "sigprocmask");

    /*
     * Always fork, even without a PID namespace: the holder is then not a child of the
     * daemon's JVM, whose own process reaper would otherwise race our pidfd-based reaping.
     * The daemon is a child subreaper and inherits the holder when we exit.
     */
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        fail(EXIT_FAIL, strerror(errno), "pipe");
    pid_t child = fork_or_fail();
    if (child == 0) {
        /*
         * Before the pid is reported, with stderr still the daemon's: a failure then fails the
         * launch with its reason, and the daemon never sees the holder privileged.
         */
        close(ready[0]);
        drop_privileges(holder_id(&opts));
        if (write(ready[1], "", 1) != 1)
            fail(EXIT_FAIL, strerror(errno), "report privileges dropped");
        run_holder(&wanted);
    }
    close(ready[1]);
    await_holder(child, ready[0]);

    /* A daemon that has gone away must not leave a pod nobody knows the pid of. */
    signal(SIGPIPE, SIG_IGN);
    if (printf("%d\n", (int)child) < 0 || fflush(stdout) != 0) {
        int err = errno;
        kill(child, SIGKILL);
        fail(EXIT_FAIL, strerror(err), "report pid");
    }
    return 0;
}
