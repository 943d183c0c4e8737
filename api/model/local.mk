# api/model: config objects <-> JSON, shared by gatewayd, mgmtd and palisadectl
noinst_LIBRARIES += api/model/libpalmodel.a
api_model_libpalmodel_a_SOURCES = \
	api/model/model.h \
	api/model/json_util.c api/model/json_util.h \
	api/model/gateway_cfg.c
api_model_libpalmodel_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
