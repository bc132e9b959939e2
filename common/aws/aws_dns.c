/* SPDX-License-Identifier: MIT */
/*
 * A small DNS stub for the AWS process (see aws_dns.h for why): one
 * question per query over UDP, answers checked against the question and
 * parsed with bounds on every read (RFC 1035 section 4; compression
 * pointers followed with a hop limit).
 *
 *   header   ID | QR Opcode AA TC RD RA Z RCODE | QD | AN | NS | AR
 *   question QNAME QTYPE QCLASS
 *   answer   NAME TYPE CLASS TTL RDLENGTH RDATA
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws_dns.h"

#define DNS_HDR 12
#define CLASS_IN 1
#define TYPE_CNAME 5
#define MAX_HOPS 32        /* compression pointers followed per name */
#define MAX_CNAMES 8
#define CACHE_SLOTS 16
#define CACHE_MAX_TTL 300u
#define CACHE_STALE_NS (3600ull * NSEC_PER_SEC)

/* ---- configuration ---- */

static void add_server(struct aws_dns_conf *c, const char *s, size_t n)
{
	struct cd_addr a;

	if (c->n_server >= AWS_DNS_MAX_SERVERS || !addr_parse_n(s, n, &a))
		return;
	/* A loopback server is a local stub: exactly what must be avoided. */
	if ((a.af == AF_INET && (ntohl(a.u.v4) >> 24) == 127) ||
	    (a.af == AF_INET6 && IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a.u.b)))
		return;
	for (size_t i = 0; i < c->n_server; i++)
		if (addr_eq(&c->server[i], &a))
			return;
	c->server[c->n_server++] = a;
}

static void servers_from_file(struct aws_dns_conf *c, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *e;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "nameserver", 10) || (p[10] != ' ' && p[10] != '\t'))
			continue;
		p += 10;
		while (*p == ' ' || *p == '\t')
			p++;
		e = p;
		while (*e && !isspace((unsigned char)*e) && *e != '%')
			e++;
		add_server(c, p, (size_t)(e - p));
	}
	fclose(f);
}

void aws_dns_conf_load(struct aws_dns_conf *c, const char *resolved_path,
		       const char *resolv_path)
{
	const char *env = getenv("CORDON_DNS_SERVERS");

	memset(c, 0, sizeof(*c));
	c->port = 53;
	c->timeout_ms = 800;
	if (env && *env) {
		for (const char *p = env; *p;) {
			size_t n = strcspn(p, ", ");

			add_server(c, p, n);
			p += n;
			p += strspn(p, ", ");
		}
		return;
	}
	servers_from_file(c, resolved_path ? resolved_path :
				     "/run/systemd/resolve/resolv.conf");
	if (!c->n_server)
		servers_from_file(c, resolv_path ? resolv_path : "/etc/resolv.conf");
	if (!c->n_server) {
		add_server(c, "169.254.169.253", 15);
		add_server(c, "fd00:ec2::253", 13);
	}
}

/* ---- messages ---- */

static bool name_ok(const char *name, size_t *len)
{
	size_t n = strlen(name), lab = 0;

	if (n && name[n - 1] == '.')
		n--;
	if (!n || n > AWS_DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '.') {
			if (!lab)
				return false;
			lab = 0;
		} else if (isalnum(ch) || ch == '-' || ch == '_') {
			if (++lab > 63)
				return false;
		} else {
			return false;
		}
	}
	*len = n;
	return lab > 0;
}

int aws_dns_query_build(uint8_t *buf, size_t cap, uint16_t id, const char *name,
			uint16_t qtype)
{
	size_t n, o = DNS_HDR;

	if (!name_ok(name, &n) || cap < DNS_HDR + n + 2 + 4)
		return -EINVAL;
	memset(buf, 0, DNS_HDR);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* QDCOUNT */
	for (size_t i = 0; i < n;) {
		size_t l = strcspn(name + i, ".");

		if (l > n - i)
			l = n - i;
		buf[o++] = (uint8_t)l;
		memcpy(buf + o, name + i, l);
		o += l;
		i += l + 1;
	}
	buf[o++] = 0;
	buf[o++] = (uint8_t)(qtype >> 8);
	buf[o++] = (uint8_t)qtype;
	buf[o++] = 0;
	buf[o++] = CLASS_IN;
	return (int)o;
}

/* Read the name at *off into out (lower case, dotted); *off moves past it. */
static int read_name(const uint8_t *m, size_t len, size_t *off, char *out,
		     size_t outlen)
{
	size_t p = *off, o = 0, end = 0;
	unsigned hops = 0;

	for (;;) {
		uint8_t l;

		if (p >= len)
			return -EBADMSG;
		l = m[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++hops > MAX_HOPS)
				return -EBADMSG;
			if (!end)
				end = p + 2;
			p = ((size_t)(l & 0x3f) << 8) | m[p + 1];
			continue;
		}
		if (l & 0xc0)
			return -EBADMSG; /* extended label types: not in answers we ask for */
		p++;
		if (!l)
			break;
		if (p + l > len || o + l + 1 >= outlen)
			return -EBADMSG;
		if (o)
			out[o++] = '.';
		for (size_t i = 0; i < l; i++)
			out[o++] = (char)tolower(m[p + i]);
		p += l;
	}
	out[o] = '\0';
	*off = end ? end : p;
	return 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static const char *const rcodes[] = {
	"no error", "format error", "server failure", "no such name",
	"not implemented", "refused",
};

int aws_dns_answer_parse(const uint8_t *m, size_t len, uint16_t id, const char *name,
			 uint16_t qtype, struct cd_addr *out, size_t max, size_t *n,
			 uint32_t *ttl, char *err, size_t errlen)
{
	char want[AWS_DNS_NAME_MAX + 2], got[AWS_DNS_NAME_MAX + 2];
	size_t off = DNS_HDR, qn;
	unsigned an, rcode, cnames = 0;
	uint32_t min_ttl = UINT32_MAX;

	*n = 0;
	if (!name_ok(name, &qn) || qn >= sizeof(want))
		return util_err(err, errlen, "DNS: bad name");
	for (size_t i = 0; i < qn; i++)
		want[i] = (char)tolower((unsigned char)name[i]);
	want[qn] = '\0';
	if (len < DNS_HDR)
		return util_errc(-EBADMSG, err, errlen, "DNS answer for %s: %zu bytes, shorter than a header",
				want, len);
	if (be16(m) != id || !(m[2] & 0x80) || (m[2] & 0x78))
		return util_errc(-EBADMSG, err, errlen, "DNS answer for %s: not the answer to our query",
				want);
	if (m[2] & 0x02)
		return util_errc(-EBADMSG, err, errlen, "DNS answer for %s: truncated", want);
	rcode = m[3] & 0x0f;
	if (rcode == 3)
		return util_errc(-ENOENT, err, errlen, "DNS: %s: no such name", want);
	if (rcode)
		return util_errc(-EBADMSG, err, errlen, "DNS: %s: %s", want,
				rcode < ARRAY_SIZE(rcodes) ? rcodes[rcode] : "error");
	if (be16(m + 4) != 1)
		return util_errc(-EBADMSG, err, errlen, "DNS answer for %s: %u questions", want,
				be16(m + 4));
	an = be16(m + 6);
	if (read_name(m, len, &off, got, sizeof(got)) || off + 4 > len ||
	    strcmp(got, want) || be16(m + off) != qtype || be16(m + off + 2) != CLASS_IN)
		return util_errc(-EBADMSG, err, errlen, "DNS answer for %s: another question", want);
	off += 4;
	for (unsigned i = 0; i < an; i++) {
		uint16_t type, class, rdlen;
		uint32_t t;

		if (read_name(m, len, &off, got, sizeof(got)) || off + 10 > len)
			return util_errc(-EBADMSG, err, errlen, "DNS answer for %s: record %u cut short",
					want, i + 1);
		type = be16(m + off);
		class = be16(m + off + 2);
		t = (uint32_t)be16(m + off + 4) << 16 | be16(m + off + 6);
		rdlen = be16(m + off + 8);
		off += 10;
		if (off + rdlen > len)
			return util_errc(-EBADMSG, err, errlen, "DNS answer for %s: record %u cut short",
					want, i + 1);
		if (class != CLASS_IN || strcmp(got, want)) {
			off += rdlen;
			continue;
		}
		if (type == TYPE_CNAME) {
			size_t r = off;

			if (++cnames > MAX_CNAMES || read_name(m, off + rdlen, &r, got, sizeof(got)))
				return util_errc(-EBADMSG, err, errlen, "DNS answer for %s: bad CNAME", want);
			memcpy(want, got, sizeof(want)); /* follow the chain */
		} else if (type == qtype && *n < max &&
			   rdlen == (qtype == AWS_DNS_QTYPE_A ? 4 : 16)) {
			if (qtype == AWS_DNS_QTYPE_A) {
				uint32_t v4;

				memcpy(&v4, m + off, 4);
				addr_set4(&out[*n], v4);
			} else {
				addr_set6(&out[*n], m + off);
			}
			(*n)++;
			if (t < min_ttl)
				min_ttl = t;
		}
		off += rdlen;
	}
	if (!*n)
		return util_errc(-ENOENT, err, errlen, "DNS: %s: no %s record", name,
				qtype == AWS_DNS_QTYPE_A ? "A" : "AAAA");
	*ttl = min_ttl;
	return 0;
}

/* ---- exchange ---- */

static int ask(const struct aws_dns_conf *c, const struct cd_addr *srv, const char *name,
	       uint16_t qtype, struct cd_addr *out, size_t max, size_t *n, uint32_t *ttl,
	       char *err, size_t errlen)
{
	uint8_t q[AWS_DNS_NAME_MAX + 32], a[AWS_DNS_MSG_MAX];
	struct sockaddr_storage ss;
	socklen_t sl;
	uint16_t id;
	int qlen, fd, rc;
	struct pollfd pfd;
	uint64_t deadline;
	char sbuf[ADDR_STRLEN];

	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		return util_errc(-EIO, err, errlen, "DNS: no random query id");
	qlen = aws_dns_query_build(q, sizeof(q), id, name, qtype);
	if (qlen < 0)
		return util_errc(-EINVAL, err, errlen, "DNS: '%.80s' is not a host name", name);
	memset(&ss, 0, sizeof(ss));
	if (srv->af == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->port);
		s4->sin_addr.s_addr = srv->u.v4;
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(c->port);
		memcpy(&s6->sin6_addr, srv->u.b, 16);
		sl = sizeof(*s6);
	}
	fd = socket(srv->af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return util_errc(-errno, err, errlen, "DNS: socket: %s", strerror(errno));
	/* Connected: the kernel drops datagrams from anyone but the server,
	 * and picks a random source port. */
	if (connect(fd, (struct sockaddr *)&ss, sl) || send(fd, q, (size_t)qlen, 0) != qlen) {
		rc = -errno;
		util_err(err, errlen, "DNS server %s: %s", addr_ntop(srv, sbuf, sizeof(sbuf)),
			 strerror(-rc));
		goto out;
	}
	deadline = util_now_mono_ns() + (uint64_t)c->timeout_ms * NSEC_PER_MSEC;
	for (;;) {
		uint64_t now = util_now_mono_ns();
		ssize_t r;

		if (now >= deadline) {
			rc = -ETIMEDOUT;
			util_err(err, errlen, "DNS server %s: no answer in %u ms",
				 addr_ntop(srv, sbuf, sizeof(sbuf)), c->timeout_ms);
			goto out;
		}
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		rc = poll(&pfd, 1, (int)((deadline - now) / NSEC_PER_MSEC) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			continue;
		r = recv(fd, a, sizeof(a), 0);
		if (r < 0) {
			rc = -errno;
			util_err(err, errlen, "DNS server %s: %s",
				 addr_ntop(srv, sbuf, sizeof(sbuf)), strerror(-rc));
			goto out;
		}
		/* A datagram with another id is someone's guess: wait on. */
		if (r >= 2 && be16(a) != id)
			continue;
		rc = aws_dns_answer_parse(a, (size_t)r, id, name, qtype, out, max, n, ttl,
					  err, errlen);
		goto out;
	}
out:
	close(fd);
	return rc;
}

/* ---- cache and the process-wide resolver ---- */

struct cache_ent {
	char name[AWS_DNS_NAME_MAX + 1];
	struct cd_addr addr[AWS_DNS_MAX_ADDRS];
	size_t n;
	uint64_t fresh_until, stale_until;
};

static struct cache_ent cache[CACHE_SLOTS];
static const struct aws_dns_conf *current;

static struct cache_ent *cache_find(const char *name)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].n && !strcasecmp(cache[i].name, name))
			return &cache[i];
	return NULL;
}

static void cache_put(const char *name, const struct cd_addr *a, size_t n, uint32_t ttl)
{
	struct cache_ent *e = cache_find(name), *old = &cache[0];
	uint64_t now = util_now_mono_ns();

	if (!e) {
		for (size_t i = 0; i < CACHE_SLOTS; i++) {
			if (!cache[i].n) {
				old = &cache[i];
				break;
			}
			if (cache[i].stale_until < old->stale_until)
				old = &cache[i];
		}
		e = old;
	}
	util_strlcpy(e->name, name, sizeof(e->name));
	memcpy(e->addr, a, n * sizeof(*a));
	e->n = n;
	if (ttl > CACHE_MAX_TTL)
		ttl = CACHE_MAX_TTL;
	e->fresh_until = now + (uint64_t)ttl * NSEC_PER_SEC;
	e->stale_until = e->fresh_until + CACHE_STALE_NS;
}

int aws_dns_resolve(const struct aws_dns_conf *c, const char *name, struct cd_addr *out,
		    size_t max, size_t *n, char *err, size_t errlen)
{
	static const uint16_t qtypes[] = { AWS_DNS_QTYPE_A, AWS_DNS_QTYPE_AAAA };
	struct cache_ent *e = cache_find(name);
	uint64_t now = util_now_mono_ns();
	int rc = -ENOENT;

	*n = 0;
	if (e && now < e->fresh_until)
		goto cached;
	if (!c->n_server)
		return util_errc(-ENOENT, err, errlen, "DNS: no server to ask for %s", name);
	for (size_t q = 0; q < ARRAY_SIZE(qtypes); q++) {
		for (size_t s = 0; s < c->n_server; s++) {
			uint32_t ttl = 0;

			rc = ask(c, &c->server[s], name, qtypes[q], out, max, n, &ttl, err,
				 errlen);
			if (!rc) {
				cache_put(name, out, *n, ttl);
				return 0;
			}
			if (rc == -ENOENT)
				break; /* the server says so: another one will too */
		}
		if (rc != -ENOENT)
			break; /* no server answered: AAAA will not fare better */
	}
	/* Static stability: an answer an hour old beats none. */
	if (e && now < e->stale_until && rc != -ENOENT)
		goto cached;
	return rc;
cached:
	*n = e->n < max ? e->n : max;
	memcpy(out, e->addr, *n * sizeof(*out));
	return 0;
}

void aws_dns_use(const struct aws_dns_conf *c)
{
	current = c;
}

const struct aws_dns_conf *aws_dns_current(void)
{
	return current;
}

int aws_dns_pin(const char *host, unsigned port, char *out, size_t outlen, char *err,
		size_t errlen)
{
	struct cd_addr a[AWS_DNS_MAX_ADDRS], lit;
	char s[ADDR_STRLEN];
	size_t n, o;
	int rc;

	if (!current || addr_parse(host, &lit) || (host[0] == '[') ||
	    !strcasecmp(host, "localhost"))
		return -ENOENT;
	rc = aws_dns_resolve(current, host, a, ARRAY_SIZE(a), &n, err, errlen);
	if (rc)
		return rc;
	o = (size_t)snprintf(out, outlen, "%s:%u:", host, port);
	for (size_t i = 0; i < n && o < outlen; i++) {
		addr_ntop(&a[i], s, sizeof(s));
		o += (size_t)snprintf(out + o, outlen - o, a[i].af == AF_INET6 ? "%s[%s]" : "%s%s",
				      i ? "," : "", s);
	}
	return o < outlen ? 0 : -ENAMETOOLONG;
}
