/*
 * json_util.h: helpers for the model's validators (internal to api/model):
 * strict loading (duplicate keys refused, size capped), typed field checks
 * that fill struct model_err with the path and the offending value.
 */
#ifndef PAL_API_MODEL_JSON_UTIL_H
#define PAL_API_MODEL_JSON_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api/model/model.h"

/* Always return GW_E_INVAL, after filling err. */
int mj_fail(struct model_err *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "<what>: '<value>'" with the value escaped and shortened. */
int mj_fail_value(struct model_err *err, const char *path, const char *what, const char *value);
/* json_loadb with JSON_REJECT_DUPLICATES; the parse error names line:column. */
int mj_load(const char *json, size_t len, json_t **out, struct model_err *err);
/* The same for documents with secrets: the message gives line, column and
 * what is wrong, never the text near the error. */
int mj_load_quiet(const char *json, size_t len, json_t **out, struct model_err *err);
/* An integer in [min, max] at $.key. */
int mj_uint(json_t *v, const char *key, uint64_t min, uint64_t max, uint64_t *out,
	    struct model_err *err);
/* 2 * len hex digits (either case) into len bytes; GW_E_PARSE at a
 * non-hex digit, out then partly written: the caller wipes it. */
/* Whole file into a NUL-terminated heap buffer; GW_E_NOTFOUND if absent,
 * GW_E_RANGE above max bytes. */
int mj_read_file(const char *path, size_t max, char **buf, size_t *len, struct model_err *err);

#endif
