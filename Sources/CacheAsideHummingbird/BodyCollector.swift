import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore

/// A response body writer that keeps what is written, noting whether it passed a size limit.
final class BodyCollector: ResponseBodyWriter, Sendable {
    private let state = NIOLockedValueBox<(bytes: [UInt8], overflowed: Bool)>(([], false))
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    var bytes: [UInt8] { state.withLockedValue { $0.bytes } }
    /// Whether the body grew past the limit (it is still kept whole, to be served, but not stored).
    var overflowed: Bool { state.withLockedValue { $0.overflowed } }

    func write(_ buffer: ByteBuffer) async throws {
        state.withLockedValue { state in
            state.bytes.append(contentsOf: buffer.readableBytesView)
            if state.bytes.count > limit { state.overflowed = true }
        }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
