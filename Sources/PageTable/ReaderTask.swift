/// Something a design does with a table reader, run by ``TableReader/open(_:)`` with the reader as
/// its concrete type when it is one WalkCheck runs — the direct reader of benchmarks, the counting
/// reader of conformance checks — so that the design's generic code is specialised for it.
///
/// A generic design called through `any EntryWalkDesign` (or from another module) runs
/// unspecialised: every read goes through a witness table and every generic type it builds costs
/// a metadata lookup. Opening the reader in the design's own module, where the task's type is
/// concrete, gives the compiler the concrete call.
public protocol ReaderTask {
    /// What the task returns.
    associatedtype Output
    /// Runs the task with `reader`.
    func run<R: TableReader>(_ reader: R) throws(PageTableError) -> Output
}

extension TableReader {
    /// Runs `task` with this reader opened as a ``DirectReader`` or a counting reader over one
    /// when it is either (the readers WalkCheck's benchmarks and checks use), else as it is.
    /// Inlined into the caller, so the concrete calls are specialised in the caller's module.
    @inlinable @inline(__always)
    public func open<Task: ReaderTask>(_ task: Task) throws(PageTableError) -> Task.Output {
        if let direct = self as? DirectReader { return try task.run(direct) }
        if let counting = self as? CountingReader<DirectReader> { return try task.run(counting) }
        return try task.run(self)
    }
}
