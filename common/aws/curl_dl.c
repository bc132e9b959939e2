/* SPDX-License-Identifier: MIT */
/*
 * libcurl, loaded the first time a command uses it (curl_dl.h). The
 * libcurl functions cordon calls are defined here under their own names
 * and forward to the library's, found with dlsym() once: the code that
 * uses libcurl stays as it is (curl.h's type checks included), and the
 * binary does not name libcurl, so a command that never talks to AWS
 * does not map it and the 30-odd libraries it pulls in.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>

#include "curl_dl.h"
#include "log.h"
#include "util.h"

static struct {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *h);
	void (*easy_reset)(CURL *h);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool loaded;
static char why[256];

/* dlsym() into a function pointer (POSIX's way: through its bytes). */
static bool sym(void *h, const char *name, void *fnp)
{
	void *p = dlsym(h, name);

	if (!p) {
		snprintf(why, sizeof(why), "%s: no %s", CURL_DL_SONAME, name);
		return false;
	}
	memcpy(fnp, &p, sizeof(p));
	return true;
}

static void load(void)
{
	void *h = dlopen(CURL_DL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(why, sizeof(why), "%s", e ? e : CURL_DL_SONAME ": cannot load");
	} else if (sym(h, "curl_global_init", &fn.global_init) &&
		   sym(h, "curl_easy_init", &fn.easy_init) &&
		   sym(h, "curl_easy_cleanup", &fn.easy_cleanup) &&
		   sym(h, "curl_easy_reset", &fn.easy_reset) &&
		   sym(h, "curl_easy_setopt", &fn.easy_setopt) &&
		   sym(h, "curl_easy_perform", &fn.easy_perform) &&
		   sym(h, "curl_easy_getinfo", &fn.easy_getinfo) &&
		   sym(h, "curl_easy_strerror", &fn.easy_strerror) &&
		   sym(h, "curl_slist_append", &fn.slist_append) &&
		   sym(h, "curl_slist_free_all", &fn.slist_free_all)) {
		loaded = true;
		return;
	}
	log_warnx("libcurl cannot be loaded, so nothing reaches AWS: %s "
		  "(install libcurl4, or the bundle's lib/ is incomplete)", why);
}

int curl_dl_load(char *err, size_t errlen)
{
	pthread_once(&once, load);
	if (loaded)
		return 0;
	if (err)
		util_err(err, errlen, "libcurl: %s", why);
	return -ELIBACC;
}

static bool ready(void)
{
	return curl_dl_load(NULL, 0) == 0;
}

/* The names in parentheses: curl.h makes two of them type-checking macros. */
CURLcode(curl_global_init)(long flags)
{
	return ready() ? fn.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *(curl_easy_init)(void)
{
	return ready() ? fn.easy_init() : NULL;
}

void(curl_easy_cleanup)(CURL *h)
{
	if (h && ready())
		fn.easy_cleanup(h);
}

void(curl_easy_reset)(CURL *h)
{
	if (h && ready())
		fn.easy_reset(h);
}

/*
 * One argument after the option, of the type its number's range says
 * (curl.h's CURLOPTTYPE_*), passed on as that type.
 */
CURLcode(curl_easy_setopt)(CURL *h, CURLoption opt, ...)
{
	CURLcode rc = CURLE_FAILED_INIT;
	va_list ap;

	if (!ready())
		return rc;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.easy_setopt(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.easy_setopt(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = fn.easy_setopt(h, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = fn.easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		rc = fn.easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode(curl_easy_perform)(CURL *h)
{
	return ready() ? fn.easy_perform(h) : CURLE_FAILED_INIT;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode(curl_easy_getinfo)(CURL *h, CURLINFO info, ...)
{
	CURLcode rc = CURLE_FAILED_INIT;
	va_list ap;

	if (!ready())
		return rc;
	va_start(ap, info);
	rc = fn.easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *(curl_easy_strerror)(CURLcode rc)
{
	return ready() ? fn.easy_strerror(rc) : why;
}

struct curl_slist *(curl_slist_append)(struct curl_slist *l, const char *s)
{
	return ready() ? fn.slist_append(l, s) : NULL;
}

void(curl_slist_free_all)(struct curl_slist *l)
{
	if (l && ready())
		fn.slist_free_all(l);
}
