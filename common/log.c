/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char *log_prog = "cordon";
static int log_flags;
static int log_verbose;

void log_init(const char *progname, int flags, int verbose)
{
	log_prog = progname;
	log_flags = flags;
	log_verbose = verbose;
}

static void vlog(int pri, const char *fmt, va_list ap, int errnum)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_flags & LOG_TO_JOURNAL)
		fprintf(stderr, "<%d>", pri);
	else
		fprintf(stderr, "%s: ", log_prog);
	if (errnum)
		fprintf(stderr, "%s: %s\n", msg, strerror(errnum));
	else
		fprintf(stderr, "%s\n", msg);
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
