#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "KernelShim.h"

int walkcheck_pagemap_scan(int fd, void *argument) {
    return ioctl(fd, 0xC0606610UL /* PAGEMAP_SCAN = _IOWR('f', 16, struct pm_scan_arg) */, argument);
}

void *walkcheck_mremap_fixed(void *old, unsigned long size, void *destination) {
    return mremap(old, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, destination);
}

int walkcheck_fork_paused(int *release_fd) {
    int ends[2];
    if (pipe(ends) != 0) return -1;
    int pid = fork();
    if (pid == 0) {
        char byte;
        close(ends[1]);
        while (read(ends[0], &byte, 1) > 0) {}
        _exit(0);
    }
    close(ends[0]);
    *release_fd = ends[1];
    return pid;
}

void walkcheck_release_child(int pid, int release_fd) {
    int status;
    close(release_fd);
    if (pid > 0) waitpid(pid, &status, 0);
}
