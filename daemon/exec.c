// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

extern char **environ;

static _Atomic int output_fd = -1;

void wg_exec_set_output(int fd)
{
	atomic_store(&output_fd, fd);
}

bool wg_exec_have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	const char *p, *colon;
	int n;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *p;
	     p = colon + 1) {
		colon = strchrnul(p, ':');
		n = snprintf(buf, sizeof(buf), "%.*s/%s", (int)(colon - p),
			     colon == p ? "." : p, prog);
		if (n > 0 && (size_t)n < sizeof(buf) && !access(buf, X_OK))
			return true;
		if (!*colon)
			break;
	}
	return false;
}

/* argv joined by spaces, for the "[#] ..." line. */
static void show(const char *const argv[], bool with_input)
{
	char line[1024];
	size_t off = 0;

	line[0] = '\0';
	for (size_t i = 0; argv[i] && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s",
					i ? " " : "", argv[i]);
	log_info("[#] %s%s", line, with_input ? " < (input)" : "");
}

static int feed(int fd, const char *input)
{
	size_t len = strlen(input), off = 0;
	ssize_t n;

	while (off < len) {
		n = write(fd, input + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

static int run(const char *const argv[], const char *input, bool echo)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int pipe_fd[2] = { -1, -1 }, out = atomic_load(&output_fd);
	int ret, status;
	pid_t pid;

	if (echo)
		show(argv, input != NULL);
	if (input && pipe2(pipe_fd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (input)
		posix_spawn_file_actions_adddup2(&fa, pipe_fd[0], STDIN_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
						 O_RDONLY, 0);
	if (out >= 0) {
		posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
		posix_spawn_file_actions_adddup2(&fa, out, STDERR_FILENO);
	} else {
		posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO,
						 STDOUT_FILENO);
	}
	/* The daemon blocks its signals and ignores SIGPIPE: not the child. */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF);
	ret = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv,
			   environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (input)
		close(pipe_fd[0]);
	if (ret) {
		if (input)
			close(pipe_fd[1]);
		log_warn("cannot run %s: %s", argv[0], strerror(ret));
		return -ret;
	}
	if (input) {
		/* A child that exits without reading gets EPIPE: ignored. */
		feed(pipe_fd[1], input);
		close(pipe_fd[1]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int wg_exec_run(const char *const argv[], const char *input)
{
	return run(argv, input, true);
}

/* The hook with every %i replaced by ifname; NULL when out of memory. */
static char *expand(const char *hook, const char *ifname)
{
	size_t n = 0, ilen = strlen(ifname), len = 0;
	const char *p;
	char *out;

	for (p = hook; (p = strstr(p, "%i")); p += 2)
		n++;
	out = malloc(strlen(hook) + n * ilen + 1);
	if (!out)
		return NULL;
	for (p = hook; *p;) {
		if (p[0] == '%' && p[1] == 'i') {
			memcpy(out + len, ifname, ilen);
			len += ilen;
			p += 2;
		} else {
			out[len++] = *p++;
		}
	}
	out[len] = '\0';
	return out;
}

int wg_exec_hooks(const struct wg_strv *hooks, const char *ifname)
{
	for (size_t i = 0; i < hooks->n; i++) {
		char *cmd = expand(hooks->v[i], ifname);
		const char *argv[] = { "bash", "-c", cmd, NULL };
		int ret;

		if (!cmd)
			return -ENOMEM;
		/* wg-quick shows the hook itself, not the bash around it. */
		log_info("[#] %s", cmd);
		ret = run(argv, NULL, false);
		free(cmd);
		if (ret) {
			log_err("hook %zu of %zu failed (%s %d)", i + 1,
				hooks->n, ret < 0 ? "error" : "exit status",
				ret < 0 ? -ret : ret);
			return -ECANCELED;
		}
	}
	return 0;
}
