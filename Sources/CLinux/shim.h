#ifndef BOOTCHAIN_CLINUX_SHIM_H
#define BOOTCHAIN_CLINUX_SHIM_H
#include <sys/vfs.h>
#include <linux/magic.h>
#endif
