import CacheAsideHummingbird
import HTTPTypes
import Testing

@Suite("Stored response envelope")
struct CachedResponseTests {
    /// The stored layout written by hand: version 1, store time, header count, headers, body.
    static func stored(at milliseconds: UInt64, headers: [(String, String)], body: String) -> [UInt8] {
        var bytes: [UInt8] = [1]
        func append(_ value: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            }
        }
        append(milliseconds)
        append(UInt64(headers.count))
        for (name, value) in headers {
            append(UInt64(name.utf8.count))
            bytes += name.utf8
            append(UInt64(value.utf8.count))
            bytes += value.utf8
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

    @Test("a store time after now replays as Age 0")
    func futureStoreTime() throws {
        let entry = try #require(
            CachedResponse(decoding: Self.stored(at: .max, headers: [], body: "")))
        #expect(entry.replayHeaders(hit: false, nowMilliseconds: 10_000)[values: .age] == ["0"])
    }
}
