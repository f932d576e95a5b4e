/* SPDX-License-Identifier: ISC */
/*
 * ha_journal.c: pve-ha-crm and pve-ha-lrm journal lines (section 3 of
 * tests/fixtures/pve/FORMATS.md).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv/hv_int.h"

/* ---- HA journal (section 3 of FORMATS.md) ---------------------------------- */

/* Append an HA event, counting those that do not fit. */
static void
hvparse_add_ha(struct hv_figures *f, const struct hv_ha_event *ev)
{
	if (f->nha == HVPARSE_HA_MAX) {
		f->ha_dropped++;
		return;
	}
	f->ha[f->nha++] = *ev;
}

/* Find "node = X" in the "(k = v, k = v)" tail of a service change. */
static void
hvparse_ha_node(struct hv_cur c, char *dst, size_t n)
{
	while (c.p < c.end) {
		if (hvparse_lit(&c, "node = ")) {
			const char *q = c.p;

			while (q < c.end && *q != ',')
				q++;
			c.end = q;
			hvparse_copy_rest(dst, n, &c);
			return;
		}
		while (c.p < c.end && *c.p != ',')
			c.p++;
		if (!hvparse_lit(&c, ", "))
			return;
	}
}

/* One pve-ha-crm / pve-ha-lrm message. */
void
hvparse_ha_msg(struct hv_figures *f, struct hv_cur c, struct hv_ha_event *ev)
{
	struct hv_cur t;
	int64_t v;

	/* NodeStatus.pm:131 "node '<n>': state changed from '<old>' => '<new>'" */
	t = c;
	if (hvparse_lit(&t, "node ") && hvparse_quoted(&t, ev->subject, sizeof(ev->subject)) &&
	    hvparse_lit(&t, ": state changed from ")) {
		ev->kind = HV_HA_NODE_STATE;
		if (hvparse_quoted(&t, ev->from, sizeof(ev->from)) && hvparse_lit(&t, " => ") &&
		    hvparse_quoted(&t, ev->to, sizeof(ev->to)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
	/* Manager.pm:505-522 "service '<sid>': state changed from '<old>' to '<new>'"
	 * plus an optional "  (k = v, k = v)" after two spaces. */
	t = c;
	if (hvparse_lit(&t, "service ") && hvparse_quoted(&t, ev->subject, sizeof(ev->subject)) &&
	    hvparse_lit(&t, ": state changed from ")) {
		ev->kind = HV_HA_SERVICE_STATE;
		if (!hvparse_quoted(&t, ev->from, sizeof(ev->from)) || !hvparse_lit(&t, " to ") ||
		    !hvparse_quoted(&t, ev->to, sizeof(ev->to)))
			return;
		if (!hvparse_at_end(&t)) {
			if (!hvparse_lit(&t, "  (") || !hvparse_cut_suffix(&t, ")"))
				return;
			hvparse_ha_node(t, ev->node, sizeof(ev->node));
		}
		hvparse_add_ha(f, ev);
		return;
	}
	/* NodeStatus.pm:270 "fencing: acknowledged - got agent lock for node '<n>'" */
	t = c;
	if (hvparse_lit(&t, "fencing: acknowledged - got agent lock for node ")) {
		ev->kind = HV_HA_FENCE_ACK;
		if (hvparse_quoted(&t, ev->subject, sizeof(ev->subject)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
	/* Manager.pm:1632 "recover service '<sid>' from fenced node '<a>' to node '<b>'" */
	t = c;
	if (hvparse_lit(&t, "recover service ")) {
		ev->kind = HV_HA_RECOVER;
		if (hvparse_quoted(&t, ev->subject, sizeof(ev->subject)) &&
		    hvparse_lit(&t, " from fenced node ") &&
		    hvparse_quoted(&t, ev->from, sizeof(ev->from)) &&
		    hvparse_lit(&t, " to node ") && hvparse_quoted(&t, ev->to, sizeof(ev->to)) &&
		    hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
	/* Manager.pm:1651 "recovering service '<sid>' from fenced node '<a>' failed,
	 * no recovery node found" */
	t = c;
	if (hvparse_lit(&t, "recovering service ")) {
		ev->kind = HV_HA_RECOVER_FAILED;
		if (hvparse_quoted(&t, ev->subject, sizeof(ev->subject)) &&
		    hvparse_lit(&t, " from fenced node ") &&
		    hvparse_quoted(&t, ev->from, sizeof(ev->from)) &&
		    hvparse_rest_is(&t, " failed, no recovery node found"))
			hvparse_add_ha(f, ev);
		return;
	}
	/* LRM.pm:956 "starting service <sid>" */
	t = c;
	if (hvparse_lit(&t, "starting service ")) {
		ev->kind = HV_HA_STARTING;
		if (hvparse_word(&t, ev->subject, sizeof(ev->subject)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
	/* LRM.pm:963 "service status <sid> started" */
	t = c;
	if (hvparse_lit(&t, "service status ")) {
		ev->kind = HV_HA_STARTED;
		if (hvparse_word(&t, ev->subject, sizeof(ev->subject)) &&
		    hvparse_rest_is(&t, " started"))
			hvparse_add_ha(f, ev);
		return;
	}
	/* LRM.pm:966 "unable to start service <sid>" */
	t = c;
	if (hvparse_lit(&t, "unable to start service ")) {
		ev->kind = HV_HA_START_FAILED;
		if (hvparse_word(&t, ev->subject, sizeof(ev->subject)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
	/* QemuServer.pm:5887 "VM <vmid> started with PID <pid> using <package>." */
	t = c;
	if (hvparse_lit(&t, "VM ")) {
		ev->kind = HV_HA_VM_STARTED;
		if (hvparse_word(&t, ev->subject, sizeof(ev->subject)) &&
		    hvparse_lit(&t, " started with PID ") && hvparse_uint(&t, 10, &v) &&
		    hvparse_lit(&t, " using ") && hvparse_cut_suffix(&t, ".") &&
		    hvparse_word(&t, ev->to, sizeof(ev->to)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
}

/*
 * A journal line "Mon DD HH:MM:SS host ident[PID]: msg" (journalctl short
 * format of PVE::HA::Env::PVE2::log, PVE2.pm:274-280). Only the HA daemons'
 * idents count: the same words from another program are not HA events.
 */
int
hvparse_journal_line(struct hv_figures *f, struct hv_cur c)
{
	struct hv_ha_event ev;
	int64_t pid;

	memset(&ev, 0, sizeof(ev));
	if (!hvparse_stamp_syslog(&c, &ev.when) || !hvparse_word(&c, ev.host, sizeof(ev.host)) ||
	    !hvparse_lit(&c, " "))
		return 0;
	if (!hvparse_lit(&c, "pve-ha-crm[") && !hvparse_lit(&c, "pve-ha-lrm["))
		return 1;
	if (hvparse_uint(&c, 10, &pid) && hvparse_lit(&c, "]: "))
		hvparse_ha_msg(f, c, &ev);
	return 1;
}
