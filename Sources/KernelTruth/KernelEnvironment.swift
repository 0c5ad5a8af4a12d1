#if canImport(Glibc)
import Glibc
#endif
import Generators

/// Whether this machine lets WalkCheck see real page tables, and if not, why.
public enum KernelEnvironment {
    /// Nil when ready, otherwise the reason the kernel ground truth cannot run here.
    public static let unavailableReason: String? = {
        #if !os(Linux)
        return "kernel ground truth needs Linux"
        #else
        guard getuid() == 0 else { return "pfns in /proc/self/pagemap and /proc/kpageflags need root" }
        guard let mode = try? FileSystem.read("/sys/kernel/mm/transparent_hugepage/enabled", maxBytes: 1 << 16) else {
            return "no /sys/kernel/mm/transparent_hugepage/enabled: the kernel has no THP"
        }
        guard mode.contains("[madvise]") || mode.contains("[always]") else {
            return "THP is \"\(mode.split(separator: "\n").first ?? "")\"; it must be in madvise or always mode"
        }
        guard (try? Procfs.pageFlags(0)) != nil else { return "/proc/kpageflags is not readable" }
        guard Procfs.scan(0, 4096, category: Procfs.pageIsPresent) != nil else { return "the kernel has no PAGEMAP_SCAN ioctl (before 6.7)" }
        return nil
        #endif
    }()

    /// Whether the kernel ground truth can run here.
    public static var ready: Bool { unavailableReason == nil }
}
