# palisade-mgmtd: the REST API (api/openapi.yaml) on libmicrohttpd and jansson.
# libpalmgmtd.a holds everything but main() so the fuzz target and the unit
# tests link the same parsers.
noinst_LIBRARIES += mgmtd/libpalmgmtd.a
mgmtd_libpalmgmtd_a_SOURCES = \
	mgmtd/mgmtd.h mgmtd/store.h mgmtd/gw.h mgmtd/authdb.h mgmtd/authdb_int.h mgmtd/x509.h \
	mgmtd/store.c mgmtd/check.c mgmtd/gw.c mgmtd/tokens.c mgmtd/sessions.c mgmtd/x509.c \
	mgmtd/http.c mgmtd/router.c mgmtd/reply.c mgmtd/req.c mgmtd/apply.c mgmtd/merge.c \
	mgmtd/uses.c mgmtd/listfile.c mgmtd/rates.c mgmtd/live.c mgmtd/audit.c mgmtd/static.c mgmtd/daemon.c \
	mgmtd/pemobj.c \
	mgmtd/h_conns.c mgmtd/h_cas.c mgmtd/h_certs.c mgmtd/h_eap.c mgmtd/h_pools.c \
	mgmtd/h_sas.c mgmtd/h_stats.c mgmtd/h_events.c mgmtd/h_session.c
mgmtd_libpalmgmtd_a_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)

MGMTD_LIBS = mgmtd/libpalmgmtd.a api/model/libpalmodel.a gateway/crypto/libpalcrypto.a \
	gateway/util/libpalutil.a $(MHD_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS)

sbin_PROGRAMS += mgmtd/palisade-mgmtd
mgmtd_palisade_mgmtd_SOURCES = mgmtd/main.c
mgmtd_palisade_mgmtd_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)
mgmtd_palisade_mgmtd_LDADD = $(MGMTD_LIBS)
