#ifndef BOOTCHAIN_CBZIP2_SHIM_H
#define BOOTCHAIN_CBZIP2_SHIM_H
#include <bzlib.h>
#endif
