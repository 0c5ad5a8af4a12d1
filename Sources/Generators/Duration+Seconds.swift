extension Duration {
    /// The duration in seconds, for reports of elapsed time (never for decisions: nothing but a
    /// report may depend on the clock).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
