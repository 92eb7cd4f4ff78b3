// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_BURST 10

static _Atomic bool debug_on;
/* Messages above this level are dropped ($LOG_LEVEL); -1 drops all. */
static int max_level = WG_LOG_DBG;
static bool journal;
static int echo_fd = -1;
static char prefix[64];
/* Serialises whole lines from several threads. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void wg_log_set_prefix(const char *p)
{
	pthread_mutex_lock(&log_lock);
	snprintf(prefix, sizeof(prefix), "%s", p ? p : "");
	pthread_mutex_unlock(&log_lock);
}

void wg_log_set_debug(bool on)
{
	atomic_store(&debug_on, on);
}

void wg_log_init_env(void)
{
	const char *lvl = getenv("LOG_LEVEL");
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (lvl && (!strcmp(lvl, "verbose") || !strcmp(lvl, "debug")))
		wg_log_set_debug(true);
	else if (lvl && !strcmp(lvl, "error"))
		max_level = WG_LOG_ERR;
	else if (lvl && !strcmp(lvl, "silent"))
		max_level = -1;
	/* systemd.exec(5): "DEV:INODE" of the stream stderr should be. */
	journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
		  !fstat(STDERR_FILENO, &st) &&
		  (unsigned long long)st.st_dev == dev &&
		  (unsigned long long)st.st_ino == ino;
}

void wg_log_set_echo(int fd)
{
	pthread_mutex_lock(&log_lock);
	echo_fd = fd;
	pthread_mutex_unlock(&log_lock);
}

bool wg_log_debug_enabled(void)
{
	return atomic_load_explicit(&debug_on, memory_order_relaxed);
}

void wg_log(enum wg_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wg_vlog(level, fmt, ap);
	va_end(ap);
}

void wg_vlog(enum wg_log_level level, const char *fmt, va_list ap)
{
	static const char *const tags[] = {
		[WG_LOG_ERR] = "error: ",
		[WG_LOG_WARN] = "warning: ",
		[WG_LOG_INFO] = "",
		[WG_LOG_DBG] = "debug: ",
	};
	/* syslog(3) priorities, as sd-daemon(3) prefixes them. */
	static const char *const prio[] = {
		[WG_LOG_ERR] = "<3>",
		[WG_LOG_WARN] = "<4>",
		[WG_LOG_INFO] = "<6>",
		[WG_LOG_DBG] = "<7>",
	};
	char line[1024];
	size_t n;

	if ((int)level > max_level && !(level == WG_LOG_DBG &&
					 wg_log_debug_enabled()))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = 0;
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s%s%s%s%s\n", journal ? prio[level] : "", prefix,
		prefix[0] ? ": " : "", tags[level], line);
	if (echo_fd >= 0 && level != WG_LOG_DBG)
		dprintf(echo_fd, "%s%s\n", tags[level], line);
	pthread_mutex_unlock(&log_lock);
}

bool wg_log_allow(struct wg_log_limit *lim)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec;
	/* Racy by design between threads: an extra line is harmless. */
	if (now != lim->window_start) {
		if (lim->suppressed)
			wg_log(WG_LOG_WARN, "%u similar messages suppressed",
			       lim->suppressed);
		lim->window_start = now;
		lim->count = 0;
		lim->suppressed = 0;
	}
	if (lim->count < LOG_BURST) {
		lim->count++;
		return true;
	}
	lim->suppressed++;
	return false;
}
