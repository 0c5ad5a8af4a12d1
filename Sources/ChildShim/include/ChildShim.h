#ifndef WALKCHECK_CHILD_SHIM_H
#define WALKCHECK_CHILD_SHIM_H

#include <sys/types.h>

/// Asks the kernel to send SIGTERM to this process when its parent dies (Linux's
/// prctl(PR_SET_PDEATHSIG)), then checks that the parent is still `parent`: if it died before the
/// request took effect, returns -1 and the caller exits. Returns 0 where there is no such call.
int walkcheck_die_with_parent(pid_t parent);

/// Forwards SIGINT, SIGTERM and SIGHUP to the child `child` (0: none) and, once it has been
/// forwarded, lets the signal end this process too (its default action). Async-signal-safe.
void walkcheck_forward_signals_to(pid_t child);

/// Registers a file to unlink if SIGINT, SIGTERM or SIGHUP ends this process (empty: none).
void walkcheck_unlink_on_signal(const char *path);

/// Unblocks SIGINT, SIGTERM and SIGHUP and restores their default action: a process started by
/// a thread that blocks signals (a test runner's) inherits the mask, and would outlive a kill.
void walkcheck_unblock_termination_signals(void);

/// Makes standard output line-buffered, so that a pipe gets every finished line even if the
/// process is killed by a trap next.
void walkcheck_line_buffer_stdout(void);

#endif
