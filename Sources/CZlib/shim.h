#ifndef BOOTCHAIN_CZLIB_SHIM_H
#define BOOTCHAIN_CZLIB_SHIM_H
#include <zlib.h>
#endif
