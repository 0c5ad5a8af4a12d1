#if canImport(Glibc)
import Glibc
#endif
import Generators

#if WALKCHECK_LIBFUZZER
/// libFuzzer's entry point (`-sanitize=fuzzer` links libFuzzer's `main`): one input through
/// ``CorpusFuzz/check(_:)``; a broken promise aborts, which libFuzzer saves as a crash input.
@_cdecl("LLVMFuzzerTestOneInput")
public func corpusFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    do { _ = try CorpusFuzz.check(UnsafeBufferPointer(start: data, count: size)) } catch {
        print("walkcheck-fuzz: \(error)")
        abort()
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The executable's entry point under SwiftPM (which names it after the target): libFuzzer's driver.
@_cdecl("walkcheck_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, corpusFuzzTestOneInput)
}
#else
/// Without libFuzzer: checks each file named on the command line (a crash input libFuzzer saved,
/// say) the way the fuzz target does, and says which break a promise.
@main struct CorpusFuzzReplay {
    static func main() {
        var broken = 0
        for path in CommandLine.arguments.dropFirst() {
            do {
                let text = try FileSystem.read(path, maxBytes: 1 << 24)
                print("\(path): \(try CorpusFuzz.check(Array(text.utf8)))")
            } catch {
                broken += 1
                print("\(path): \(error)")
            }
        }
        exit(broken == 0 ? 0 : 1)
    }
}
#endif
