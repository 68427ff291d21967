#ifndef FIELDNOTES_CCRYPTO_SHIM_H
#define FIELDNOTES_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#endif
