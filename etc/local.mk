# SPDX-License-Identifier: ISC
# etc/: the sample configuration and the files that run hamon as a
# service: the systemd unit (generated, to carry the configured bindir and
# sysconfdir), its system user (sysusers.d), its state directory
# (tmpfiles.d) and the bash completion.
EXTRA_DIST += etc/hamon.conf etc/hamon.service.in etc/hamon.bash-completion

systemdsystemunit_DATA = etc/hamon.service
dist_sysusers_DATA = etc/sysusers.d/hamon.conf
dist_tmpfiles_DATA = etc/tmpfiles.d/hamon.conf
CLEANFILES += etc/hamon.service

etc/hamon.service: $(srcdir)/etc/hamon.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && \
	sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(srcdir)/etc/hamon.service.in >$@.tmp && mv $@.tmp $@

# The configuration is the administrator's once installed: an existing one
# (edited or not) is never replaced, and uninstall removes it only if it is
# still the sample. The completion is installed under the command's name,
# which is how bash-completion finds it.
install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(sysconfdir)/hamon'
	@if test -f '$(DESTDIR)$(sysconfdir)/hamon/hamon.conf'; then \
		echo "keeping $(DESTDIR)$(sysconfdir)/hamon/hamon.conf (the sample is $(srcdir)/etc/hamon.conf)"; \
	else \
		echo " $(INSTALL_DATA) etc/hamon.conf '$(DESTDIR)$(sysconfdir)/hamon/hamon.conf'"; \
		$(INSTALL_DATA) $(srcdir)/etc/hamon.conf '$(DESTDIR)$(sysconfdir)/hamon/hamon.conf'; \
	fi
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) $(srcdir)/etc/hamon.bash-completion '$(DESTDIR)$(bashcompletiondir)/hamon'

uninstall-local:
	@if cmp -s $(srcdir)/etc/hamon.conf '$(DESTDIR)$(sysconfdir)/hamon/hamon.conf'; then \
		echo " rm -f '$(DESTDIR)$(sysconfdir)/hamon/hamon.conf'"; \
		rm -f '$(DESTDIR)$(sysconfdir)/hamon/hamon.conf'; \
	fi
	-rmdir '$(DESTDIR)$(sysconfdir)/hamon' 2>/dev/null
	rm -f '$(DESTDIR)$(bashcompletiondir)/hamon'
