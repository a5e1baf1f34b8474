#ifndef BOOTCHAIN_CTSS2ESYS_SHIM_H
#define BOOTCHAIN_CTSS2ESYS_SHIM_H
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>
#endif
