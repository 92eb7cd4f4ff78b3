// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `wg-xdp up { NAME | FILE } [--nic NIC] [--lan IFACE] [-f] [-d]` as
 * wg-quick takes it (NAME is /etc/wireguard/NAME.conf; FILE's name less
 * ".conf" names the interface), the older `wg-xdp up NIC [-i WGNAME]
 * [-c FILE] ...`, and `wg-xdp [-f] IFNAME` (how wg-quick starts a
 * userspace WireGuard). Every word is checked before anything starts.
 * Without -f the daemon runs in a child in its own session, logging to a
 * file, and this process waits for its one readiness line ("ok" or
 * "error: msg") on a pipe; meanwhile the daemon copies hook output and its
 * "[#] ..." lines to our stderr, as wg-quick prints them. Gateway mode
 * also takes --lan-mss-clamp[=N] and --lan-bypass-netfilter.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "daemon.h"
#include "ipc.h"

#define LOG_DIR "/var/log/wg-xdp"

struct up_args {
	struct wg_daemon_opts opts;
	bool foreground;
	const char *cmd; /* "wg-xdp up" or "wg-xdp" in messages */
};

static void up_usage(FILE *f)
{
	fprintf(f,
		"Usage: wg-xdp up { <name> | <config-file> } [--nic <nic>] [--lan <iface> [--lan-mss-clamp[=N]] [--lan-bypass-netfilter]] [-f] [-d]\n"
		"       wg-xdp up <nic> [-i <wg-interface>] [-c <config-file>] [--lan <iface> ...] [-f] [-d]\n"
		"       wg-xdp [-f] [-d] <wg-interface>\n\n"
		"  <name>              /etc/wireguard/<name>.conf, interface <name>\n"
		"  <config-file>       a path; its file name less .conf names the interface\n"
		"  --nic               the NIC to attach XDP to (default: $WG_XDP_NIC, or\n"
		"                      the NIC of the route to the first endpoint, or of\n"
		"                      the default route)\n"
		"  <nic>               the NIC to attach XDP to\n"
		"  -i, --interface     the WireGuard interface to create (default wg0)\n"
		"  -c, --config        a wg-quick style configuration file to apply\n"
		"  --lan               gateway mode: the LAN-side interface\n"
		"  --lan-mss-clamp[=N] gateway mode: lower the MSS of TCP SYNs from the LAN\n"
		"                      to fit the tunnel MTU (or to at most N)\n"
		"  --lan-bypass-netfilter  gateway mode even though netfilter FORWARD rules,\n"
		"                      which the fast path bypasses, exist\n"
		"  -f, --foreground    stay in the foreground, log on stderr\n"
		"  -d, --debug         log debug messages\n");
}

static int fail(const struct up_args *a, const char *fmt, const char *word)
{
	fprintf(stderr, "%s: ", a->cmd);
	fprintf(stderr, fmt, wg_config_safe(word));
	fputc('\n', stderr);
	return 1;
}

static int copy_name(char dst[IFNAMSIZ], const char *s)
{
	if (!wg_cmd_is_ifname(s))
		return -EINVAL;
	snprintf(dst, IFNAMSIZ, "%s", s);
	return 0;
}

/*
 * Is a daemon already answering on the socket of this interface? One on
 * its way out keeps its socket for a moment (after `ip link del wg0` it
 * stops its workers and detaches XDP first: 20 to 260 ms measured), and a
 * new start right after the delete, as wireguard-go's netns.sh makes,
 * must not take it for a running one: it gets RUNNING_GRACE_MS to go.
 */
#define RUNNING_GRACE_MS 2000
static bool running(const char *ifname)
{
	for (int waited = 0;; waited += 50) {
		int fd = wg_ipc_connect(ifname);

		if (fd < 0)
			return false;
		close(fd);
		if (waited >= RUNNING_GRACE_MS)
			return true;
		usleep(50 * 1000);
	}
}

static int open_log(const char *ifname, char *path, size_t len)
{
	const char *env = getenv("WG_XDP_LOG");
	int fd;

	if (env && *env) {
		snprintf(path, len, "%s", env);
	} else {
		if (mkdir(LOG_DIR, 0755) && errno != EEXIST)
			return -errno;
		snprintf(path, len, "%s/%s.log", LOG_DIR, ifname);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	return fd;
}

static void child(struct up_args *a, int log_fd, int ready_fd)
{
	int null_fd;

	/* Our caller's terminal, for hook output while coming up. */
	a->opts.console_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	setsid();
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		if (null_fd > STDERR_FILENO)
			close(null_fd);
	}
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	if (log_fd > STDERR_FILENO)
		close(log_fd);
	_exit(wg_daemon_run(&a->opts, ready_fd));
}

/* Wait for the readiness line; the exit status of the command. */
static int await(const struct up_args *a, int fd, const char *log_path)
{
	char line[512];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(line) - 1) {
		n = read(fd, line + len, sizeof(line) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(line, '\n', len))
			break;
	}
	line[len] = '\0';
	if (!memchr(line, '\n', len)) {
		fprintf(stderr, "%s: daemon exited during start-up (see %s)\n",
			a->cmd, log_path);
		return 1;
	}
	*strchr(line, '\n') = '\0';
	if (!strcmp(line, "ok"))
		return 0;
	if (!strncmp(line, "error: ", 7)) {
		fprintf(stderr, "%s: %s\n", a->cmd, line + 7);
		return 1;
	}
	fprintf(stderr, "%s: unexpected start-up reply '%s' (see %s)\n",
		a->cmd, line, log_path);
	return 1;
}

static int start(struct up_args *a)
{
	char log_path[PATH_MAX];
	int log_fd, pipe_fd[2], ret;
	pid_t pid;

	if (running(a->opts.ifname))
		return fail(a, "%s is already running", a->opts.ifname);
	if (a->foreground)
		return wg_daemon_run(&a->opts, -1);

	log_fd = open_log(a->opts.ifname, log_path, sizeof(log_path));
	if (log_fd < 0) {
		fprintf(stderr, "%s: cannot open log file '%s': %s\n", a->cmd,
			log_path, strerror(-log_fd));
		return 1;
	}
	if (pipe2(pipe_fd, O_CLOEXEC)) {
		ret = errno;
		close(log_fd);
		fprintf(stderr, "%s: pipe: %s\n", a->cmd, strerror(ret));
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = errno;
		close(pipe_fd[0]);
		close(pipe_fd[1]);
		close(log_fd);
		fprintf(stderr, "%s: fork: %s\n", a->cmd, strerror(ret));
		return 1;
	}
	if (pid == 0) {
		close(pipe_fd[0]);
		child(a, log_fd, pipe_fd[1]);
	}
	close(pipe_fd[1]);
	close(log_fd);
	ret = await(a, pipe_fd[0], log_path);
	close(pipe_fd[0]);
	/* Reap the child if it already gave up; a running daemon is left. */
	waitpid(pid, NULL, WNOHANG);
	return ret;
}

/* Flags common to both forms; true if w was one. */
static bool option(struct up_args *a, const char *w)
{
	if (!strcmp(w, "-f") || !strcmp(w, "--foreground")) {
		a->foreground = true;
		return true;
	}
	if (!strcmp(w, "-d") || !strcmp(w, "--debug")) {
		a->opts.debug = true;
		return true;
	}
	return false;
}

static int need_value(const struct up_args *a, int argc, char *argv[], int i)
{
	if (i + 1 < argc)
		return 0;
	fail(a, "option '%s' needs a value", argv[i]);
	up_usage(stderr);
	return -1;
}

/* N of --lan-mss-clamp=N: digits only, WG_LAN_MSS_MIN to 65535. */
static int mss_value(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < WG_LAN_MSS_MIN || v > 65535)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

int wg_cmd_up(int argc, char *argv[])
{
	struct up_args a = { .cmd = "wg-xdp up" };
	const char *nic = NULL, *wg = "wg0", *lan = NULL, *nic_opt = NULL;
	char path[PATH_MAX], name[IFNAMSIZ];
	bool legacy = false;
	int i, ret;

	a.opts.configure_interface = true;
	a.opts.console_fd = -1;
	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (!strcmp(w, "-h") || !strcmp(w, "--help")) {
			up_usage(stdout);
			return 0;
		}
		if (option(&a, w))
			continue;
		if (!strcmp(w, "-i") || !strcmp(w, "--interface")) {
			if (need_value(&a, argc, argv, i))
				return 1;
			wg = argv[++i];
			legacy = true;
		} else if (!strcmp(w, "-c") || !strcmp(w, "--config")) {
			if (need_value(&a, argc, argv, i))
				return 1;
			a.opts.config_path = argv[++i];
			legacy = true;
		} else if (!strcmp(w, "--nic")) {
			if (need_value(&a, argc, argv, i))
				return 1;
			nic_opt = argv[++i];
		} else if (!strcmp(w, "--lan")) {
			if (need_value(&a, argc, argv, i))
				return 1;
			lan = argv[++i];
		} else if (!strcmp(w, "--lan-bypass-netfilter")) {
			a.opts.lan_bypass_netfilter = true;
		} else if (!strcmp(w, "--lan-mss-clamp")) {
			a.opts.lan_mss_clamp = WG_LAN_MSS_AUTO;
		} else if (!strncmp(w, "--lan-mss-clamp=", 16)) {
			if (mss_value(w + 16, &a.opts.lan_mss_clamp))
				return fail(&a, "--lan-mss-clamp: '%s' is not "
					    "an MSS from 536 to 65535", w + 16);
		} else if (w[0] == '-') {
			fail(&a, "unknown option '%s'", w);
			up_usage(stderr);
			return 1;
		} else if (!nic) {
			nic = w;
		} else {
			fail(&a, "unexpected word '%s'", w);
			up_usage(stderr);
			return 1;
		}
	}
	if (!nic) {
		fprintf(stderr, "%s: missing configuration or NIC\n", a.cmd);
		up_usage(stderr);
		return 1;
	}
	/* wg-quick's form: a configuration name or file, not a NIC. */
	ret = legacy ? -ENOENT : wg_cmd_conf_path(nic, path, sizeof(path), name);
	if (ret && ret != -ENOENT)
		return fail(&a, "'%s': the file name must be an interface name "
			    "followed by .conf", nic);
	if (!ret) {
		if (nic_opt && (copy_name(a.opts.nic, nic_opt) ||
				!if_nametoindex(nic_opt)))
			return fail(&a, "no such network interface '%s'",
				    nic_opt);
		if (lan && (copy_name(a.opts.lan, lan) || !if_nametoindex(lan)))
			return fail(&a, "no such network interface '%s'", lan);
		snprintf(a.opts.ifname, sizeof(a.opts.ifname), "%s", name);
		a.opts.config_path = path;
		if (access(path, R_OK)) {
			fprintf(stderr, "%s: cannot read '%s': %s\n", a.cmd,
				path, strerror(errno));
			return 1;
		}
		wg_cmd_conf_warn_mode(path);
		return start(&a);
	}
	if (nic_opt)
		return fail(&a, "--nic goes with a configuration, not '%s'",
			    nic);
	if (copy_name(a.opts.nic, nic) || !if_nametoindex(nic))
		return fail(&a, "no such network interface '%s'", nic);
	if (copy_name(a.opts.ifname, wg))
		return fail(&a, "invalid interface name '%s'", wg);
	if (lan && (copy_name(a.opts.lan, lan) || !if_nametoindex(lan)))
		return fail(&a, "no such network interface '%s'", lan);
	if (!lan && (a.opts.lan_mss_clamp || a.opts.lan_bypass_netfilter))
		return fail(&a, "%s needs --lan",
			    a.opts.lan_mss_clamp ? "--lan-mss-clamp" :
						   "--lan-bypass-netfilter");
	if (a.opts.config_path && access(a.opts.config_path, R_OK)) {
		fprintf(stderr, "%s: cannot read '%s': %s\n", a.cmd,
			a.opts.config_path, strerror(errno));
		return 1;
	}
	return start(&a);
}

int wg_cmd_userspace(int argc, char *argv[])
{
	struct up_args a = { .cmd = "wg-xdp" };
	const char *env = getenv("WG_PROCESS_FOREGROUND");
	const char *name = NULL;
	int i;

	/* wireguard-go's environment switch for the foreground. */
	a.foreground = env && !strcmp(env, "1");
	a.opts.console_fd = -1;
	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (option(&a, w))
			continue;
		if (w[0] == '-' && w[1]) {
			fail(&a, "unknown option '%s'", w);
			up_usage(stderr);
			return 1;
		}
		if (name) {
			fail(&a, "unexpected word '%s'", w);
			up_usage(stderr);
			return 1;
		}
		name = w;
	}
	if (!name || copy_name(a.opts.ifname, name)) {
		if (name)
			return fail(&a, "invalid interface name '%s'", name);
		up_usage(stderr);
		return 1;
	}
	/* The NIC is the daemon's choice: $WG_XDP_NIC or the default route. */
	a.opts.nic[0] = '\0';
	a.opts.configure_interface = false;
	return start(&a);
}
