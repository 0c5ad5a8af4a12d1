import PageTable
import Oracle

/// The fuzz target for the corpus parser and the operation applier: whatever bytes it is given,
/// parsing must end in a case or a ``CorpusError`` and applying a parsed case's operations (then
/// its racers, then its writer operations by the model's reference, in order) must end in a tree whose invariants hold or a ``PageTableError`` that
/// left the tree unchanged —
/// never a trap, a hang or unbounded memory (the case bounds of ``CorpusFormat`` and
/// ``AddressSpace/maxEntriesPerOperation`` see to that).
///
/// `swift test` runs it on a fixed, seeded set of mutated corpus files (``mutate(_:seed:)``);
/// `Sources/walkcheck-fuzz` wraps it as a libFuzzer entry point for longer runs.
public enum CorpusFuzz {
    /// What one input did, for a test to count.
    public enum Outcome: Equatable, Sendable {
        /// The bytes are not a case: the parser's error.
        case malformed
        /// A case whose operations all applied (how many).
        case applied(Int)
        /// A case one of whose operations was refused, leaving the tree unchanged.
        case refused
    }

    /// A broken promise: what went wrong, and the input that showed it.
    public struct Violation: Error, CustomStringConvertible {
        /// What was wrong.
        public var reason: String
        /// The input's text.
        public var text: String
        /// `reason`, then the input.
        public var description: String { "\(reason)\n\(text)" }
    }

    /// Parses `bytes` and applies the case's operations, checking the tree's invariants after each
    /// and that a refusal changes nothing.
    public static func check(_ bytes: some Collection<UInt8>) throws(Violation) -> Outcome {
        let text = String(decoding: bytes, as: UTF8.self)
        let saved: CorpusCase
        do { saved = try CorpusFormat.parse(text, file: "fuzz.case") } catch { return .malformed }
        var space = AddressSpace(format: saved.testCase.format)
        for operation in saved.testCase.operations {
            let before = space
            do { try space.apply(operation) } catch {
                guard space == before else { throw Violation(reason: "a refused \(operation) changed the tree", text: text) }
                return .refused
            }
            let broken = TreeInvariants.violations(in: space)
            guard broken.isEmpty else { throw Violation(reason: "after \(operation): \(broken.prefix(3))", text: text) }
        }
        // The racers too, one after another on the built tree, held to the same promises.
        for step in saved.testCase.races {
            let before = space
            do { try space.race(step.racer) } catch {
                guard space == before else { throw Violation(reason: "a refused racer \(step.racer) changed the tree", text: text) }
                return .refused
            }
            let broken = TreeInvariants.violations(in: space)
            guard broken.isEmpty else { throw Violation(reason: "after racer \(step.racer): \(broken.prefix(3))", text: text) }
        }
        // The writer operations, by the model's reference, on the parent or the last copy's child.
        var child: AddressSpace?
        for step in saved.testCase.writes {
            guard let target = step.inChild ? child : space else { continue }
            let view: WriterView
            switch WriterConformance.reference(step.operation, on: target) {
            case .failure: continue
            case .success(let result): view = result
            }
            for written in [view.source] + (view.destination.map { [$0] } ?? []) {
                let broken = TreeInvariants.violations(in: written)
                guard broken.isEmpty else { throw Violation(reason: "after write \(step.operation): \(broken.prefix(3))", text: text) }
            }
            if step.inChild { child = view.source } else { space = view.source }
            if let destination = view.destination { child = destination }
        }
        return .applied(saved.testCase.operations.count)
    }

    /// A mutation of `text` drawn from `seed`: bytes flipped, removed or repeated, lines deleted,
    /// repeated or swapped, a number replaced by an extreme value, a keyword put in a word's place,
    /// line endings changed, or the text cut short. Deterministic: one seed, one mutation.
    public static func mutate(_ text: String, seed: UInt64) -> String {
        var random = SplitMix64(seed: seed)
        func pick(_ count: Int) -> Int { count <= 1 ? 0 : Int(random.next() % UInt64(count)) }
        var bytes = Array(text.utf8)
        let steps = 1 + pick(3)
        for _ in 0..<steps where !bytes.isEmpty {
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            switch pick(9) {
            case 0: bytes[pick(bytes.count)] ^= UInt8(truncatingIfNeeded: 1 << pick(8))
            case 1:
                let start = pick(bytes.count)
                bytes.removeSubrange(start..<min(bytes.count, start + 1 + pick(8)))
            case 2:
                let start = pick(bytes.count)
                bytes.insert(contentsOf: bytes[start..<min(bytes.count, start + 1 + pick(16))], at: pick(bytes.count))
            case 3:
                let line = pick(lines.count)
                if pick(2) == 0 { lines.remove(at: line) } else { lines.insert(lines[line], at: line) }
                bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
            case 4:
                lines.swapAt(pick(lines.count), pick(lines.count))
                bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
            case 5, 6:
                // A number word becomes an extreme one.
                let extremes = ["0", "1", "0x0", "0xffffffffffffffff", "18446744073709551615", "18446744073709551616", "0x8000000000000000",
                                "9223372036854775807", "4096", "0x1000", "0xfff", "+1", "-1", "0x", "00", "1e9", "0x7ffffffff000",
                                "0x100000000000000", "63", "64", "30", "18"]
                var words = String(decoding: bytes, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                let numbers = words.indices.filter { words[$0].first.map { $0.isNumber } == true }
                if let position = numbers.isEmpty ? nil : numbers[pick(numbers.count)] {
                    let trailing = words[position].drop { !$0.isWhitespace }
                    words[position] = extremes[pick(extremes.count)] + trailing
                }
                bytes = Array(words.joined(separator: " ").utf8)
            case 7:
                let keywords = ["map", "walk", "marker", "guard", "pud", "pgd", "hugepd", "contiguous", "zero", "special", "folio", "-",
                                ",", "to", "order", "pages", "write", "child", "copy", "pin", "zap", "set", "drop-markers", "uffd-wp",
                                "\r", "\t", "\u{FEFF}", "\u{0}", "é"]
                var words = String(decoding: bytes, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                words[pick(words.count)] = keywords[pick(keywords.count)]
                bytes = Array(words.joined(separator: " ").utf8)
            default:
                if pick(2) == 0 {
                    bytes.removeSubrange(pick(bytes.count)...)
                } else {
                    bytes = bytes.flatMap { $0 == UInt8(ascii: "\n") ? [UInt8(ascii: "\r"), $0] : [$0] }
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
