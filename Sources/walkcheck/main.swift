import PageTable
import Oracle
import Generators

// Interim driver until the campaign runner (step 3): seeded operation sequences on every format,
// the tree checked against the abstract model and its invariants after every operation.
let arguments = Array(CommandLine.arguments.dropFirst())
let cases = arguments.first.flatMap { Int($0) } ?? 200
let formats = arguments.count > 1 ? Format.all.filter { $0.name == arguments[1] } : Format.all
var failed = false
for format in formats {
    var failures = 0
    for index in 0..<cases {
        var choices = ChoiceSequence(seed: CaseSeed.derive(base: 0x5EED, format: format, index: index))
        let testCase = CaseGenerator(format: format).generate(&choices)
        var checked = CheckedAddressSpace(format: format)
        for (step, operation) in testCase.operations.enumerated() {
            guard let problems = try? checked.apply(operation), !problems.isEmpty else { continue }
            failures += 1
            if failures == 1 {
                print("\(format) case \(index) operation \(step): \(operation)")
                for problem in problems.prefix(3) { print("   " + problem) }
            }
            break
        }
    }
    failed = failed || failures > 0
    print("\(format.name): \(cases - failures) of \(cases) cases agree with the model")
}
if failed { fatalError("the tree disagrees with the model") }
