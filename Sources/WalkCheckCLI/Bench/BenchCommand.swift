import PageTable
import Generators

/// `walkcheck bench`: compares the designs (and the floor) on workloads that stand for real address spaces.
enum BenchCommand {
    static func main(_ arguments: inout Arguments) throws -> Int32 {
        let formatNames = try arguments.values("format")
        let formats = try DesignCatalog.formats(formatNames.isEmpty ? ["x86-64-4level", "arm64-4k"] : formatNames)
        let workloadNames = try arguments.values("workload")
        let designs = try arguments.values("design")
        let standing = DesignCatalog.standing.names
        if let unknown = designs.first(where: { !standing.contains($0) }) {
            throw UsageError(message: "unknown design \"\(unknown)\" for bench; designs are \(standing.joined(separator: ", "))")
        }
        let output = try arguments.value("output")
        let scale = try arguments.count("scale", in: 1...64) ?? 1
        var runner = BenchRunner()
        if let repetitions = try arguments.count("repetitions", in: 3...1000) { runner.repetitions = repetitions }
        let narrowCompare = arguments.flag("narrow-compare")
        guard try arguments.positional().isEmpty else { throw UsageError(message: "bench takes no positional arguments") }
        // Every workload is built before any is timed, so a format or name the bench cannot serve
        // is a usage error, not a trap or an empty run.
        var built: [(Format, [Workload])] = []
        for format in formats {
            do { built.append((format, try Workload.all(on: format, scale: UInt64(scale)))) } catch {
                throw UsageError(message: "bench has no workloads on \(format.name) (\(error)); it runs on formats with PMD leaves and "
                                 + "addresses from 1 GiB: x86-64-4level, x86-64-5level, arm64-4k, arm64-64k, riscv-sv39")
            }
        }
        let known = Set(built.flatMap { $0.1.map(\.name) })
        if let unknown = workloadNames.first(where: { !known.contains($0) }) {
            throw UsageError(message: "unknown workload \"\(unknown)\"; workloads are \(known.sorted().joined(separator: ", "))")
        }
        guard BuildInfo.configuration == "release" else {
            throw UsageError(message: "benchmarks time release builds only: run `\(DesignCatalog.command) bench`")
        }
        print("walkcheck bench: \(BuildInfo.configuration) build, \(BuildInfo.cores) cores, median of \(runner.repetitions) runs after a warm-up, "
              + "scale \(scale)")
        print("floor: \(FloorPlacement.description)")
        if narrowCompare { BatchPattern.turnOffWideCompare() }
        print("word compare (batch scans): " + (BatchPattern.wideCompareChosen
            ? "wide (AVX2, 16 words an iteration) for scans of 64 words or more, narrow (128-bit, 8 words) below"
            : "narrow (128-bit vectors, 8 words an iteration) for every scan"
                + (narrowCompare ? ", as asked (--narrow-compare)" : ": this CPU does not run the wide (AVX2) one")))
        var all: [Measurement] = []
        for (_, workloads) in built {
            for workload in workloads where workloadNames.isEmpty || workloadNames.contains(workload.name) {
                let results = runner.measure(workload, designs: designs)
                print(BenchReport.table(results))
                all += results
                guard BenchRunner.writerWorkloads.contains(workload.name) else { continue }
                let written = runner.measureWriters(workload, designs: designs)
                print(BenchReport.table(written))
                all += written
            }
        }
        print(BenchReport.summary(all))
        print(BenchReport.writerGains(all))
        print(BenchReport.linuxWriterGains)
        if let output {
            try FileSystem.makeDirectory(output)
            try FileSystem.write(BenchReport.csv(all), to: output + "/bench.csv")
            try FileSystem.write(BenchChart.svg(all), to: output + "/bench.svg")
            print("wrote \(output)/bench.csv and \(output)/bench.svg")
        }
        return 0
    }
}
