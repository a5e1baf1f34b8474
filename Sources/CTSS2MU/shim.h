#ifndef BOOTCHAIN_CTSS2MU_SHIM_H
#define BOOTCHAIN_CTSS2MU_SHIM_H
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#endif
