# SPDX-License-Identifier: ISC
dist_man_MANS += man/hamon.1 man/hamon.conf.5
