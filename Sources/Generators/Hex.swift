/// `0x…` in lower-case hexadecimal, as corpus files and reports write numbers.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// A number as corpus files and command lines write it: decimal digits, or `0x` and hexadecimal
/// digits, ASCII only, no sign, no spaces; nil for anything else or a value past `UInt64.max`.
public func parseNumber(_ text: some StringProtocol) -> UInt64? {
    let bytes = Array(text.utf8)
    let isHex = bytes.count > 2 && bytes[0] == UInt8(ascii: "0") && bytes[1] == UInt8(ascii: "x")
    let digits = isHex ? bytes.dropFirst(2) : bytes[...]
    guard !digits.isEmpty else { return nil }
    var value: UInt64 = 0
    for byte in digits {
        let digit: UInt64
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where isHex: digit = UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where isHex: digit = UInt64(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
        let (shifted, overflow) = value.multipliedReportingOverflow(by: isHex ? 16 : 10)
        let (sum, carry) = shifted.addingReportingOverflow(digit)
        guard !overflow, !carry else { return nil }
        value = sum
    }
    return value
}
