#ifndef BOOTCHAIN_CLZMA_SHIM_H
#define BOOTCHAIN_CLZMA_SHIM_H
#include <lzma.h>
#endif
