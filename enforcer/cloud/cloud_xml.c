/* SPDX-License-Identifier: MIT */
/*
 * DescribeInstances answer -> struct cloud_instance, over expat. The
 * answer nests lists inside lists (instances > interfaces > groups), which
 * aws_xml_each's one-path-at-a-time view cannot keep apart, so this walks
 * the document once with a path of the open elements:
 *
 *   DescribeInstancesResponse/reservationSet/item/instancesSet/item/
 *     instanceId vpcId subnetId instanceState/name
 *     blockDeviceMapping/item/ebs/volumeId
 *     networkInterfaceSet/item/
 *       networkInterfaceId privateIpAddress
 *       attachment/attachmentId attachment/deviceIndex
 *       groupSet/item/groupId
 *
 * Hostile input: common/xmlsafe.c (no DTD, capped depth and size); names
 * and texts capped here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"
#include "xmlsafe.h"

#define P_INST "reservationSet/item/instancesSet/item"
#define P_ENI P_INST "/networkInterfaceSet/item"

struct cx {
	struct xmlsafe_walk w; /* first: xmlsafe_walk() finds it */
	struct cloud_instance *out;
	struct xmlsafe_path px;
	size_t n_inst;
	bool in_eni;              /* eni[n_eni - 1] is being filled */
};

static bool at(const struct cx *x, const char *p)
{
	return xmlsafe_path_at(&x->px, p);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	struct cx *x = ud;

	(void)attr;
	if (xmlsafe_path_push(&x->px, &x->w, name))
		return;
	if (at(x, P_INST)) {
		if (++x->n_inst > 1)
			return xmlsafe_stop(&x->w, -EINVAL, "more than one instance in the answer");
	} else if (at(x, P_ENI)) {
		struct cloud_instance *o = x->out;

		if (x->n_inst != 1)
			return;
		if (o->n_eni == CLOUD_MAX_ENIS)
			return xmlsafe_stop(&x->w, -EFBIG, "more than %d network interfaces", CLOUD_MAX_ENIS);
		o->eni[o->n_eni].device_index = -1;
		o->n_eni++;
		x->in_eni = true;
	}
}

/* Ids and addresses only: anything else in them is a broken answer. */
static bool token_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("-._:", *s)))
			return false;
	return true;
}

static int take(struct cx *x, char *dst, size_t dstlen, const char *field)
{
	if (x->px.text_long || x->px.text_len >= dstlen) {
		xmlsafe_stop(&x->w, -EFBIG, "%s too long", field);
		return -EFBIG;
	}
	if (!token_ok(x->px.text)) {
		xmlsafe_stop(&x->w, -EINVAL, "%s holds unexpected characters", field);
		return -EINVAL;
	}
	memcpy(dst, x->px.text, x->px.text_len + 1);
	return 0;
}

static void on_eni_end(struct cx *x, struct cloud_eni *e)
{
	const char *rel = x->px.path + strlen(P_ENI);
	char idx[16];
	uint64_t v;

	if (!strcmp(rel, "/networkInterfaceId")) {
		take(x, e->id, sizeof(e->id), "networkInterfaceId");
	} else if (!strcmp(rel, "/privateIpAddress")) {
		take(x, e->private_ip, sizeof(e->private_ip), "privateIpAddress");
	} else if (!strcmp(rel, "/attachment/attachmentId")) {
		take(x, e->attachment_id, sizeof(e->attachment_id), "attachmentId");
	} else if (!strcmp(rel, "/attachment/deviceIndex")) {
		if (take(x, idx, sizeof(idx), "deviceIndex"))
			return;
		if (util_parse_u64(idx, 0, 255, &v))
			return xmlsafe_stop(&x->w, -EINVAL, "deviceIndex '%.16s' is not 0..255", idx);
		e->device_index = (int)v;
	} else if (!strcmp(rel, "/groupSet/item/groupId")) {
		if (e->n_groups == CLOUD_MAX_GROUPS)
			return xmlsafe_stop(&x->w, -EFBIG, "more than %d groups on one interface", CLOUD_MAX_GROUPS);
		if (!take(x, e->groups[e->n_groups], CLOUD_ID_LEN, "groupId"))
			e->n_groups++;
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct cx *x = ud;
	struct cloud_instance *o = x->out;

	(void)name;
	if (x->w.ret || !x->px.depth)
		return;
	if (x->n_inst == 1 && !strncmp(x->px.path, P_INST "/", sizeof(P_INST))) {
		if (x->in_eni && !strncmp(x->px.path, P_ENI "/", sizeof(P_ENI)))
			on_eni_end(x, &o->eni[o->n_eni - 1]);
		else if (at(x, P_ENI))
			x->in_eni = false;
		else if (at(x, P_INST "/instanceId"))
			take(x, o->id, sizeof(o->id), "instanceId");
		else if (at(x, P_INST "/vpcId"))
			take(x, o->vpc_id, sizeof(o->vpc_id), "vpcId");
		else if (at(x, P_INST "/subnetId"))
			take(x, o->subnet_id, sizeof(o->subnet_id), "subnetId");
		else if (at(x, P_INST "/instanceState/name"))
			take(x, o->state, sizeof(o->state), "instanceState/name");
		else if (at(x, P_INST "/blockDeviceMapping/item/ebs/volumeId")) {
			if (o->n_volumes == CLOUD_MAX_VOLUMES)
				return xmlsafe_stop(&x->w, -EFBIG, "more than %d volumes", CLOUD_MAX_VOLUMES);
			if (!take(x, o->volumes[o->n_volumes], CLOUD_ID_LEN, "volumeId"))
				o->n_volumes++;
		}
	}
	xmlsafe_path_pop(&x->px);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	xmlsafe_path_text(&((struct cx *)ud)->px, s, len);
}

/* Primary interface first, then by device index; unattached ones last. */
static void sort_enis(struct cloud_instance *o)
{
	for (size_t i = 1; i < o->n_eni; i++) {
		struct cloud_eni tmp = o->eni[i];
		unsigned key = (unsigned)tmp.device_index; /* -1 sorts last */
		size_t j = i;

		while (j > 0 && (unsigned)o->eni[j - 1].device_index > key) {
			o->eni[j] = o->eni[j - 1];
			j--;
		}
		o->eni[j] = tmp;
	}
}

static int check_result(struct cloud_instance *o, char *err, size_t errlen)
{
	if (!*o->id)
		return util_err(err, errlen, "DescribeInstances: instance without instanceId");
	for (size_t i = 0; i < o->n_eni; i++) {
		if (!*o->eni[i].id)
			return util_err(err, errlen, "DescribeInstances %s: network interface %zu "
					"without networkInterfaceId", o->id, i + 1);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(o->eni[i].id, o->eni[j].id))
				return util_err(err, errlen, "DescribeInstances %s: network "
						"interface %s listed twice", o->id, o->eni[i].id);
	}
	sort_enis(o);
	return 0;
}

int cloud_parse_instance(const char *xml, size_t len, struct cloud_instance *out,
			 char *err, size_t errlen)
{
	struct xmlsafe_opts xo = {
		.max_depth = XMLSAFE_DEPTH_MAX,
		.start = on_start, .end = on_end, .text = on_text,
	};
	struct cx *x;
	int ret;

	memset(out, 0, sizeof(*out));
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->out = out;
	xo.ud = x;
	ret = xmlsafe_walk(&xo, "DescribeInstances", xml, len, err, errlen);
	if (!ret && !x->n_inst)
		ret = util_errc(-ENOENT, err, errlen, "DescribeInstances: no instance in the answer");
	else if (!ret)
		ret = check_result(out, err, errlen);
	free(x);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}
