/* SPDX-License-Identifier: MIT */
/*
 * The incident e-mail. Written for the person on call reading it on a
 * phone: the first line says what happened and what state the instance is
 * in, then what was seen, what cordon did, what failed, and the one
 * command that undoes it. Plain text (SNS e-mail is text/plain).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "notify.h"

void notify_subject_clean(char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = (unsigned char)s[i] >= 0x80 ? '?' : ' ';
	if (i > NOTIFY_SUBJECT_MAX) {
		memcpy(s + NOTIFY_SUBJECT_MAX - 3, "...", 4);
		i = NOTIFY_SUBJECT_MAX;
	}
	/* SNS refuses a subject that starts with a space; and an empty one. */
	while (*s == ' ')
		memmove(s, s + 1, i--);
	while (i > 0 && s[i - 1] == ' ')
		s[--i] = '\0';
	if (!*s)
		util_strlcpy(s, "cordon notification", NOTIFY_SUBJECT_MAX + 1);
}

void notify_subject_printf(char subject[NOTIFY_SUBJECT_MAX + 1], const char *fmt, ...)
{
	char s[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	notify_subject_clean(s);
	util_strlcpy(subject, s, NOTIFY_SUBJECT_MAX + 1);
}

static const char *or_unknown(const char *s)
{
	return *s ? s : "unknown";
}

/* "203.0.113.7 port 443" or "[2001:db8::1] port 443" or just the address. */
static void endpoint(char *out, size_t len, const char *ip, bool v6, int port)
{
	if (port < 0)
		snprintf(out, len, "%s", or_unknown(ip));
	else if (v6)
		snprintf(out, len, "[%s] port %d", or_unknown(ip), port);
	else
		snprintf(out, len, "%s port %d", or_unknown(ip), port);
}

static bool any_eni_done(const struct notify_actions *a)
{
	for (size_t i = 0; i < a->n_eni; i++)
		if (a->eni[i].done)
			return true;
	return false;
}

static bool any_eni_failed(const struct notify_actions *a)
{
	for (size_t i = 0; i < a->n_eni; i++)
		if (!a->eni[i].done && !a->eni[i].pending)
			return true;
	return false;
}

static bool any_eni_pending(const struct notify_actions *a)
{
	for (size_t i = 0; i < a->n_eni; i++)
		if (a->eni[i].pending)
			return true;
	return false;
}

/* One short line: what state the instance is in now. */
static const char *state_word(const struct notify_actions *a)
{
	bool cloud = any_eni_done(a), cloud_fail = any_eni_failed(a);
	/* Off the host, the cloud side is the whole of the isolation. */
	bool host = a->host_locked || a->off_host;

	/* The interfaces move after the message: the host loses the API then. */
	if (any_eni_pending(a) && !cloud_fail && host)
		return "being isolated";
	if (cloud && !cloud_fail && host)
		return "isolated";
	if (cloud || a->host_locked)
		return "partly isolated";
	if (!strcmp(a->mode, "block"))
		return "address blocked";
	return "not isolated";
}

static bool inbound(const struct notify_finding *f)
{
	return !strcmp(f->direction, "INBOUND");
}

/* The protocol as people write it: "ICMPv6", not the finding's "ICMPV6". */
static const char *proto_word(const struct notify_finding *f)
{
	if (!*f->protocol)
		return "traffic";
	return !strcmp(f->protocol, "ICMPV6") ? "ICMPv6" : f->protocol;
}

static void subject_of(const struct notify_finding *f, const struct notify_actions *a,
		       char subject[NOTIFY_SUBJECT_MAX + 1])
{
	const char *toward = inbound(f) ? "from" :
			     !strcmp(f->direction, "OUTBOUND") ? "to" : "with";

	notify_subject_printf(subject, "cordon: %s %s - %s %s %s", or_unknown(f->instance_id),
			      state_word(a), proto_word(f), toward, or_unknown(f->remote_ip));
}

/*
 * One sentence on what the instance and the listed address did, the
 * right way round: outbound, the instance reached the remote's service
 * port; inbound, the remote reached the instance's. ICMP has no port.
 */
static int what_happened(struct buf *t, const struct notify_finding *f)
{
	int port = inbound(f) ? f->local_port : f->remote_port;
	const char *r = or_unknown(f->remote_ip), *p = proto_word(f);
	char on[64] = "";

	if (port >= 0 && *f->protocol)
		snprintf(on, sizeof(on), " on %s port %d", p, port);
	if (!strcmp(f->direction, "OUTBOUND") && *on)
		return buf_addf(t, "It %s %s, an address on a threat list,%s%s.", f->blocked ?
				"tried to reach" : "contacted", r, on,
				f->blocked ? "; the host's firewall blocked it" : "");
	if (!strcmp(f->direction, "OUTBOUND"))
		return buf_addf(t, "It sent %s to %s, an address on a threat list%s.", p, r,
				f->blocked ? "; the host's firewall blocked it" : "");
	if (inbound(f) && *on)
		return buf_addf(t, "%s, an address on a threat list, %s it%s%s.", r, f->blocked ?
				"tried to reach" : "contacted", on,
				f->blocked ? "; the host's firewall blocked it" : "");
	if (inbound(f))
		return buf_addf(t, "%s, an address on a threat list, sent it %s%s.", r, p,
				f->blocked ? "; the host's firewall blocked it" : "");
	return buf_addf(t, "It exchanged %s with %s, an address on a threat list.", p, r);
}

static int seen(struct buf *t, const struct notify_finding *f)
{
	char local[80], remote[80], list[220] = "";
	bool in = inbound(f);
	int ret;

	endpoint(local, sizeof(local), f->local_ip, f->local_v6, f->local_port);
	endpoint(remote, sizeof(remote), f->remote_ip, f->remote_v6, f->remote_port);
	if (*f->list_name && *f->list_entry)
		snprintf(list, sizeof(list), " (threat list %s, entry %s)", f->list_name,
			 f->list_entry);
	else if (*f->list_name)
		snprintf(list, sizeof(list), " (threat list %s)", f->list_name);
	ret = buf_addf(t, "WHAT WAS SEEN\n"
		       "  %s\n\n"
		       "  Remote address: %s%s\n"
		       "  Direction:      %s\n"
		       "  Protocol:       %s, %s %s %s\n"
		       "  Connections:    %llu flow%s, %llu packets, %llu bytes%s\n"
		       "  First seen:     %s\n"
		       "  Last seen:      %s\n"
		       "  Finding:        %s (%s, severity %g)\n\n",
		       *f->description ? f->description : or_unknown(f->title),
		       or_unknown(f->remote_ip), list,
		       !*f->direction ? "unknown" :
		       in ? "INBOUND (the remote address contacted this instance)" :
			    "OUTBOUND (this instance contacted the remote address)",
		       *f->protocol ? proto_word(f) : "unknown",
		       in ? remote : local, "->", in ? local : remote,
		       (unsigned long long)f->count, f->count == 1 ? "" : "s",
		       (unsigned long long)f->packets, (unsigned long long)f->bytes,
		       f->blocked ? " (all blocked on the host)" : "",
		       or_unknown(f->first_seen), or_unknown(f->last_seen),
		       f->id, or_unknown(f->type), f->severity);
	return ret;
}

/* The finding's region, else the one the caller knows (the agent's). */
static const char *region_of(const struct notify_finding *f, const struct notify_actions *a)
{
	return *f->region ? f->region : a->gd_region;
}

static int where(struct buf *t, const struct notify_finding *f, const struct notify_actions *a)
{
	char l[NOTIFY_LINK_LEN];
	int ret = buf_addf(t, "WHERE\n  Instance:       %s\n", or_unknown(f->instance_id));

	if (!ret && notify_link_instance(l, sizeof(l), region_of(f, a), f->instance_id))
		ret = buf_addf(t, "                  %s\n", l);
	if (!ret)
		ret = buf_addf(t, "  Account:        %s\n  Region:         %s\n\n",
			       or_unknown(f->account), or_unknown(region_of(f, a)));
	return ret;
}

static int did(struct buf *t, const struct notify_actions *a)
{
	int ret = buf_adds(t, "WHAT CORDON DID\n");

	if (!ret && a->off_host) {
		ret = buf_adds(t, "  - Acted from outside the instance (cordon respond): the "
			       "instance's own firewall was not changed.\n");
	} else if (!ret && a->host_locked) {
		if (a->lockdown_ms >= 0)
			ret = buf_addf(t, "  - Locked the host's firewall down %ld ms after the "
				       "detection: only the responders' allowlist can reach it.\n",
				       a->lockdown_ms);
		else
			ret = buf_adds(t, "  - Locked the host's firewall down: only the "
				       "responders' allowlist can reach it.\n");
	} else if (!ret) {
		ret = buf_addf(t, "  - The host's firewall was NOT locked down (mode %s).\n",
			       *a->mode ? a->mode : "unknown");
	}
	for (size_t i = 0; !ret && i < a->n_eni; i++) {
		const struct notify_eni *e = &a->eni[i];

		if (e->done)
			ret = buf_addf(t, "  - Moved network interface %s from security groups "
				       "%s to %s.\n", e->id, or_unknown(e->old_groups),
				       or_unknown(e->new_groups));
		else if (e->pending)
			ret = buf_addf(t, "  - Moving network interface %s from security groups "
				       "%s to %s right after this message (recorded on it as "
				       "cordon:original-groups).\n", e->id,
				       or_unknown(e->old_groups), or_unknown(e->new_groups));
		else
			ret = buf_addf(t, "  - FAILED to move network interface %s (groups %s) "
				       "to %s: %s\n", e->id, or_unknown(e->old_groups),
				       or_unknown(e->new_groups), or_unknown(e->error));
	}
	if (!ret && !a->n_eni)
		ret = buf_adds(t, "  - No security groups were changed in the cloud.\n");
	if (!ret && *a->tags)
		ret = buf_addf(t, "  - Tagged the instance: %s\n", a->tags);
	if (!ret && a->termination_protection)
		ret = buf_adds(t, "  - Turned termination protection on.\n");
	for (size_t i = 0; !ret && i < a->n_snapshots; i++)
		ret = buf_addf(t, "  - Started snapshot %s.\n", a->snapshots[i]);
	if (!ret)
		ret = buf_adds(t, "\n");
	return ret;
}

static int failed(struct buf *t, const struct notify_actions *a)
{
	int ret;

	if (!a->n_errors)
		return buf_adds(t, "WHAT FAILED\n  Nothing.\n\n");
	ret = buf_adds(t, "WHAT FAILED (cordon keeps retrying what it can)\n");
	for (size_t i = 0; !ret && i < a->n_errors; i++)
		ret = buf_addf(t, "  - %s\n", a->errors[i]);
	if (!ret)
		ret = buf_adds(t, "\n");
	return ret;
}

static int guardduty(struct buf *t, const struct notify_finding *f,
		     const struct notify_actions *a)
{
	const char *region = *a->gd_region ? a->gd_region : f->region;
	char l[NOTIFY_LINK_LEN];

	if (!*a->gd_finding_id)
		return buf_adds(t, "GUARDDUTY\n  No GuardDuty finding matched yet; GuardDuty "
				"takes 5 to 15 minutes or more to publish one.\n\n");
	if (!notify_link_gd_finding(l, sizeof(l), region, a->gd_finding_id))
		return buf_addf(t, "GUARDDUTY\n  Matching GuardDuty finding: %s\n\n",
				a->gd_finding_id);
	return buf_addf(t, "GUARDDUTY\n  Matching GuardDuty finding: %s\n  %s\n\n",
			a->gd_finding_id, l);
}

static int release(struct buf *t, const struct notify_finding *f,
		   const struct notify_actions *a)
{
	const char *region = region_of(f, a);
	int ret;

	if (!*a->incident_id)
		return buf_adds(t, "HOW TO RELEASE\n  Nothing to release: cordon did not isolate "
				"this instance.\n");
	ret = buf_adds(t, "HOW TO RELEASE\n"
		       "  Keep the instance as it is until the investigation is done; the "
		       "isolation survives reboots and agent restarts.\n");
	if (!ret && *f->instance_id && *region)
		ret = buf_addf(t, "  Then, from any machine with AWS credentials for this account "
			       "(a workstation, CloudShell):\n\n"
			       "    cordon release --instance-id %s --region %s\n\n"
			       "  or on the instance (for example through SSM Session Manager):\n\n"
			       "    cordon release%s%s\n\n"
			       "  Either puts every network interface back in the security groups "
			       "recorded on it (tag cordon:original-groups) and lifts the host "
			       "lockdown.\n", f->instance_id, region,
			       /* Off the host the agent's journal does not know the id. */
			       a->off_host ? "" : " --incident ", a->off_host ? "" : a->incident_id);
	else if (!ret)
		ret = buf_addf(t, "  Then, on the instance (for example through SSM Session "
			       "Manager):\n\n"
			       "    cordon release --incident %s\n\n"
			       "  That puts every network interface back in its original security "
			       "groups and lifts the host lockdown.\n", a->incident_id);
	return ret;
}

/* The finding a message is about; the subject empty until it is made. */
static int message_finding(const char *finding_json, struct notify_finding *f,
			   char subject[NOTIFY_SUBJECT_MAX + 1], char *err, size_t errlen)
{
	subject[0] = '\0';
	return notify_finding_parse(finding_json, finding_json ? strlen(finding_json) : 0, f,
				    err, errlen);
}

int notify_incident_text(const char *finding_json, const struct notify_actions *a,
			 char subject[NOTIFY_SUBJECT_MAX + 1], struct buf *text, char *err,
			 size_t errlen)
{
	struct notify_finding f;
	int ret;

	ret = message_finding(finding_json, &f, subject, err, errlen);
	if (ret)
		return ret;
	subject_of(&f, a, subject);
	ret = buf_addf(text, "Instance %s is %s. ", or_unknown(f.instance_id), state_word(a));
	if (!ret)
		ret = what_happened(text, &f);
	if (!ret)
		ret = buf_adds(text, "\n\n");
	if (!ret)
		ret = seen(text, &f);
	if (!ret)
		ret = where(text, &f, a);
	if (!ret)
		ret = did(text, a);
	if (!ret)
		ret = failed(text, a);
	if (!ret)
		ret = guardduty(text, &f, a);
	if (!ret)
		ret = release(text, &f, a);
	if (ret)
		util_err(err, errlen, "incident message: over %zu bytes", text->max);
	return ret;
}

int notify_followup_text(const char *finding_json, const char *incident_id,
			 const struct notify_gd_match *g, char subject[NOTIFY_SUBJECT_MAX + 1],
			 struct buf *text, char *err, size_t errlen)
{
	const char *region;
	char l[NOTIFY_LINK_LEN];
	struct notify_finding f;
	int ret;

	ret = message_finding(finding_json, &f, subject, err, errlen);
	if (ret)
		return ret;
	if (!*g->id)
		return util_err(err, errlen, "follow-up message: no GuardDuty finding id");
	region = *g->region ? g->region : f.region;
	notify_subject_printf(subject, "cordon: %s - GuardDuty confirms: %s",
			      or_unknown(f.instance_id), or_unknown(g->type));
	ret = buf_addf(text, "Update on %s%s, instance %s: GuardDuty published a finding that "
		       "matches what cordon saw.\n\n", *incident_id ? "incident " : "the finding ",
		       *incident_id ? incident_id : f.id, or_unknown(f.instance_id));
	if (!ret)
		ret = buf_addf(text, "GUARDDUTY\n"
			       "  Type:           %s\n"
			       "  Severity:       %g (%s)\n"
			       "  Title:          %s\n"
			       "  Updated:        %s\n"
			       "  Finding:        %s\n", or_unknown(g->type), g->severity,
			       notify_severity_label(g->severity), or_unknown(g->title),
			       or_unknown(g->updated_at), g->id);
	if (!ret && notify_link_gd_finding(l, sizeof(l), region, g->id))
		ret = buf_addf(text, "                  %s\n", l);
	if (!ret)
		ret = buf_adds(text, "\nWHAT CORDON SAW\n  ");
	if (!ret)
		ret = what_happened(text, &f);
	if (!ret)
		ret = buf_addf(text, "\n  Finding:        %s (first seen %s)\n", f.id,
			       or_unknown(f.first_seen));
	if (!ret && notify_link_instance(l, sizeof(l), region, f.instance_id))
		ret = buf_addf(text, "  Instance:       %s\n", l);
	if (!ret)
		ret = buf_adds(text, "\nNothing else changed since the first message. On the "
			       "instance, `cordon journal` shows the whole incident.\n");
	if (ret)
		util_err(err, errlen, "follow-up message: over %zu bytes", text->max);
	return ret;
}
