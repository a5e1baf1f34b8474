#ifndef BOOTCHAIN_CLINUX_SHIM_H
#define BOOTCHAIN_CLINUX_SHIM_H
#include <sys/types.h>
#include <fcntl.h>
#include <sys/vfs.h>
#include <linux/fs.h>
#include <linux/magic.h>

/* glibc declares these only under _GNU_SOURCE; the sync_file_range flags come from linux/fs.h. */
extern int sync_file_range(int fd, __off64_t offset, __off64_t count, unsigned int flags);
#ifndef O_DIRECT
#define O_DIRECT __O_DIRECT
#endif
#endif
