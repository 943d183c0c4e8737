# xfrm backend tests: message construction (no kernel), and the host
# kernel's XFRM netlink in a private network namespace (root; else skip).
check_PROGRAMS += tests/unit/datapath/test_xfrm_msg tests/unit/datapath/test_xfrm_kernel
TESTS += tests/unit/datapath/test_xfrm_msg tests/unit/datapath/test_xfrm_kernel
tests_unit_datapath_test_xfrm_msg_SOURCES = tests/unit/datapath/test_xfrm_msg.c
tests_unit_datapath_test_xfrm_msg_CFLAGS = $(UT_CFLAGS) $(LIBNL_CFLAGS)
tests_unit_datapath_test_xfrm_msg_LDADD = $(UT_LDADD) gateway/datapath/libpaldatapath.a \
	gateway/util/libpalutil.a $(DATAPATH_LIBS)
tests_unit_datapath_test_xfrm_kernel_SOURCES = tests/unit/datapath/test_xfrm_kernel.c
tests_unit_datapath_test_xfrm_kernel_CFLAGS = $(UT_CFLAGS) $(LIBNL_CFLAGS)
tests_unit_datapath_test_xfrm_kernel_LDADD = $(UT_LDADD) gateway/datapath/libpaldatapath.a \
	gateway/util/libpalutil.a $(DATAPATH_LIBS)
# the userspace backend's TUN routes, same conditions
check_PROGRAMS += tests/unit/datapath/test_tun_kernel
TESTS += tests/unit/datapath/test_tun_kernel
tests_unit_datapath_test_tun_kernel_SOURCES = tests/unit/datapath/test_tun_kernel.c
tests_unit_datapath_test_tun_kernel_CFLAGS = $(UT_CFLAGS) $(LIBNL_CFLAGS) $(LIBNL_ROUTE_CFLAGS)
tests_unit_datapath_test_tun_kernel_LDADD = $(UT_LDADD) gateway/datapath/libpaldatapath.a \
	gateway/util/libpalutil.a $(DATAPATH_LIBS)
