/*
 * ck.h: the PKCS#11 v2.40 types and constants, from p11-kit's pkcs11.h
 * (the OASIS names: CK_RV, CKM_ECDSA...). Its compatibility macros rename
 * struct members to the spec's spelling (value -> pValue); they would
 * also rewrite our own identifiers, so they go once the header is read.
 */
#ifndef PAL_PKCS11_CK_H
#define PAL_PKCS11_CK_H

#include <p11-kit/pkcs11.h>

#undef value
#undef value_len
#undef count
#undef parameter
#undef parameter_len
#undef params
#undef reserved
#undef slot_id
#undef hash_alg
#undef s_len

#endif
