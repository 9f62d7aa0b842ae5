import Synchronization

/// Counts how many times a computation ran.
public final class CallCounter: Sendable {
    private let count = Atomic<Int>(0)
    public init() {}

    @discardableResult
    public func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
    public var value: Int { count.load(ordering: .relaxed) }
}
