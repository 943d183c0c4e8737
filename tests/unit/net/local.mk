# gateway/net: the receiver's dispatch and its socket overflow count
check_PROGRAMS += tests/unit/net/test_net
TESTS += tests/unit/net/test_net
tests_unit_net_test_net_SOURCES = tests/unit/net/test_net.c
tests_unit_net_test_net_CFLAGS = $(UT_CFLAGS)
tests_unit_net_test_net_LDADD = $(UT_LDADD) gateway/net/libpalnet.a gateway/util/libpalutil.a \
	$(LIBNL_ROUTE_LIBS) $(LIBNL_LIBS) $(OPENSSL_LIBS) -lpthread
