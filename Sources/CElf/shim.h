#ifndef BOOTCHAIN_CELF_SHIM_H
#define BOOTCHAIN_CELF_SHIM_H
#include <libelf.h>
#include <gelf.h>
#endif
