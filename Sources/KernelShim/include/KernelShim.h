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
#endif
