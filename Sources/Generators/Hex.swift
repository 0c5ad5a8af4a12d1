/// `0x…` in lower-case hexadecimal, as corpus files and reports write numbers.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
