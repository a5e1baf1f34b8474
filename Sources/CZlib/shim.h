#ifndef BOOTCHAIN_CZLIB_SHIM_H
#define BOOTCHAIN_CZLIB_SHIM_H
#include <zlib.h>

/* inflateInit2 is a macro (it passes ZLIB_VERSION and sizeof(z_stream)). */
static inline int bootchain_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
