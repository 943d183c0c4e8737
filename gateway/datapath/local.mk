# Data path (gateway/datapath): one interface (datapath.h), two backends.
noinst_LIBRARIES += gateway/datapath/libpaldatapath.a
gateway_datapath_libpaldatapath_a_SOURCES = \
	gateway/datapath/datapath.h gateway/datapath/backend.h
gateway_datapath_libpaldatapath_a_CFLAGS = $(AM_CFLAGS) $(LIBNL_CFLAGS) $(OPENSSL_CFLAGS)
# What a program linking libpaldatapath.a adds to its LDADD.
DATAPATH_LIBS = $(LIBNL_LIBS) $(OPENSSL_LIBS)

include $(srcdir)/gateway/datapath/xfrm.mk
