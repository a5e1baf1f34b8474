#ifndef BOOTCHAIN_COPENSSL_SHIM_H
#define BOOTCHAIN_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#endif
