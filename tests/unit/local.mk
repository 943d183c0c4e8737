# CUnit test programs: one per module, each linking that module and below.
noinst_LIBRARIES += tests/unit/libruntest.a
tests_unit_libruntest_a_SOURCES = tests/unit/runner.c tests/unit/runner.h
tests_unit_libruntest_a_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)

UT_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests/unit
UT_LDADD = tests/unit/libruntest.a $(CUNIT_LIBS)

check_PROGRAMS += tests/unit/util/test_util
TESTS += tests/unit/util/test_util
tests_unit_util_test_util_SOURCES = tests/unit/util/test_util.c
tests_unit_util_test_util_CFLAGS = $(UT_CFLAGS)
tests_unit_util_test_util_LDADD = $(UT_LDADD) gateway/util/libpalutil.a $(OPENSSL_LIBS)

include $(srcdir)/tests/unit/ike/local.mk
include $(srcdir)/tests/unit/crypto/local.mk
include $(srcdir)/tests/unit/datapath/local.mk
include $(srcdir)/tests/unit/datapath/xfrm.mk

check_PROGRAMS += tests/unit/model/test_model
TESTS += tests/unit/model/test_model
tests_unit_model_test_model_SOURCES = tests/unit/model/test_model.c
tests_unit_model_test_model_CFLAGS = $(UT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_model_test_model_LDADD = $(UT_LDADD) api/model/libpalmodel.a gateway/util/libpalutil.a \
	$(JANSSON_LIBS) $(OPENSSL_LIBS)

check_PROGRAMS += tests/unit/pool/test_pool
TESTS += tests/unit/pool/test_pool
tests_unit_pool_test_pool_SOURCES = tests/unit/pool/test_pool.c
tests_unit_pool_test_pool_CFLAGS = $(UT_CFLAGS)
tests_unit_pool_test_pool_LDADD = $(UT_LDADD) gateway/pool/libpalpool.a gateway/util/libpalutil.a \
	$(OPENSSL_LIBS)

include $(srcdir)/tests/unit/vectors/local.mk
include $(srcdir)/tests/unit/net/local.mk

# api/model connections (conns/NAME.json) and traffic selectors
check_PROGRAMS += tests/unit/model/test_conn
TESTS += tests/unit/model/test_conn
tests_unit_model_test_conn_SOURCES = tests/unit/model/test_conn.c tests/unit/model/test_conn_bad.c \
	tests/unit/model/test_ts.c tests/unit/model/test_preset.c tests/unit/model/test_conn.h \
	tests/unit/model/conn_rt.c tests/unit/model/conn_rt.h
tests_unit_model_test_conn_CFLAGS = $(UT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_model_test_conn_LDADD = $(UT_LDADD) api/model/libpalmodel.a \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a $(JANSSON_LIBS) $(OPENSSL_LIBS)

# sa/: the pure parts of the engine (selection, selectors, NAT-D, cookies, table)
check_PROGRAMS += tests/unit/sa/test_sa
TESTS += tests/unit/sa/test_sa
tests_unit_sa_test_sa_SOURCES = tests/unit/sa/test_sa.c
tests_unit_sa_test_sa_CFLAGS = $(UT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_sa_test_sa_LDADD = $(UT_LDADD) $(SA_LIBS)

# sa/: the pure parts of rekeying (nonce rule, jitter, task queue)
check_PROGRAMS += tests/unit/sa/test_rekey
TESTS += tests/unit/sa/test_rekey
tests_unit_sa_test_rekey_SOURCES = tests/unit/sa/test_rekey.c
tests_unit_sa_test_rekey_CFLAGS = $(UT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_sa_test_rekey_LDADD = $(UT_LDADD) $(SA_LIBS)

include $(srcdir)/tests/unit/auth/local.mk
include $(srcdir)/tests/unit/sa/compat.mk

include $(srcdir)/tests/unit/control/local.mk
include $(srcdir)/tests/unit/eap/local.mk

# api/model remote-access documents: eap-users.json and pools.json
check_PROGRAMS += tests/unit/model/test_remote
TESTS += tests/unit/model/test_remote
tests_unit_model_test_remote_SOURCES = tests/unit/model/test_remote.c
tests_unit_model_test_remote_CFLAGS = $(UT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_model_test_remote_LDADD = $(UT_LDADD) api/model/libpalmodel.a \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a $(JANSSON_LIBS) $(OPENSSL_LIBS)

# gateway/vip: virtual-IP leases
check_PROGRAMS += tests/unit/vip/test_vip
TESTS += tests/unit/vip/test_vip
tests_unit_vip_test_vip_SOURCES = tests/unit/vip/test_vip.c
tests_unit_vip_test_vip_CFLAGS = $(UT_CFLAGS)
tests_unit_vip_test_vip_LDADD = $(UT_LDADD) gateway/vip/libpalvip.a api/model/libpalmodel.a \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a $(JANSSON_LIBS) $(OPENSSL_LIBS)

include $(srcdir)/tests/unit/pkcs11/local.mk

# mgmtd/: merge patch, routing, the store, tokens and sessions, PEM checks
check_PROGRAMS += tests/unit/mgmtd/test_mgmtd
TESTS += tests/unit/mgmtd/test_mgmtd
tests_unit_mgmtd_test_mgmtd_SOURCES = tests/unit/mgmtd/test_mgmtd.c
tests_unit_mgmtd_test_mgmtd_CFLAGS = $(UT_CFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_mgmtd_test_mgmtd_LDADD = $(UT_LDADD) $(MGMTD_LIBS)
