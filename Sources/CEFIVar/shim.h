#ifndef BOOTCHAIN_CEFIVAR_SHIM_H
#define BOOTCHAIN_CEFIVAR_SHIM_H
#include <efivar/efivar.h>
#include <efivar/efiboot.h>

/* efi_generate_file_device_path is variadic (its only extra argument is the EDD 1.0 device
 * number, read with EFIBOOT_ABBREV_EDD10), and Swift cannot call C variadic functions. */
static inline ssize_t bootchain_efi_generate_file_device_path(uint8_t *buffer, ssize_t size, const char *path,
                                                              uint32_t options) {
    return efi_generate_file_device_path(buffer, size, path, options);
}
#endif
