/*
 * fuzz_config: libFuzzer target for the configuration model (gateway.json
 * through api/model): any bytes give either settings or a model_err with a
 * path and a message, never a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_settings gs;
	struct model_err err;

	memset(&err, 0, sizeof(err));
	if (gw_settings_parse((const char *)data, size, &gs, &err)) {
		/* Every refusal names where and why. */
		if (!err.me_path[0] || !err.me_msg[0])
			abort();
		return 0;
	}
	if (gs.gs_n_listen == 0 || gs.gs_n_listen > MODEL_MAX_LISTEN ||
	    gs.gs_ike_port == gs.gs_natt_port)
		abort();
	return 0;
}
