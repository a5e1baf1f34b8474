#ifndef BOOTCHAIN_CLINUX_SHIM_H
#define BOOTCHAIN_CLINUX_SHIM_H
#include <sys/types.h>
#include <sys/vfs.h>
#include <linux/fs.h>
#include <linux/magic.h>

/* glibc declares it only under _GNU_SOURCE; the flags come from linux/fs.h. */
extern int sync_file_range(int fd, __off64_t offset, __off64_t count, unsigned int flags);
#endif
