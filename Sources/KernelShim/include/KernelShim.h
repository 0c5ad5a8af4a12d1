#ifndef WALKCHECK_KERNEL_SHIM_H
#define WALKCHECK_KERNEL_SHIM_H

/// Runs the PAGEMAP_SCAN ioctl on `fd` with the `struct pm_scan_arg` at `argument` (ioctl is
/// variadic, which Swift cannot call). Returns what ioctl returns.
int walkcheck_pagemap_scan(int fd, void *argument);



/// mremap(old, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, destination); returns the new address or MAP_FAILED.
void *walkcheck_mremap_fixed(void *old, unsigned long size, void *destination);

/// Forks a child that waits until `*release_fd` is closed by the parent, then exits (it calls only
/// read and _exit, which are async-signal-safe in a multithreaded parent). Returns the child's pid.
int walkcheck_fork_paused(int *release_fd);

/// Closes `release_fd` and waits for the child `pid`.
void walkcheck_release_child(int pid, int release_fd);

/// Opens a userfaultfd and registers [start, start + length) in write-protect mode
/// (UFFDIO_API, UFFDIO_REGISTER with UFFDIO_REGISTER_MODE_WP). Returns the descriptor, or -1 with errno.
int walkcheck_uffd_register_wp(void *start, unsigned long length);

/// UFFDIO_WRITEPROTECT on [start, start + length): write-protects when `protect`, else resolves.
int walkcheck_uffd_write_protect(int fd, void *start, unsigned long length, int protect);

/// memfd_create(name, MFD_CLOEXEC) (a shmem file with no name in the file system).
int walkcheck_memfd(const char *name);
#endif
