/// Waits until `condition` holds, checking every millisecond; bounded (10 s by default) so a broken
/// test fails instead of hanging.
public func waitUntil(seconds: Int = 10, _ condition: () -> Bool) async throws {
    for _ in 0..<(seconds * 1_000) where !condition() {
        try await Task.sleep(for: .milliseconds(1))
    }
    if !condition() { throw WaitTimeout(seconds: seconds) }
}

/// ``waitUntil(seconds:_:)`` gave up.
public struct WaitTimeout: Error, CustomStringConvertible {
    public var seconds: Int
    public var description: String { "the condition did not hold within \(seconds) s" }
}
