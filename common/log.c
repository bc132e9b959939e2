/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

/* A message repeated without end is said again at most this often. */
#define LOG_REPEAT_NS (30ull * NSEC_PER_SEC)
#define LOG_LINE_MAX 1300

static const char *log_prog = "cordon";
static int log_flags;
static int log_verbose;

/* The last line written, and how often it came again since (syslogd's way). */
static struct {
	bool valid;
	int pri;
	char line[LOG_LINE_MAX];
	unsigned long long count;
	uint64_t first_ns; /* the first repeat not yet reported */
} last;

#ifdef UNITTEST
uint64_t (*log_clock)(void) = util_now_mono_ns;
#else
static uint64_t (*const log_clock)(void) = util_now_mono_ns;
#endif

static void emit(int pri, const char *line)
{
	if (log_flags & LOG_TO_JOURNAL)
		fprintf(stderr, "<%d>%s\n", pri, line);
	else
		fprintf(stderr, "%s: %s\n", log_prog, line);
}

void log_flush(void)
{
	char msg[64];

	if (!last.count)
		return;
	snprintf(msg, sizeof(msg), "last message repeated %llu time%s", last.count,
		 last.count == 1 ? "" : "s");
	emit(last.pri, msg);
	last.count = 0;
}

void log_init(const char *progname, int flags, int verbose)
{
	static bool registered;

	log_prog = progname;
	log_flags = flags;
	log_verbose = verbose;
	if (!registered && atexit(log_flush) == 0)
		registered = true;
}

static void vlog(int pri, const char *fmt, va_list ap, int errnum)
{
	char msg[1024], line[LOG_LINE_MAX];
	uint64_t now = log_clock();

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum)
		snprintf(line, sizeof(line), "%s: %s", msg, strerror(errnum));
	else
		util_strlcpy(line, msg, sizeof(line));
	/* A failing retry loop must not write the same line 100 000 times. */
	if (last.valid && last.pri == pri && !strcmp(last.line, line)) {
		if (!last.count++)
			last.first_ns = now;
		if (now - last.first_ns >= LOG_REPEAT_NS)
			log_flush();
		return;
	}
	log_flush();
	emit(pri, line);
	last.valid = true;
	last.pri = pri;
	util_strlcpy(last.line, line, sizeof(last.line));
}

#define LOG_BODY(pri, errnum)                                                  \
	do {                                                                   \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		vlog(pri, fmt, ap, errnum);                                    \
		va_end(ap);                                                    \
	} while (0)

void log_warn(const char *fmt, ...)
{
	int e = errno;

	LOG_BODY(LOG_WARNING, e);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, 0);
}

void log_debug(const char *fmt, ...)
{
	if (log_verbose > 0)
		LOG_BODY(LOG_DEBUG, 0);
}

void fatal(const char *fmt, ...)
{
	int e = errno;

	LOG_BODY(LOG_CRIT, e);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	exit(1);
}
