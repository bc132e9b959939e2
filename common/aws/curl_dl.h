/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CURL_DL_H
#define CORDON_CURL_DL_H

#include <stddef.h>

/*
 * libcurl is loaded (dlopen) the first time one of its functions is
 * called, not when cordon starts: most commands (replay, check, status,
 * enforce, lockdown) never talk to AWS, and libcurl with what it pulls in
 * is most of the libraries a start would map (docs/internals/aws.md).
 * The functions cordon calls are defined in curl_dl.c under libcurl's
 * own names; when the library cannot be loaded they fail as libcurl
 * does when it cannot start (CURLE_FAILED_INIT, NULL), and the reason is
 * logged once.
 */
#define CURL_DL_SONAME "libcurl.so.4"

/*
 * Load libcurl now (once; later calls say how that went): 0, or
 * -ELIBACC with err (may be NULL) naming why. A process that confines
 * itself afterwards (seccomp) calls it first.
 */
int curl_dl_load(char *err, size_t errlen);

#endif
