# api/model: config objects <-> JSON, shared by gatewayd, mgmtd and palisadectl.
# The connection files (conn*.c, ts.c) use crypto/'s proposal parser and
# eap_users.c its struct secret: link
# gateway/crypto/libpalcrypto.a after this library.
noinst_LIBRARIES += api/model/libpalmodel.a
api_model_libpalmodel_a_SOURCES = \
	api/model/model.h \
	api/model/json_util.c api/model/json_util.h \
	api/model/gateway_cfg.c api/model/json_wipe.c \
	api/model/conn_int.h api/model/conn_util.c \
	api/model/conn.c api/model/conn_end.c api/model/conn_ike.c api/model/conn_child.c \
	api/model/conn_ident.c api/model/conn_json.c \
	api/model/ts.c \
	api/model/eap_users.c api/model/pools.c
api_model_libpalmodel_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)
