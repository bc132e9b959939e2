/* SPDX-License-Identifier: MIT */
/*
 * EC2 calls for cloud isolation. Each function describes one query-
 * protocol request (form body "Action=...&Version=2016-11-15&...", lists
 * flattened as Name.N as botocore's ec2 serializer writes them) and hands
 * it to aws_client_call, which signs, sends and retries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_xml.h"
#include "cloud.h"
#include "cloud_tags.h"

#define EC2_VERSION "2016-11-15"
#define EC2_MAX_FORM (64 * 1024)
#define EC2_MAX_ANSWER (64 * 1024)
#define EC2_MAX_TAGS 50 /* EC2's own limit per resource */

static const struct aws_kv form_hdr[] = {
	{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
};

/*
 * Send call with params (already form-encoded) behind Action and
 * Version. The answer stays in resp for the caller.
 */
static int ec2_send(struct aws_client *c, struct aws_call *call, const struct buf *params,
		    struct aws_http_resp *resp, struct aws_error *ae, char *err, size_t errlen)
{
	struct buf body;
	int ret;

	aws_http_resp_init(resp);
	buf_init(&body, EC2_MAX_FORM + 128);
	ret = aws_form_add(&body, "Action", call->op);
	if (!ret)
		ret = aws_form_add(&body, "Version", EC2_VERSION);
	if (!ret && params->len)
		ret = buf_addf(&body, "&%s", buf_str(params));
	if (ret) {
		util_err(err, errlen, "EC2 %s: request too large", call->op);
		goto out;
	}
	call->method = "POST";
	call->path = "/";
	call->hdrs = form_hdr;
	call->n_hdrs = ARRAY_SIZE(form_hdr);
	call->body = body.p;
	call->body_len = body.len;
	if (!call->max_body)
		call->max_body = EC2_MAX_ANSWER;
	ret = aws_client_call(c, call, resp, ae, err, errlen);
out:
	buf_free(&body);
	return ret;
}

/*
 * A call whose answer says nothing but that it was done.
 * Its callers: AWS_ACTION(ec2:ModifyNetworkInterfaceAttribute)
 * AWS_ACTION(ec2:CreateTags) AWS_ACTION(ec2:DeleteTags)
 * AWS_ACTION(ec2:ModifyInstanceAttribute)
 */
static int ec2_do(struct aws_client *c, const char *op, const char *what,
		  const struct buf *params, char *err, size_t errlen)
{
	struct aws_call call = { .svc = AWS_SVC_EC2, .op = op, .what = what };
	struct aws_http_resp resp;
	int ret = ec2_send(c, &call, params, &resp, NULL, err, errlen);

	aws_http_resp_free(&resp);
	return ret;
}

/* "Prefix.N" (1-based) = v. */
static int form_addn(struct buf *f, const char *prefix, size_t n, const char *suffix,
		     const char *v)
{
	char k[96];

	snprintf(k, sizeof(k), "%s.%zu%s", prefix, n, suffix);
	return aws_form_add(f, k, v);
}

static bool id_ok(const char *id)
{
	size_t l = id ? strlen(id) : 0;

	return l > 0 && l < CLOUD_ID_LEN && !strpbrk(id, " \t\r\n&=");
}

int cloud_describe_instance(struct aws_client *c, const char *instance_id,
			    struct cloud_instance *out, char *err, size_t errlen)
{
	struct aws_http_resp resp;
	struct aws_error ae;
	struct buf f;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!id_ok(instance_id))
		return util_err(err, errlen, "EC2 DescribeInstances: bad instance id");
	buf_init(&f, EC2_MAX_FORM);
	ret = form_addn(&f, "InstanceId", 1, "", instance_id);
	if (ret)
		goto out_form;
	{
		struct aws_call call = {
			.svc = AWS_SVC_EC2,
			.op = "DescribeInstances",
			.what = instance_id,
			.max_body = 1024 * 1024,
		};

		memset(&ae, 0, sizeof(ae));
		ret = ec2_send(c, &call, &f, &resp, &ae, err, errlen);
	}
	if (ret) {
		if (!strcmp(ae.code, "InvalidInstanceID.NotFound"))
			ret = -ENOENT;
		goto out;
	}
	ret = cloud_parse_instance(buf_str(&resp.body), resp.body.len, out, err, errlen);
	if (!ret && strcmp(out->id, instance_id)) {
		ret = util_err(err, errlen, "EC2 DescribeInstances %s: answer is about %s",
			       instance_id, out->id);
		memset(out, 0, sizeof(*out));
	}
out:
	aws_http_resp_free(&resp);
out_form:
	buf_free(&f);
	return ret;
}

int cloud_set_eni_groups(struct aws_client *c, const char *eni_id, const char *const groups[],
			 size_t n, char *err, size_t errlen)
{
	struct buf f;
	int ret = 0;

	if (!id_ok(eni_id))
		return util_err(err, errlen, "EC2 ModifyNetworkInterfaceAttribute: bad interface id");
	if (!n || n > CLOUD_MAX_GROUPS)
		return util_err(err, errlen, "EC2 ModifyNetworkInterfaceAttribute %s: %zu groups "
				"(1..%d allowed)", eni_id, n, CLOUD_MAX_GROUPS);
	buf_init(&f, EC2_MAX_FORM);
	ret = aws_form_add(&f, "NetworkInterfaceId", eni_id);
	for (size_t i = 0; !ret && i < n; i++) {
		if (!id_ok(groups[i])) {
			buf_free(&f);
			return util_err(err, errlen, "EC2 ModifyNetworkInterfaceAttribute %s: "
					"bad group id %zu", eni_id, i + 1);
		}
		ret = form_addn(&f, "SecurityGroupId", i + 1, "", groups[i]);
	}
	if (!ret)
		ret = ec2_do(c, "ModifyNetworkInterfaceAttribute", eni_id, &f, err, errlen);
	buf_free(&f);
	return ret;
}

/* Resource, then Tag.N.Key (and .Value when values). */
static int tag_form(struct buf *f, const char *resource_id, const struct cloud_tag *tags,
		    const char *const *keys, size_t n)
{
	int ret = form_addn(f, "ResourceId", 1, "", resource_id);

	for (size_t i = 0; !ret && i < n; i++) {
		const char *k = tags ? tags[i].key : keys[i];

		if (!k || !*k || strlen(k) > 128)
			return -EINVAL;
		ret = form_addn(f, "Tag", i + 1, ".Key", k);
		if (!ret && tags) {
			if (!tags[i].value || strlen(tags[i].value) > 256)
				return -EINVAL;
			ret = form_addn(f, "Tag", i + 1, ".Value", tags[i].value);
		}
	}
	return ret;
}

/* CreateTags of n tags (create), or DeleteTags of n keys, on one resource. */
static int tags_call(struct aws_client *c, bool create, const char *resource_id,
		     const struct cloud_tag *tags, const char *const *keys, size_t n, char *err,
		     size_t errlen)
{
	const char *op = create ? "CreateTags" : "DeleteTags";
	struct buf f;
	int ret;

	if (!id_ok(resource_id) || !n || n > EC2_MAX_TAGS)
		return util_err(err, errlen, "EC2 %s: bad resource id or %zu %s", op, n,
				create ? "tags" : "keys");
	buf_init(&f, EC2_MAX_FORM);
	ret = tag_form(&f, resource_id, tags, keys, n);
	if (ret) {
		buf_free(&f);
		return util_err(err, errlen, "EC2 %s %s: %s", op, resource_id, create ?
				"a tag key (1..128) or value (0..256) is out of bounds" :
				"a tag key is empty or over 128 characters");
	}
	ret = ec2_do(c, op, resource_id, &f, err, errlen);
	buf_free(&f);
	return ret;
}

int cloud_create_tags(struct aws_client *c, const char *resource_id,
		      const struct cloud_tag tags[], size_t n, char *err, size_t errlen)
{
	return tags_call(c, true, resource_id, tags, NULL, n, err, errlen);
}

int cloud_delete_tags(struct aws_client *c, const char *resource_id, const char *const keys[],
		      size_t n, char *err, size_t errlen)
{
	return tags_call(c, false, resource_id, NULL, keys, n, err, errlen);
}

/* ModifyInstanceAttribute takes one attribute per call. */
static int modify_attr(struct aws_client *c, const char *instance_id, const char *attr,
		       const char *value, char *err, size_t errlen)
{
	char k[96];
	struct buf f;
	int ret;

	buf_init(&f, EC2_MAX_FORM);
	snprintf(k, sizeof(k), "%s.Value", attr);
	ret = aws_form_add(&f, "InstanceId", instance_id);
	if (!ret)
		ret = aws_form_add(&f, k, value);
	if (!ret)
		ret = ec2_do(c, "ModifyInstanceAttribute", instance_id, &f, err, errlen);
	buf_free(&f);
	return ret;
}

int cloud_protect_instance(struct aws_client *c, const char *instance_id,
			   bool termination_protection, bool shutdown_stop,
			   char *err, size_t errlen)
{
	int ret;

	if (!id_ok(instance_id))
		return util_err(err, errlen, "EC2 ModifyInstanceAttribute: bad instance id");
	ret = modify_attr(c, instance_id, "DisableApiTermination",
			  termination_protection ? "true" : "false", err, errlen);
	if (!ret && shutdown_stop)
		ret = modify_attr(c, instance_id, "InstanceInitiatedShutdownBehavior", "stop",
				  err, errlen);
	return ret;
}

int cloud_snapshot_volume(struct aws_client *c, const char *volume_id, const char *description,
			  const struct cloud_tag tags[], size_t n_tags,
			  char snap_id[CLOUD_SNAP_ID_LEN], char *err, size_t errlen)
{
	struct aws_http_resp resp;
	char why[ERRLEN];
	struct buf f;
	int ret;

	snap_id[0] = '\0';
	if (!id_ok(volume_id) || n_tags > EC2_MAX_TAGS)
		return util_err(err, errlen, "EC2 CreateSnapshot: bad volume id or %zu tags", n_tags);
	if (description && strlen(description) > 255)
		return util_err(err, errlen, "EC2 CreateSnapshot %s: description over 255 "
				"characters", volume_id);
	buf_init(&f, EC2_MAX_FORM);
	ret = aws_form_add(&f, "VolumeId", volume_id);
	if (!ret && description)
		ret = aws_form_add(&f, "Description", description);
	if (!ret && n_tags)
		ret = aws_form_add(&f, "TagSpecification.1.ResourceType", "snapshot");
	for (size_t i = 0; !ret && i < n_tags; i++) {
		if (!tags[i].key || !*tags[i].key || !tags[i].value) {
			buf_free(&f);
			return util_err(err, errlen, "EC2 CreateSnapshot %s: tag %zu has no key",
					volume_id, i + 1);
		}
		ret = form_addn(&f, "TagSpecification.1.Tag", i + 1, ".Key", tags[i].key);
		if (!ret)
			ret = form_addn(&f, "TagSpecification.1.Tag", i + 1, ".Value",
					tags[i].value);
	}
	if (ret)
		goto out_form;
	{
		struct aws_call call = {
			.svc = AWS_SVC_EC2,
			.op = "CreateSnapshot",
			.what = volume_id,
		};

		ret = ec2_send(c, &call, &f, &resp, NULL, err, errlen);
	}
	if (ret)
		goto out;
	ret = aws_xml_first(buf_str(&resp.body), resp.body.len, "snapshotId", snap_id,
			    CLOUD_SNAP_ID_LEN, why, sizeof(why));
	if (ret || strlen(snap_id) < 6 || strlen(snap_id) >= CLOUD_SNAP_ID_LEN - 1 ||
	    strncmp(snap_id, "snap-", 5)) {
		util_err(err, errlen, "EC2 CreateSnapshot %s: no snapshotId in the answer%s%s",
			 volume_id, ret && ret != -ENOENT ? ": " : "",
			 ret && ret != -ENOENT ? why : "");
		snap_id[0] = '\0';
		ret = ret && ret != -ENOENT ? ret : -EBADMSG;
	}
out:
	aws_http_resp_free(&resp);
out_form:
	buf_free(&f);
	return ret;
}

/* One DescribeTags page: resource-id filter, then MaxResults and the token. */
static int tags_page(struct aws_client *c, const char *const ids[], size_t n, const char *token,
		     struct cloud_tagset *out, char next[CLOUD_NEXT_TOKEN_LEN], char *err,
		     size_t errlen)
{
	struct aws_http_resp resp;
	struct buf f;
	int ret;

	buf_init(&f, EC2_MAX_FORM);
	ret = aws_form_add(&f, "Filter.1.Name", "resource-id");
	for (size_t i = 0; !ret && i < n; i++)
		ret = form_addn(&f, "Filter.1.Value", i + 1, "", ids[i]);
	if (!ret)
		ret = aws_form_add(&f, "MaxResults", "1000");
	if (!ret && *token)
		ret = aws_form_add(&f, "NextToken", token);
	if (ret) {
		util_err(err, errlen, "EC2 DescribeTags %s: request too large", ids[0]);
		goto out_form;
	}
	{
		struct aws_call call = {
			.svc = AWS_SVC_EC2,
			.op = "DescribeTags",
			.what = ids[0],
			.max_body = 1024 * 1024,
		};

		ret = ec2_send(c, &call, &f, &resp, NULL, err, errlen);
	}
	if (!ret)
		ret = cloud_parse_tags(buf_str(&resp.body), resp.body.len, ids, n, out, next, err,
				       errlen);
	aws_http_resp_free(&resp);
out_form:
	buf_free(&f);
	return ret;
}

int cloud_describe_tags(struct aws_client *c, const char *const ids[], size_t n,
			struct cloud_tagset *out, char *err, size_t errlen)
{
	char *token = NULL, *next = NULL;
	int ret = 0, page;

	if (!n || n > CLOUD_TAGS_MAX_RESOURCES)
		return util_err(err, errlen, "EC2 DescribeTags: %zu resources (1..%d allowed)", n,
				CLOUD_TAGS_MAX_RESOURCES);
	for (size_t i = 0; i < n; i++)
		if (!id_ok(ids[i]))
			return util_err(err, errlen, "EC2 DescribeTags: bad resource id %zu", i + 1);
	memset(out, 0, n * sizeof(out[0]));
	token = calloc(1, CLOUD_NEXT_TOKEN_LEN);
	next = calloc(1, CLOUD_NEXT_TOKEN_LEN);
	if (!token || !next) {
		ret = -ENOMEM;
		goto out;
	}
	/* 17 resources of 50 tags are 850: one page of 1000 in practice. */
	for (page = 0; page < 8; page++) {
		ret = tags_page(c, ids, n, token, out, next, err, errlen);
		if (ret || !*next)
			break;
		memcpy(token, next, CLOUD_NEXT_TOKEN_LEN);
	}
	if (!ret && page == 8) {
		util_err(err, errlen, "EC2 DescribeTags %s: more than 8 pages", ids[0]);
		ret = -EFBIG;
	}
out:
	if (ret)
		memset(out, 0, n * sizeof(out[0]));
	free(token);
	free(next);
	return ret;
}

int cloud_tag_original_groups(struct aws_client *c, const char *eni_id,
			      const char *const groups[], size_t n, char *err, size_t errlen)
{
	struct cloud_orig_tags *o = calloc(1, sizeof(*o));
	struct cloud_tag tags[CLOUD_ORIG_TAGS_MAX];
	char why[ERRLEN];
	int ret;

	if (!o)
		return -ENOMEM;
	ret = cloud_tags_split_groups(groups, n, o, why, sizeof(why));
	if (ret) {
		util_err(err, errlen, "EC2 CreateTags %s: %s", eni_id, why);
		goto out;
	}
	for (size_t i = 0; i < o->n; i++)
		tags[i] = (struct cloud_tag){ o->key[i], o->value[i] };
	ret = cloud_create_tags(c, eni_id, tags, o->n, err, errlen);
out:
	free(o);
	return ret;
}

int cloud_untag_original_groups(struct aws_client *c, const char *eni_id, char *err,
				size_t errlen)
{
	const char *keys[CLOUD_ORIG_TAGS_MAX];

	cloud_tags_orig_keys(keys);
	return cloud_delete_tags(c, eni_id, keys, CLOUD_ORIG_TAGS_MAX, err, errlen);
}

/* One DescribeInstances page of a filtered listing. */
static int list_page(struct aws_client *c, const struct cloud_filter *f, size_t nf,
		     const char *token, struct cloud_brief *out, size_t max, size_t *n,
		     char next[CLOUD_NEXT_TOKEN_LEN], char *err, size_t errlen)
{
	struct aws_http_resp resp;
	struct buf form;
	int ret = 0;

	buf_init(&form, EC2_MAX_FORM);
	for (size_t i = 0; !ret && i < nf; i++) {
		char k[64];

		snprintf(k, sizeof(k), "Filter.%zu.Name", i + 1);
		ret = aws_form_add(&form, k, f[i].name);
		snprintf(k, sizeof(k), "Filter.%zu.Value.1", i + 1);
		if (!ret)
			ret = aws_form_add(&form, k, f[i].value);
	}
	if (!ret)
		ret = aws_form_add(&form, "MaxResults", "1000");
	if (!ret && *token)
		ret = aws_form_add(&form, "NextToken", token);
	if (ret) {
		util_err(err, errlen, "EC2 DescribeInstances: request too large");
		goto out_form;
	}
	{
		struct aws_call call = {
			.svc = AWS_SVC_EC2,
			.op = "DescribeInstances",
			.what = nf ? f[0].value : NULL,
			/* 1000 instances of a few KiB each. */
			.max_body = 64 * 1024 * 1024,
		};

		ret = ec2_send(c, &call, &form, &resp, NULL, err, errlen);
	}
	if (!ret)
		ret = cloud_parse_instance_list(buf_str(&resp.body), resp.body.len, out, max, n,
						next, err, errlen);
	aws_http_resp_free(&resp);
out_form:
	buf_free(&form);
	return ret;
}

int cloud_list_instances(struct aws_client *c, const struct cloud_filter *f, size_t nf,
			 size_t max, struct cloud_brief **out, size_t *n, char *err,
			 size_t errlen)
{
	char *token = calloc(2, CLOUD_NEXT_TOKEN_LEN), *next = token + CLOUD_NEXT_TOKEN_LEN;
	unsigned pages = 0;
	int ret = 0;

	*n = 0;
	*out = calloc(max ? max : 1, sizeof(**out));
	if (!token || !*out) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nf; i++)
		if (!f[i].name || !f[i].value || strlen(f[i].name) > 128 ||
		    strlen(f[i].value) > 256) {
			ret = util_err(err, errlen, "EC2 DescribeInstances: bad filter %zu", i + 1);
			goto out;
		}
	do {
		/*
		 * Filtered pages may hold fewer than 1000 (or none) and still go
		 * on; a token that never ends stops here all the same.
		 */
		if (pages++ > max / 100 + 10) {
			ret = util_err(err, errlen, "EC2 DescribeInstances: more pages than %zu "
				       "instances need", max);
			break;
		}
		ret = list_page(c, f, nf, token, *out, max, n, next, err, errlen);
		memcpy(token, next, CLOUD_NEXT_TOKEN_LEN);
	} while (!ret && *token);
out:
	free(token);
	if (ret) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}
