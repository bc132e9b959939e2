/* SPDX-License-Identifier: MIT */
/*
 * The message a release sends: which incident, where it ran, what each
 * interface went back to, what was left as it was and why, the tags and
 * the host's own lockdown. Plain text, as the incident message.
 */
#include <stdio.h>
#include <string.h>

#include "notify.h"

static int undone(struct buf *t, const struct notify_release *r)
{
	int ret = buf_adds(t, "WHAT WAS UNDONE\n");

	for (size_t i = 0; !ret && i < r->n_eni; i++) {
		const struct notify_eni *e = &r->eni[i];

		if (e->done)
			ret = buf_addf(t, "  - Network interface %s back in security groups %s "
				       "(was in %s).\n", e->id, e->new_groups,
				       *e->old_groups ? e->old_groups : "unknown");
		else
			ret = buf_addf(t, "  - FAILED to put network interface %s back in %s: %s\n",
				       e->id, e->new_groups, *e->error ? e->error : "unknown");
	}
	for (size_t i = 0; !ret && i < r->n_left; i++)
		ret = buf_addf(t, "  - Network interface %s: no original groups recorded "
			       "(no cordon:original-groups tag), left as it is.\n", r->left[i]);
	if (!ret && !r->n_eni && !r->n_left)
		ret = buf_adds(t, "  - No network interface had to be moved.\n");
	if (!ret)
		ret = buf_addf(t, "  - Instance tags: %s\n", r->tags_done ?
			       "cordon:status=released and cordon:released set, cordon:incident "
			       "removed." : "NOT changed.");
	if (!ret && r->on_host)
		ret = buf_addf(t, "  - The host's own lockdown: %s\n", r->lockdown_lifted ?
			       "lifted." : "NOT lifted.");
	else if (!ret)
		ret = buf_adds(t, "  - The host's own lockdown: cordon's agent on the instance lifts "
			       "it when it reads cordon:status=released (if the agent is stopped, "
			       "run `cordon release` on the instance).\n");
	return ret;
}

int notify_release_text(const struct notify_release *r, char subject[NOTIFY_SUBJECT_MAX + 1],
			struct buf *text, char *err, size_t errlen)
{
	const char *inc = *r->incident_id ? r->incident_id : NULL;
	char l[NOTIFY_LINK_LEN];
	int ret;

	if (inc)
		notify_subject_printf(subject, "cordon: incident %s released", inc);
	else
		notify_subject_printf(subject, "cordon: %s released",
				      *r->instance_id ? r->instance_id : "instance");
	if (inc && *r->instance_id)
		ret = buf_addf(text, "cordon released incident %s on instance %s.\n", inc,
			       r->instance_id);
	else if (inc)
		ret = buf_addf(text, "cordon released incident %s.\n", inc);
	else
		ret = buf_addf(text, "cordon released instance %s.\n", *r->instance_id ?
			       r->instance_id : "unknown");
	if (!ret && *r->region)
		ret = buf_addf(text, "Region: %s\n", r->region);
	if (!ret && notify_link_instance(l, sizeof(l), r->region, r->instance_id))
		ret = buf_addf(text, "        %s\n", l);
	if (!ret)
		ret = buf_addf(text, "Run on: %s%s\n", *r->ran_on ? r->ran_on : "unknown",
			       r->on_host ? " (the instance itself)" : "");
	if (!ret && *r->opened_at)
		ret = buf_addf(text, "Opened: %s\n", r->opened_at);
	if (!ret && *r->reason)
		ret = buf_addf(text, "Reason: %s\n", r->reason);
	if (!ret)
		ret = buf_adds(text, "\n");
	if (!ret)
		ret = undone(text, r);
	if (!ret && inc)
		ret = buf_addf(text, "\nThe evidence stays on the instance, in the state directory "
			       "under evidence/%s/.\n", inc);
	if (ret)
		util_err(err, errlen, "release message: over %zu bytes", text->max);
	return ret;
}
