# Installation: the systemd units, sysusers.d and tmpfiles.d snippets, the
# dashboard (web/ to $(pkgdatadir)/web), the example configuration (to
# $(docdir)/examples) and the README. The unit directories come from
# pkg-config systemd (configure --with-systemdsystemunitdir=DIR,
# --with-sysusersdir=DIR, --with-tmpfilesdir=DIR to move them).

# @dir@ of the .in files, filled in at make time (the installation
# directories are make variables: prefix may change at `make install`)
pal_subst = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@docdir[@]|$(docdir)|g' -e 's|@pkgdatadir[@]|$(pkgdatadir)|g'

systemdsystemunit_DATA = systemd/palisade-gatewayd.service systemd/palisade-mgmtd.service
sysusers_DATA = systemd/palisade.conf
tmpfiles_DATA = systemd/palisade-tmpfiles/palisade.conf
CLEANFILES += $(systemdsystemunit_DATA) $(sysusers_DATA) $(tmpfiles_DATA)
EXTRA_DIST += systemd/palisade-gatewayd.service.in systemd/palisade-mgmtd.service.in \
	systemd/palisade.sysusers.conf systemd/palisade.tmpfiles.conf.in

systemd/palisade-gatewayd.service: $(srcdir)/systemd/palisade-gatewayd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(pal_subst) $(srcdir)/systemd/palisade-gatewayd.service.in >$@
systemd/palisade-mgmtd.service: $(srcdir)/systemd/palisade-mgmtd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(pal_subst) $(srcdir)/systemd/palisade-mgmtd.service.in >$@
# sysusers.d and tmpfiles.d want the package's name: both are palisade.conf
systemd/palisade.conf: $(srcdir)/systemd/palisade.sysusers.conf
	$(AM_V_GEN)$(MKDIR_P) systemd && cp $(srcdir)/systemd/palisade.sysusers.conf $@
systemd/palisade-tmpfiles/palisade.conf: $(srcdir)/systemd/palisade.tmpfiles.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd/palisade-tmpfiles && \
		$(pal_subst) $(srcdir)/systemd/palisade.tmpfiles.conf.in >$@

dist_doc_DATA = README.md

# the example configuration (examples/README.md documents it)
examplesdir = $(docdir)/examples
dist_examples_DATA = examples/README.md examples/gateway.json examples/pools.json \
	examples/eap-users.json
examplesconnsdir = $(docdir)/examples/conns
dist_examplesconns_DATA = examples/conns/rw.json examples/conns/site.json
TESTS += tests/examples.sh
EXTRA_DIST += tests/examples.sh

# the dashboard: web/local.mk installs it to $(datadir)/palisade/web

# distcheck installs under its own prefix, as a user: the unit directories
# follow the prefix there
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$${prefix}/lib/systemd/system' \
	--with-sysusersdir='$${prefix}/lib/sysusers.d' \
	--with-tmpfilesdir='$${prefix}/lib/tmpfiles.d'

# `make check-systemd`: the units as installed (into a scratch prefix) pass
# systemd-analyze verify; their exposure scores (systemd-analyze security)
# are printed and held to at most 4.0 (gateway) and 2.0 (mgmtd)
EXTRA_DIST += tests/systemd/check_units.sh tests/systemd/notify.py tests/systemd/privsep.sh
.PHONY: check-systemd
check-systemd: all
	sbindir='$(sbindir)' sysconfdir='$(sysconfdir)' pkgdatadir='$(pkgdatadir)' \
	unitdir='$(systemdsystemunitdir)' sysusersdir='$(sysusersdir)' \
	tmpfilesdir='$(tmpfilesdir)' $(srcdir)/tests/systemd/check_units.sh $(abs_top_builddir)
