#ifndef BOOTCHAIN_COPENSSL_SHIM_H
#define BOOTCHAIN_COPENSSL_SHIM_H
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/bio.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Wrappers for macros Swift cannot call. */
static inline void bootchain_openssl_free(void *pointer) { OPENSSL_free(pointer); }
static inline STACK_OF(X509) *bootchain_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int bootchain_sk_X509_push(STACK_OF(X509) *stack, X509 *certificate) { return sk_X509_push(stack, certificate); }
static inline void bootchain_sk_X509_free(STACK_OF(X509) *stack) { sk_X509_free(stack); }
#endif
