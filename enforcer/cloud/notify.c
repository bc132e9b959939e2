/* SPDX-License-Identifier: MIT */
/*
 * The three notification calls: SNS Publish (query protocol),
 * EventBridge PutEvents (JSON 1.1) and Security Hub BatchImportFindings
 * (REST-JSON). The last two answer 200 even when the entry was refused,
 * so their failure counts are read and turned into errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_xml.h"
#include "notify.h"

#define SNS_VERSION "2010-03-31"


/* SNS refuses invalid UTF-8; better to say so here than get a 400. */
static bool utf8_ok(const unsigned char *s)
{
	while (*s) {
		size_t n;
		unsigned cp;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0)
			n = 1, cp = *s & 0x1f;
		else if ((*s & 0xf0) == 0xe0)
			n = 2, cp = *s & 0x0f;
		else if ((*s & 0xf8) == 0xf0)
			n = 3, cp = *s & 0x07;
		else
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

/* "arn:PARTITION:sns:REGION:ACCOUNT:NAME": SNS only takes a topic in its region. */
static bool topic_region(const char *arn, char *region, size_t len)
{
	const char *p = arn;
	size_t l;

	for (int i = 0; i < 3; i++) {
		p = strchr(p, ':');
		if (!p)
			return false;
		p++;
	}
	l = strcspn(p, ":");
	if (!l || l >= len || !p[l] || strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-") < l)
		return false;
	memcpy(region, p, l);
	region[l] = '\0';
	return true;
}

int notify_sns_publish(struct aws_client *c, const char *topic_arn, const char *subject,
		       const char *message, char msg_id[NOTIFY_MSG_ID_LEN], char *err,
		       size_t errlen)
{
	static const struct aws_kv hdr[] = {
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
	};
	char subj[NOTIFY_SUBJECT_MAX + 1], why[ERRLEN], region[32];
	struct aws_http_resp resp;
	size_t mlen = message ? strlen(message) : 0;
	struct buf f;
	int ret;

	msg_id[0] = '\0';
	if (!topic_arn || strncmp(topic_arn, "arn:", 4) || strlen(topic_arn) > 256 ||
	    !topic_region(topic_arn, region, sizeof(region)))
		return util_err(err, errlen, "SNS Publish: \"%.80s\" is not a topic ARN",
				topic_arn ? topic_arn : "");
	if (!mlen)
		return util_err(err, errlen, "SNS Publish %s: empty message", topic_arn);
	if (mlen > NOTIFY_MESSAGE_MAX)
		return util_errc(-EFBIG, err, errlen, "SNS Publish %s: message is %zu bytes, SNS takes "
				"%d at most", topic_arn, mlen, NOTIFY_MESSAGE_MAX);
	if (!utf8_ok((const unsigned char *)message))
		return util_err(err, errlen, "SNS Publish %s: message is not valid UTF-8",
				topic_arn);
	util_strlcpy(subj, subject ? subject : "", sizeof(subj));
	notify_subject_clean(subj);
	/* Encoding can triple the size; that is the most we will send. */
	buf_init(&f, 3 * NOTIFY_MESSAGE_MAX + 4096);
	aws_http_resp_init(&resp);
	ret = aws_form_add(&f, "Action", "Publish");
	if (!ret)
		ret = aws_form_add(&f, "Version", SNS_VERSION);
	if (!ret)
		ret = aws_form_add(&f, "TopicArn", topic_arn);
	if (!ret)
		ret = aws_form_add(&f, "Subject", subj);
	if (!ret)
		ret = aws_form_add(&f, "Message", message);
	if (ret) {
		util_err(err, errlen, "SNS Publish %s: cannot build the request", topic_arn);
		goto out;
	}
	{
		struct aws_call call = {
			.svc = AWS_SVC_SNS,
			.op = "Publish",
			.what = topic_arn,
			.region = region,
			.method = "POST", .path = "/",
			.hdrs = hdr, .n_hdrs = ARRAY_SIZE(hdr),
			.body = f.p, .body_len = f.len,
			.max_body = NOTIFY_MAX_ANSWER,
		};

		ret = aws_client_call(c, &call, &resp, NULL, err, errlen);
	}
	if (ret)
		goto out;
	ret = aws_xml_first(buf_str(&resp.body), resp.body.len, "PublishResult/MessageId",
			    msg_id, NOTIFY_MSG_ID_LEN, why, sizeof(why));
	if (ret || !*msg_id) {
		util_err(err, errlen, "SNS Publish %s: no MessageId in the answer%s%s", topic_arn,
			 ret && ret != -ENOENT ? ": " : "", ret && ret != -ENOENT ? why : "");
		ret = -EBADMSG;
	}
out:
	aws_http_resp_free(&resp);
	buf_free(&f);
	return ret;
}

int notify_events_put(struct aws_client *c, const char *bus, const char *finding_json,
		      char event_id[NOTIFY_MSG_ID_LEN], char *err, size_t errlen)
{
	char *body;

	if (event_id)
		event_id[0] = '\0';
	body = notify_events_body(bus, finding_json, err, errlen);
	return body ? notify_events_send(c, bus, body, event_id, err, errlen) : -EINVAL;
}

int notify_securityhub_import(struct aws_client *c, const char *account, const char *region,
			      const char *finding_json, char *err, size_t errlen)
{
	static const struct aws_kv hdr[] = {
		{ "Content-Type", "application/json" },
	};
	struct aws_http_resp resp;
	struct buf body;
	char *asff;
	int ret;

	asff = notify_asff_build(account, region, finding_json, err, errlen);
	if (!asff)
		return -EINVAL;
	buf_init(&body, NOTIFY_FINDING_MAX + 16 * 1024);
	aws_http_resp_init(&resp);
	ret = buf_addf(&body, "{\"Findings\":[%s]}", asff);
	if (ret)
		goto out;
	{
		struct aws_call call = {
			.svc = AWS_SVC_SECURITYHUB,
			.op = "BatchImportFindings",
			.region = region && *region ? region : NULL,
			.method = "POST", .path = "/findings/import",
			.hdrs = hdr, .n_hdrs = ARRAY_SIZE(hdr),
			.body = body.p, .body_len = body.len,
			.max_body = NOTIFY_MAX_ANSWER,
		};

		ret = aws_client_call(c, &call, &resp, NULL, err, errlen);
	}
	if (ret)
		goto out;
	ret = notify_securityhub_answer(buf_str(&resp.body), resp.body.len, err, errlen);
out:
	aws_http_resp_free(&resp);
	buf_free(&body);
	free(asff);
	return ret;
}
