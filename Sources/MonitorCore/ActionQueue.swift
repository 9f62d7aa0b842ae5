import NIOConcurrencyHelpers

/// Actions produced off the UI thread (answers from the server), waiting for the UI loop to apply them.
public final class ActionQueue: Sendable {
    private let pending = NIOLockedValueBox<[Action]>([])

    public init() {}

    public func push(_ action: Action) {
        pending.withLockedValue { $0.append(action) }
    }

    /// Everything queued so far, oldest first.
    public func drain() -> [Action] {
        pending.withLockedValue { actions in
            defer { actions.removeAll(keepingCapacity: true) }
            return actions
        }
    }
}
