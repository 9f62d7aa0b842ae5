import NIOConcurrencyHelpers

/// A value shared between test tasks behind a lock.
public final class Locked<Value: Sendable>: Sendable {
    private let box: NIOLockedValueBox<Value>
    public init(_ value: Value) { box = NIOLockedValueBox(value) }
    public func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        box.withLockedValue { body(&$0) }
    }
}
