import CacheAside
import HTTPTypes

/// A cacheable response as stored: when it was stored, the headers worth replaying, the request
/// that made it (to compute it again for verification), and the body.
///
/// The layout is private to this module: a version byte, the store time in milliseconds since
/// 1970, the header count, each header as length-prefixed name and value; from version 2 the
/// request target, the count and pairs of the varying request headers, and the fields the
/// comparison ignores (a count, 0 for a byte comparison, or one more than their number for a JSON
/// comparison); then the body. Version 1 (no request) is still read.
package struct CachedResponse: Equatable, Sendable {
    static let formatVersion: UInt8 = 2

    /// What made the response: replayed to verify it.
    package struct Origin: Equatable, Sendable {
        /// The path and sorted query, as in the route key: `/api/users/42/orders?page=2`.
        package var target: String
        /// The request's values of the route's `Vary` headers.
        package var vary: [Pair]
        /// How a fresh body is compared with this one.
        package var comparison: BodyComparison
    }

    package struct Pair: Equatable, Sendable {
        var name: String
        var value: String
    }

    /// Headers that are not stored: they describe one transfer (`Date`, `Content-Length`, `Connection`…),
    /// one client (`Set-Cookie`), or the cache's own answer (`Age`, `X-Cache`), not the response itself.
    static let excludedHeaders: Set<HTTPField.Name> = [
        .date, .contentLength, .transferEncoding, .connection, .setCookie, .age,
        .xCache, .keepAlive,
    ]

    var storedAtMilliseconds: UInt64
    var headers: [(name: String, value: String)]
    /// The request that made it; `nil` for an entry of format 1.
    package var origin: Origin?
    /// The response body as stored.
    package var body: [UInt8]

    package static func == (lhs: CachedResponse, rhs: CachedResponse) -> Bool {
        lhs.storedAtMilliseconds == rhs.storedAtMilliseconds && lhs.body == rhs.body
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value) && lhs.origin == rhs.origin
    }

    init(storedAtMilliseconds: UInt64, headers: HTTPFields, origin: Origin? = nil, body: [UInt8]) {
        self.storedAtMilliseconds = storedAtMilliseconds
        self.headers = headers.filter { !Self.excludedHeaders.contains($0.name) }
            .map { (name: $0.name.rawName, value: $0.value) }
        self.origin = origin
        self.body = body
    }

    /// The bytes stored for this response.
    package func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.formatVersion]
        bytes.reserveCapacity(body.count + 64 * (headers.count + 1))
        append(storedAtMilliseconds, to: &bytes)
        append(UInt64(headers.count), to: &bytes)
        for header in headers {
            appendString(header.name, to: &bytes)
            appendString(header.value, to: &bytes)
        }
        let origin = origin ?? Origin(target: "", vary: [], comparison: .exact)
        appendString(origin.target, to: &bytes)
        append(UInt64(origin.vary.count), to: &bytes)
        for pair in origin.vary {
            appendString(pair.name, to: &bytes)
            appendString(pair.value, to: &bytes)
        }
        switch origin.comparison {
        case .exact:
            append(0, to: &bytes)
        case .json(let ignoring):
            append(UInt64(ignoring.count + 1), to: &bytes)
            for field in ignoring.sorted() { appendString(field, to: &bytes) }
        }
        bytes.append(contentsOf: body)
        return bytes
    }

    /// Decodes ``encoded()``; `nil` for bytes in another layout.
    package init?(decoding bytes: [UInt8]) {
        var reader = Reader(bytes: bytes)
        guard let version = reader.byte(), version == 1 || version == Self.formatVersion,
            let storedAt = reader.integer(), let count = reader.integer(), count < 10_000
        else { return nil }
        var headers: [(name: String, value: String)] = []
        for _ in 0..<count {
            guard let name = reader.string(), let value = reader.string() else { return nil }
            headers.append((name, value))
        }
        self.storedAtMilliseconds = storedAt
        self.headers = headers
        if version == 1 {
            self.origin = nil
        } else {
            guard let target = reader.string(), let varyCount = reader.integer(), varyCount < 10_000 else { return nil }
            var vary: [Pair] = []
            for _ in 0..<varyCount {
                guard let name = reader.string(), let value = reader.string() else { return nil }
                vary.append(Pair(name: name, value: value))
            }
            guard let ignoredCount = reader.integer(), ignoredCount < 10_000 else { return nil }
            var ignored: Set<String> = []
            for _ in 0..<max(0, Int(ignoredCount) - 1) {
                guard let field = reader.string() else { return nil }
                ignored.insert(field)
            }
            let comparison: BodyComparison = ignoredCount == 0 ? .exact : .json(ignoring: ignored)
            self.origin = target.isEmpty ? nil : Origin(target: target, vary: vary, comparison: comparison)
        }
        self.body = reader.rest()
    }

    /// The stored headers, for a response built from this entry: never one of ``excludedHeaders``,
    /// even when the stored bytes carry it (written by another release, or altered in the store).
    var httpFields: HTTPFields {
        var fields = HTTPFields()
        for header in headers {
            guard let name = HTTPField.Name(header.name), !Self.excludedHeaders.contains(name) else { continue }
            fields.append(HTTPField(name: name, value: header.value))
        }
        return fields
    }

    /// The headers of a response replayed from this entry: the stored ones, `X-Cache` (`HIT` or
    /// `MISS`), `Age` in whole seconds since it was stored, and the body's `Content-Length`.
    package func replayHeaders(hit: Bool, nowMilliseconds: Double) -> HTTPFields {
        var headers = httpFields
        headers[.xCache] = hit ? "HIT" : "MISS"
        let age = max(0, (max(0, nowMilliseconds) - Double(storedAtMilliseconds)) / 1000)
        headers[.age] = String(Int(age))
        headers[.contentLength] = String(body.count)
        return headers
    }

    private func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    private func appendString(_ string: String, to bytes: inout [UInt8]) {
        append(UInt64(string.utf8.count), to: &bytes)
        bytes.append(contentsOf: string.utf8)
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func byte() -> UInt8? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func integer() -> UInt64? {
            guard bytes.count - index >= 8 else { return nil }
            var value: UInt64 = 0
            for _ in 0..<8 {
                value = value << 8 | UInt64(bytes[index])
                index += 1
            }
            return value
        }

        mutating func string() -> String? {
            guard let length = integer(), length <= UInt64(bytes.count - index) else { return nil }
            let end = index + Int(length)
            defer { index = end }
            return String(validating: bytes[index..<end], as: UTF8.self)
        }

        func rest() -> [UInt8] { Array(bytes[index...]) }
    }
}
