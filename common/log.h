/* SPDX-License-Identifier: MIT */
#ifndef CORDON_LOG_H
#define CORDON_LOG_H

#include "util.h"

/*
 * OpenBSD log.c style: log_warn() appends strerror(errno), log_warnx()
 * does not. With LOG_TO_JOURNAL each line starts with a syslog priority
 * prefix ("<4>") that journald turns into the record's priority.
 *
 * A line identical to the one before (same priority) is not written
 * again: it is counted, and "last message repeated N times" is written
 * before the next different line, every 30 s while it keeps coming, and
 * at exit (log_flush()), as syslogd does. Not thread-safe (nor is any
 * cordon process threaded).
 */
enum log_flags { LOG_TO_JOURNAL = 1 };

void log_init(const char *progname, int flags, int verbose);
void log_warn(const char *fmt, ...) __printf(1, 2);
void log_warnx(const char *fmt, ...) __printf(1, 2);
void log_info(const char *fmt, ...) __printf(1, 2);
void log_debug(const char *fmt, ...) __printf(1, 2);
/* Say how often the last line was repeated, if it was. */
void log_flush(void);
/* Only at a process's top level. */
__attribute__((noreturn)) void fatal(const char *fmt, ...) __printf(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) __printf(1, 2);

#endif
