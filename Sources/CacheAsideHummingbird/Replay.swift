import CacheAside
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore

/// Computes a cached response again for verification: its request (target and varying headers,
/// kept with the entry) goes through the application's own router with a header that tells
/// ``ResponseCacheMiddleware`` to run the route without the cache and without storing.
///
/// The header carries a random token made at start-up, so a client cannot ask for it; a forged
/// one would only make its own request skip the cache.
enum Replay {
    static let headerName = HTTPField.Name.xCachemonReplay
    static let token: String = (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()

    static func isReplay(_ request: Request) -> Bool {
        guard let value = request.headers[headerName] else { return false }
        return value == token
    }

    /// A verifier that replays through `responder`, in a copy of `context` (the request that asked
    /// for the verification), reading at most `maxBodyBytes` of each fresh body.
    static func verifier<Context: RequestContext>(
        _ responder: RouterResponder<Context>, context: Context, maxBodyBytes: Int
    ) -> Verifier {
        { entry in
            guard let stored = CachedResponse(decoding: entry.stored) else {
                return .unverifiable("not a response stored by ResponseCacheMiddleware")
            }
            guard let origin = stored.origin else {
                return .unverifiable("stored by an earlier release, without the request that made it")
            }
            var fields = HTTPFields()
            for pair in origin.vary {
                if let name = HTTPField.Name(pair.name) { fields.append(HTTPField(name: name, value: pair.value)) }
            }
            fields[headerName] = token
            let head = HTTPRequest(
                method: .get, scheme: "http", authority: "localhost", path: origin.target, headerFields: fields)
            do {
                let response = try await responder.respond(
                    to: Request(head: head, body: RequestBody(buffer: ByteBuffer())), context: context)
                guard response.status == .ok else {
                    return .failed("the route answered \(response.status.code) \(response.status.reasonPhrase)")
                }
                let collector = BodyCollector(limit: maxBodyBytes)
                var body = response.body
                try await body.write(collector)
                guard !collector.overflowed else { return .failed("the fresh body is over \(maxBodyBytes) bytes") }
                return origin.comparison.matches(stored.body, collector.bytes) ? .fresh : .stale
            } catch {
                return .failed("the route failed: \(error)")
            }
        }
    }
}
