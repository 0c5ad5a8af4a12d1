import Generators

/// A usage error: what was wrong with the command line.
struct UsageError: Error, CustomStringConvertible {
    /// What was wrong.
    var message: String
    /// The message.
    var description: String { message }
}

/// The command line after the subcommand: options (`--name value`, `--flag`) and positional words.
struct Arguments {
    private var words: [String]

    /// Parses `words`, which follow the subcommand.
    init(_ words: [String]) { self.words = words }

    /// Removes and returns the values of every `--name VALUE` (or `--name=VALUE`), comma lists split.
    mutating func values(_ name: String) throws -> [String] {
        var found: [String] = []
        var index = 0
        while index < words.count {
            if words[index] == "--\(name)" {
                guard index + 1 < words.count, !words[index + 1].hasPrefix("--") else { throw UsageError(message: "--\(name) needs a value") }
                found += words[index + 1].split(separator: ",").map(String.init)
                words.removeSubrange(index...index + 1)
            } else if words[index].hasPrefix("--\(name)=") {
                found += words[index].dropFirst(name.count + 3).split(separator: ",").map(String.init)
                words.remove(at: index)
            } else {
                index += 1
            }
        }
        return found
    }

    /// Removes and returns the single value of `--name`, if given.
    mutating func value(_ name: String) throws -> String? {
        let found = try values(name)
        guard found.count <= 1 else { throw UsageError(message: "--\(name) is given more than once") }
        return found.first
    }

    /// Removes `--name` and says whether it was there.
    mutating func flag(_ name: String) -> Bool {
        guard let index = words.firstIndex(of: "--\(name)") else { return false }
        words.remove(at: index)
        return true
    }

    /// An integer option in `range`, decimal or `0x` hexadecimal (``parseNumber(_:)``: no sign).
    mutating func integer(_ name: String, in range: ClosedRange<UInt64>) throws -> UInt64? {
        guard let text = try value(name) else { return nil }
        guard let number = parseNumber(text), range.contains(number) else {
            throw UsageError(message: "--\(name) expects a number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
        }
        return number
    }

    /// An integer option in `range` as an `Int` (the range's bounds fit one).
    mutating func count(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        try integer(name, in: UInt64(range.lowerBound)...UInt64(range.upperBound)).map { Int($0) }
    }

    /// `--seed N`: any 64-bit number.
    mutating func seed() throws -> UInt64? { try integer("seed", in: 0...UInt64.max) }

    /// A duration option in seconds: a finite decimal number in `range`.
    mutating func seconds(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = try value(name) else { return nil }
        guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") }),
              let value = Double(text), value.isFinite, range.contains(value) else {
            throw UsageError(message: "--\(name) expects seconds from \(range.lowerBound) to \(Int(range.upperBound)), not \"\(text)\"")
        }
        return value
    }

    /// The words not yet taken.
    var rest: [String] { words }

    /// The positional words left, after checking that no unknown option remains.
    mutating func positional() throws -> [String] {
        if let unknown = words.first(where: { $0.hasPrefix("--") }) { throw UsageError(message: "unknown option \(unknown)") }
        defer { words = [] }
        return words
    }
}
