/// Text and CSV for benchmark results.
enum BenchReport {
    static func number(_ value: Double, decimals: Int = 1) -> String {
        let scale = (0..<decimals).reduce(1.0) { result, _ in result * 10 }
        let rounded = (value * scale).rounded() / scale
        return decimals == 0 ? "\(Int(rounded))" : "\(rounded)"
    }

    /// The table for one workload: per design, time per walk and per page, reads against the footprint, ratio to the floor.
    static func table(_ results: [Measurement]) -> String {
        guard let first = results.first else { return "" }
        var lines = ["\(first.workload) on \(first.format): \(first.mappedPages) mapped pages, footprint \(first.footprint) slots",
                     "  view     design        ns/walk    ns/page   reads  reads≤footprint  ×floor  allocs/walk"]
        for result in results {
            let ratio = result.floorRatio.map { number($0, decimals: 2) } ?? (result.design == "floor" ? "1.0" : "-")
            lines.append("  " + Reports.pad(result.view, 9) + Reports.pad(result.design, 11)
                         + Reports.pad(number(result.nanosecondsPerWalk, decimals: 0), 10, right: true)
                         + Reports.pad(number(result.nanosecondsPerPage, decimals: 2), 11, right: true)
                         + Reports.pad("\(result.reads)", 8, right: true)
                         + Reports.pad(result.reads <= result.footprint ? "yes" : "NO", 17, right: true)
                         + Reports.pad(ratio, 8, right: true)
                         + Reports.pad(result.allocationsPerWalk.map { number($0, decimals: 1) } ?? "-", 13, right: true))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The targets: reads within the footprint everywhere; the batched walker against the floor on
    /// 64 KiB folios; sparse cost against range size.
    static func summary(_ results: [Measurement]) -> String {
        var lines = ["summary:"]
        let over = results.filter { $0.design != "floor" && $0.reads > $0.footprint }
        lines.append("  reads within the oracle's footprint: " + (over.isEmpty ? "every design, every workload"
                     : over.map { "\($0.design) on \($0.workload)/\($0.format) reads \($0.reads) > \($0.footprint)" }.joined(separator: "; ")))
        for format in Set(results.map(\.format)).sorted() {
            for workload in ["64k-folios", "64k-folios-reversed", "64k-folios-cont"] {
                let here = results.filter { $0.format == format && $0.workload == workload }
                guard let ratio = here.first(where: { $0.design == "batched" })?.floorRatio else { continue }
                lines.append("  batched vs floor on \(workload)/\(format): \(number(ratio, decimals: 2))×")
            }
            let narrow = results.filter { $0.format == format && $0.workload == "sparse-1tib" && $0.design != "floor" }
            let wide = results.filter { $0.format == format && $0.workload == "sparse-47bit" && $0.design != "floor" }
            for small in narrow {
                guard let large = wide.first(where: { $0.design == small.design && $0.view == small.view }) else { continue }
                lines.append("  sparse \(small.view) \(small.design) on \(format): 1 TiB range \(number(small.nanosecondsPerWalk, decimals: 0)) ns, "
                             + "128 TiB range \(number(large.nanosecondsPerWalk, decimals: 0)) ns (\(number(large.nanosecondsPerWalk / small.nanosecondsPerWalk, decimals: 2))×)")
            }
        }
        var perDesign: [String: Double] = [:]
        for result in results where result.design != "floor" && (result.view == "entries" || result.view == "folios") {
            perDesign[result.design] = max(perDesign[result.design] ?? 0, result.allocationsPerWalk ?? 0)
        }
        lines.append("  allocations per walk, at most (the same for every workload size: none per entry): "
                     + perDesign.sorted { $0.key < $1.key }.map { "\($0.key) \(number($0.value))" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// Every measurement as CSV.
    static func csv(_ results: [Measurement]) -> String {
        var lines = ["workload,format,view,design,ns_per_walk,ns_per_page,mapped_pages,reads,footprint,allocations_per_walk,floor_ratio"]
        for result in results {
            lines.append([result.workload, result.format, result.view, result.design, number(result.nanosecondsPerWalk, decimals: 1),
                          number(result.nanosecondsPerPage, decimals: 3), "\(result.mappedPages)", "\(result.reads)", "\(result.footprint)",
                          result.allocationsPerWalk.map { number($0, decimals: 2) } ?? "",
                          result.floorRatio.map { number($0, decimals: 3) } ?? ""].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
