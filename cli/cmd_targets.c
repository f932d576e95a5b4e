/* SPDX-License-Identifier: ISC */
/*
 * cmd_targets.c: `hamon targets --from-pve FILE|-`: the guests of a
 * Proxmox cluster (`pvesh get /cluster/resources --type vm --output-format
 * json`) as hamon.conf target sections. A guest's address comes from an
 * "ip-addresses" array in its object, in the QEMU guest agent's
 * network-get-interfaces form ([{"ip-address": A, "ip-address-type":
 * "ipv4"|"ipv6"}]; merged in by the caller, pvesh does not give it); the
 * first IPv4 address that is not loopback or link-local wins. Guests
 * without one are written commented out. The config has no label keys, so
 * vmid and node are comments above each section.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cmd.h"
#include "lib/log.h"

/* A section name from a guest name: letters, digits and . _ : - only. */
static void
targets_name(const char *in, long vmid, char *out, size_t n)
{
	size_t o = 0;

	for (; in != NULL && *in != '\0' && o + 1 < n && o < 63; in++)
		if ((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') ||
		    (*in >= '0' && *in <= '9') || strchr("._:-", *in) != NULL)
			out[o++] = *in;
	out[o] = '\0';
	if (o == 0)
		snprintf(out, n, "vm%ld", vmid);
}

/* The first usable IPv4 address of an agent interface list, or NULL. */
static const char *
targets_addr(const json_t *ips)
{
	const json_t *a;
	const char *s, *ty;
	size_t i;

	json_array_foreach(ips, i, a)
	{
		s = json_string_value(json_object_get(a, "ip-address"));
		ty = json_string_value(json_object_get(a, "ip-address-type"));
		if (s == NULL || ty == NULL || strcmp(ty, "ipv4") != 0 || strlen(s) > 15 ||
		    strspn(s, "0123456789.") != strlen(s) || strncmp(s, "127.", 4) == 0 ||
		    strncmp(s, "169.254.", 8) == 0)
			continue;
		return s;
	}
	return NULL;
}

/* `hamon targets --from-pve FILE|-`. */
int
cmd_targets(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from-pve", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *node, *type, *name, *addr;
	json_error_t jerr;
	json_t *root, *g;
	char sect[64], esc[256];
	size_t i, k;
	long vmid;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			from = optarg;
			break;
		case 'h':
			puts("usage: hamon targets --from-pve FILE|-");
			return 0;
		case ':':
			usage_error("targets: option %s needs a value", argv[optind - 1]);
		default:
			usage_error("targets: unknown option %s", argv[optind - 1]);
		}
	}
	if (from == NULL || optind != argc)
		usage_error("usage: hamon targets --from-pve FILE|-");
	log_escape(esc, sizeof(esc), from, strlen(from));
	if (strcmp(from, "-") == 0)
		root = json_loadf(stdin, 0, &jerr);
	else {
		FILE *fp = fopen(from, "rb");

		if (fp == NULL)
			usage_error("targets: %s: %s", esc, strerror(errno));
		root = json_loadf(fp, 0, &jerr);
		fclose(fp);
	}
	if (root == NULL)
		usage_error("targets: %s:%d: not JSON: %s", esc, jerr.line, jerr.text);
	if (!json_is_array(root))
		usage_error("targets: %s: not a pvesh /cluster/resources list (a JSON array)", esc);
	json_array_foreach(root, i, g)
	{
		json_t *v = json_object_get(g, "vmid");

		type = json_string_value(json_object_get(g, "type"));
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 999999999 || type == NULL ||
		    (strcmp(type, "qemu") != 0 && strcmp(type, "lxc") != 0))
			usage_error("targets: %s: entry %zu is not a guest (needs vmid and type "
				    "qemu or lxc)",
				    esc, i + 1);
	}
	printf("# hamon targets from %s: vmid and node as comments (hamon.conf has no label "
	       "keys)\n",
	       strcmp(from, "-") == 0 ? "stdin" : esc);
	json_array_foreach(root, i, g)
	{
		vmid = (long)json_integer_value(json_object_get(g, "vmid"));
		type = json_string_value(json_object_get(g, "type"));
		node = json_string_value(json_object_get(g, "node"));
		name = json_string_value(json_object_get(g, "name"));
		targets_name(name, vmid, sect, sizeof(sect));
		/* Section names must be unique: a name an earlier guest had gets its vmid. */
		for (k = 0; k < i; k++) {
			const json_t *e = json_array_get(root, k);
			char other[64];

			targets_name(json_string_value(json_object_get(e, "name")),
				     (long)json_integer_value(json_object_get(e, "vmid")), other,
				     sizeof(other));
			if (strcmp(other, sect) == 0) {
				sect[50] = '\0';
				snprintf(sect + strlen(sect), sizeof(sect) - strlen(sect), "-%ld",
					 vmid);
				break;
			}
		}
		addr = targets_addr(json_object_get(g, "ip-addresses"));
		log_escape(esc, sizeof(esc), node ? node : "", node ? strlen(node) : 0);
		printf("\n# vmid %ld (%s) on node %s\n", vmid, type, esc);
		if (addr != NULL)
			printf("[%s]\ntarget = icmp://%s\n", sect, addr);
		else
			printf("# no guest-agent address given\n#[%s]\n#target = icmp://ADDRESS\n",
			       sect);
	}
	json_decref(root);
	return 0;
}
