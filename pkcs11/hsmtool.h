/*
 * hsmtool.h: palisade-hsm's pieces (hsmtool.c: options, csr, show;
 * hsmtool_admin.c: init-token, keygen, import-cert on the raw function
 * list). Not part of the pkcs11/ interface: the tool alone uses it.
 */
#ifndef PAL_PKCS11_HSMTOOL_H
#define PAL_PKCS11_HSMTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkcs11/pkcs11.h"

#define HSM_SAN_MAX 16

struct hsm_opts {
	const char *ho_cmd;
	const char *ho_module, *ho_pin_file, *ho_so_pin_file;
	const char *ho_label, *ho_token, *ho_id, *ho_type;
	bool ho_always_auth;
	const char *ho_key, *ho_subject, *ho_out, *ho_cert;
	char *ho_san[HSM_SAN_MAX];
	int ho_nsan;
	struct p11 *ho_p11;
};

struct hsm_key_info {
	char ki_type[24]; /* "EC P-256", "RSA-2048" */
	bool ki_sensitive, ki_extractable, ki_always_sensitive, ki_never_extractable;
	bool ki_always_auth;
	char ki_value[48]; /* asking the token for the private value: what it said */
};

int hsm_hex(const char *s, uint8_t *out, size_t max, size_t *len);
void hsm_key_info(const struct p11_key *k, struct hsm_key_info *ki);
int hsm_init_token(struct hsm_opts *o);
int hsm_keygen(struct hsm_opts *o);
int hsm_import_cert(struct hsm_opts *o);

#endif
