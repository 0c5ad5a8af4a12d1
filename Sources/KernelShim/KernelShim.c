#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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

int walkcheck_uffd_register_wp(void *start, unsigned long length) {
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    struct uffdio_api api = { .api = UFFD_API, .features = 0 };
    struct uffdio_register reg = {
        .range = { .start = (unsigned long)start, .len = length },
        .mode = UFFDIO_REGISTER_MODE_WP,
    };
    if (ioctl(fd, UFFDIO_API, &api) != 0 || ioctl(fd, UFFDIO_REGISTER, &reg) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int walkcheck_uffd_write_protect(int fd, void *start, unsigned long length, int protect) {
    struct uffdio_writeprotect wp = {
        .range = { .start = (unsigned long)start, .len = length },
        .mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
    };
    return ioctl(fd, UFFDIO_WRITEPROTECT, &wp);
}

int walkcheck_memfd(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}
