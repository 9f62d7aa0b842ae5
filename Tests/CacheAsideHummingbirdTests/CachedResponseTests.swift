import CacheAside
import CacheAsideHummingbird
import HTTPTypes
import Testing

@Suite("Stored response envelope")
struct CachedResponseTests {
    /// The stored layout written by hand: version, store time, header count, headers; from version
    /// 2 the request target, the varying headers and the ignored fields (plus one, 0 for bytes);
    /// then the body.
    static func stored(
        at milliseconds: UInt64, headers: [(String, String)], body: String, version: UInt8 = 2,
        target: String = "/api/users/42/summary", vary: [(String, String)] = [("accept-language", "fr")],
        ignoring: [String]? = ["computedAt"]
    ) -> [UInt8] {
        var bytes: [UInt8] = [version]
        func append(_ value: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            }
        }
        func append(_ text: String) {
            append(UInt64(text.utf8.count))
            bytes += text.utf8
        }
        append(milliseconds)
        append(UInt64(headers.count))
        for (name, value) in headers {
            append(name)
            append(value)
        }
        if version >= 2 {
            append(target)
            append(UInt64(vary.count))
            for (name, value) in vary {
                append(name)
                append(value)
            }
            append(UInt64(ignoring.map { $0.count + 1 } ?? 0))
            for field in ignoring ?? [] { append(field) }
        }
        return bytes + body.utf8
    }

    static let altered = stored(
        at: 1_000,
        headers: [
            ("content-type", "text/plain"), ("transfer-encoding", "chunked"), ("content-length", "999"),
            ("set-cookie", "session=someone-else"), ("connection", "close"), ("x-cache", "HIT"), ("age", "7"),
        ],
        body: "body")

    @Test("stored bytes that carry transfer headers replay with none of them and one Content-Length, the body's")
    func transferHeadersAreNotReplayed() throws {
        let entry = try #require(CachedResponse(decoding: Self.altered))
        let headers = entry.replayHeaders(hit: true, nowMilliseconds: 10_000)
        #expect(headers[values: .contentLength] == ["4"])
        #expect(headers[.transferEncoding] == nil)
        #expect(headers[.setCookie] == nil)
        #expect(headers[.connection] == nil)
        #expect(headers[values: .xCache] == ["HIT"])
        #expect(headers[values: .age] == ["9"])
        #expect(headers[.contentType] == "text/plain")
    }

    @Test("every truncation of a stored value decodes to nothing or re-encodes to exactly its bytes")
    func truncations() {
        for end in 0...Self.altered.count {
            let bytes = Array(Self.altered[..<end])
            guard let entry = CachedResponse(decoding: bytes) else { continue }
            #expect(entry.encoded() == bytes, "cut at \(end)")
        }
    }

    @Test("an entry keeps the request that made it and how to compare it; one of version 1 has none and still replays")
    func origin() throws {
        let entry = try #require(CachedResponse(decoding: Self.altered))
        let origin = try #require(entry.origin)
        #expect(origin.target == "/api/users/42/summary")
        #expect(origin.comparison == .json(ignoring: ["computedAt"]))
        #expect(String(decoding: entry.body, as: UTF8.self) == "body")
        let old = try #require(
            CachedResponse(
                decoding: Self.stored(at: 1_000, headers: [("content-type", "text/plain")], body: "b", version: 1)))
        #expect(old.origin == nil)
        #expect(String(decoding: old.body, as: UTF8.self) == "b")
        #expect(CachedResponse(decoding: Self.stored(at: 1_000, headers: [], body: "b", version: 3)) == nil)
    }

    @Test("a store time after now replays as Age 0")
    func futureStoreTime() throws {
        let entry = try #require(
            CachedResponse(decoding: Self.stored(at: .max, headers: [], body: "")))
        #expect(entry.replayHeaders(hit: false, nowMilliseconds: 10_000)[values: .age] == ["0"])
    }
}
