#include "ChildShim.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int walkcheck_die_with_parent(pid_t parent) {
#ifdef __linux__
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) return -1;
#endif
    return getppid() == parent ? 0 : -1;
}

static volatile sig_atomic_t current_child = 0;
static char unlink_path[4096];
static volatile sig_atomic_t unlink_set = 0;
static volatile sig_atomic_t handlers_installed = 0;

static void on_signal(int signal) {
    pid_t child = (pid_t)current_child;
    if (child > 0) kill(child, signal);
    if (unlink_set) unlink(unlink_path);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigaction(signal, &action, NULL);
    raise(signal);
}

static void install(void) {
    if (handlers_installed) return;
    handlers_installed = 1;
    int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_signal;
        sigemptyset(&action.sa_mask);
        sigaction(signals[i], &action, NULL);
    }
}

void walkcheck_forward_signals_to(pid_t child) {
    install();
    current_child = (sig_atomic_t)child;
}

void walkcheck_unlink_on_signal(const char *path) {
    install();
    unlink_set = 0;
    if (path == NULL || path[0] == 0) return;
    strncpy(unlink_path, path, sizeof unlink_path - 1);
    unlink_path[sizeof unlink_path - 1] = 0;
    unlink_set = 1;
}

void walkcheck_line_buffer_stdout(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
}

void walkcheck_unblock_termination_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
}
