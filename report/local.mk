# SPDX-License-Identifier: ISC
noinst_LIBRARIES += report/libreport.a
report_libreport_a_SOURCES = report/report.h report/history.c report/avail.c report/build.c
