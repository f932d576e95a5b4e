#!/bin/bash
# SPDX-License-Identifier: ISC
# outage_icmp.t: outages of known length injected at known times while
# `hamon monitor` probes one IPv4 host; every outage must come back from
# `hamon history --kind burst` as exactly one burst of the right length.
#
# Runs: every 10 ms with outages of 30 ms, 120 ms, 700 ms and 2.5 s; every
# 1 ms with 20 ms, 250 ms and 1.2 s (plus a harness self-check first).
#
# Tolerances and why:
# - duration_ms within interval + 2 ms of the injected duration, and the
#   burst's start within interval + 2 ms of the injected start. DESIGN.md
#   promises |estimated - true| <= interval + 1 ms; the extra 1 ms is the
#   uncertainty of the injected window itself: each edge is the midpoint of
#   an nft call of ~0.1-0.4 ms (faultctl.t shows the edges right to within
#   1 ms against fping), plus wake-up jitter on a small shared machine.
# - the injected duration within [lower_ms - 2, upper_ms + 2]: hamon's
#   bounds must contain the truth; 2 ms for the injected window's own
#   uncertainty.
# - lost probes at most injected / interval rounded up + 1 (a probe sent
#   within an nft call of an edge may go either way), at least 98% of it
#   rounded down - 1: the scheduler may skip a few slots it could not keep
#   on a loaded machine rather than burst (1194 of 1200 seen at 1 ms under
#   make check -j3 on 2 cores), but it must keep probing through an outage.
# - no burst that no fault explains: on a clean veth pair nothing is lost.
# Injected duration = mid(del call) - mid(add call), from faultctl's output.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_cmd ping fping jq timeout date
need_faultctl

netns_pair outage 41
# The harness proves itself first: fping sees the loss where faultctl says.
harness_ping_check "harness fping 10ms" 4 10 200

hamon_ready || tap_done
outage_run "icmp4 10ms" 4 10 30 120 700 2500
outage_run "icmp4 1ms" 4 1 20 250 1200
tap_done
