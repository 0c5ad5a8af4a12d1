/// The recorded choices a case is generated from, in the style of Hypothesis.
///
/// Drawing from a seed records every choice; drawing from a recorded (possibly shrunk) sequence
/// replays it, clamps each value to its bound and reads zeros past its end. A shrinker edits the
/// recording and regenerates, so every shrunk case is valid by construction.
public struct ChoiceSequence: Sendable {
    /// The choices drawn so far.
    public private(set) var recorded: [UInt64] = []
    private var source: Source
    /// Choices to draw first, before the random source (a swarm a campaign chose).
    private var prefix: [UInt64] = []

    private enum Source: Sendable {
        case random(SplitMix64)
        case replay([UInt64], position: Int)
    }

    /// A fresh sequence drawing from `seed`.
    public init(seed: UInt64) { source = .random(SplitMix64(seed: seed)) }

    /// A fresh sequence whose first choices are `prefix` (each clamped to its bound) and the rest
    /// drawn from `seed`: how a campaign sets a case's swarm.
    public init(seed: UInt64, prefix: [UInt64]) {
        source = .random(SplitMix64(seed: seed))
        self.prefix = prefix
    }

    /// A sequence replaying `choices`.
    public init(replaying choices: [UInt64]) { source = .replay(choices, position: 0) }

    /// A value in `0..<bound`; `bound` must be positive.
    public mutating func draw(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "a choice needs a positive bound")
        let value: UInt64
        switch source {
        case .random where recorded.count < prefix.count:
            value = min(prefix[recorded.count], bound - 1)
        case .random(var generator):
            value = bound == 1 ? 0 : generator.next(upperBound: bound)
            source = .random(generator)
        case .replay(let choices, let position):
            value = position < choices.count ? min(choices[position], bound - 1) : 0
            source = .replay(choices, position: position + 1)
        }
        recorded.append(value)
        return value
    }

    /// An integer in `range`.
    public mutating func draw(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(draw(below: UInt64(range.upperBound - range.lowerBound) + 1))
    }

    /// One of `options`, which must not be empty; earlier options are what shrinking moves toward.
    public mutating func pick<T>(_ options: [T]) -> T { options[Int(draw(below: UInt64(options.count)))] }

    /// One of `options` with probability proportional to its weight; shrinking moves toward the first.
    public mutating func weighted<T>(_ options: [(weight: UInt64, value: T)]) -> T {
        var roll = draw(below: options.reduce(0) { $0 + $1.weight })
        for option in options {
            if roll < option.weight { return option.value }
            roll -= option.weight
        }
        return options[options.count - 1].value
    }

    /// A boolean that is true one time in `oneIn`; shrinks toward false.
    public mutating func chance(oneIn: UInt64) -> Bool { draw(below: oneIn) == oneIn - 1 }

    /// A boolean that is false one time in `oneIn`; zero means false, so it too shrinks toward false.
    public mutating func usually(oneIn: UInt64) -> Bool { draw(below: oneIn) != 0 }

    /// Whether a list goes on, true seven times in eight: zero means stop, so shrinking shortens lists.
    public mutating func another() -> Bool { draw(below: 8) != 0 }

    /// How many choices have been drawn so far.
    public var position: Int { recorded.count }
}
