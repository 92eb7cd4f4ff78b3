/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Logging for the daemon and the command line: one line per message on
 * stderr, prefixed with the interface name once the daemon knows it. Debug
 * messages are off unless `-d` or `wg-xdp set WG debug` turned them on.
 * When stderr is the journal ($JOURNAL_STREAM names it) each line starts
 * with its syslog priority ("<3>" error ... "<7>" debug), so journalctl
 * shows and filters priorities. $LOG_LEVEL is read as wireguard-go reads
 * it: "verbose" or "debug" (debug on), "error" (errors only), "silent".
 * Per-packet messages go through log_ratelimited() so a flood of bad packets
 * cannot flood the log. Secrets are never passed to these functions.
 */
#ifndef WG_LOG_H
#define WG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum wg_log_level { WG_LOG_ERR, WG_LOG_WARN, WG_LOG_INFO, WG_LOG_DBG };

/* Name shown before each message ("wg0: ..."); NULL for none. */
void wg_log_set_prefix(const char *prefix);
void wg_log_set_debug(bool on);
/* Read $LOG_LEVEL and $JOURNAL_STREAM (once, at start-up). */
void wg_log_init_env(void);
/* Also copy messages of info and above to fd (-1: stop), e.g. a terminal. */
void wg_log_set_echo(int fd);
bool wg_log_debug_enabled(void);
void wg_log(enum wg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * True at most `burst` times per second for this call site's state; used for
 * messages that a remote party can trigger per packet.
 */
struct wg_log_limit {
	uint64_t window_start;
	unsigned int count;
	unsigned int suppressed;
};
bool wg_log_allow(struct wg_log_limit *limit);

/* The same with a va_list; a trailing newline in the text is dropped. */
void wg_vlog(enum wg_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_err(...) wg_log(WG_LOG_ERR, __VA_ARGS__)
#define log_warn(...) wg_log(WG_LOG_WARN, __VA_ARGS__)
#define log_info(...) wg_log(WG_LOG_INFO, __VA_ARGS__)
#define log_dbg(...)                                   \
	do {                                           \
		if (wg_log_debug_enabled())            \
			wg_log(WG_LOG_DBG, __VA_ARGS__); \
	} while (0)
/* At most 10 lines a second from one call site. */
#define log_ratelimited(level, ...)                          \
	do {                                                 \
		static struct wg_log_limit _lim;             \
		if (wg_log_allow(&_lim))                     \
			wg_log(level, __VA_ARGS__);          \
	} while (0)

#endif /* WG_LOG_H */
