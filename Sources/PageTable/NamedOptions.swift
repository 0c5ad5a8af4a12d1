/// An option set whose members have names: printed joined by `,` (`-` when empty) and parsed back.
public protocol NamedOptions: OptionSet, CustomStringConvertible where Element == Self {
    /// Every named member, in print order.
    static var named: [(Self, String)] { get }
}

extension NamedOptions {
    /// The names of the members set, joined by `,`, or `-`.
    public var description: String {
        let names = Self.named.filter { contains($0.0) }.map(\.1)
        return names.isEmpty ? "-" : names.joined(separator: ",")
    }

    /// Parses the form `description` prints; nil on an unknown name.
    public init?(parsing text: Substring) {
        self = []
        if text == "-" { return }
        // Every name between commas must be known: no empty names (",", "a,,b").
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let match = Self.named.first(where: { $0.1 == part }) else { return nil }
            insert(match.0)
        }
    }
}
