#!/bin/bash
# SPDX-License-Identifier: ISC
# ipv6.t: the outage measurement over IPv6: one 200 ms outage (icmpv6 echo
# requests from the monitor dropped in the host) while `hamon monitor`
# probes icmp://[2001:db8:44::2] every 10 ms; exactly one burst must come back.
#
# Tolerances (as in outage_icmp.t, and why): duration_ms and start within
# interval + 2 ms of the injected ones (DESIGN.md's interval + 1 ms, plus
# 1 ms for the injected window's own uncertainty: half an nft call per edge,
# ~0.1-0.2 ms, checked by faultctl.t); injected duration within
# [lower_ms - 2, upper_ms + 2]; lost in [98% of 200 / 10 - 1, 200 / 10 + 1]
# (a probe within an nft call of an edge may go either way, a loaded
# scheduler may skip a slot); no burst that no fault explains.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_cmd ping fping jq timeout date
need_faultctl

netns_pair ipv6 44
harness_ping_check "harness fping6 10ms" 6 10 200

hamon_ready || tap_done
outage_run "icmp6 10ms" 6 10 200
tap_done
