#ifndef BOOTCHAIN_CZSTD_SHIM_H
#define BOOTCHAIN_CZSTD_SHIM_H
#include <zstd.h>
#endif
