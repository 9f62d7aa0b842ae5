import CacheAsideHummingbird
import HTTPTypes

// The stored response envelope, read back from whatever bytes the store holds (another release's
// layout, a truncated or altered value). Decoding never crashes; bytes that decode are exactly
// the encoding of what they decoded to; and the response replayed from them carries one
// Content-Length (the body's), one X-Cache and one Age, and no header that describes a transfer.

let transferHeaders: [HTTPField.Name] =
    [.transferEncoding, .connection, .setCookie, .date]
    + [HTTPField.Name("keep-alive")]
    .compactMap { $0 }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCachedResponse(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let entry = CachedResponse(decoding: bytes) else { return 0 }
    guard entry.encoded() == bytes else { fatalError("decoded bytes do not encode back to themselves") }
    guard CachedResponse(decoding: entry.encoded()) == entry else { fatalError("an entry does not round-trip") }
    let now = Double(bytes.count) * 1_000_000
    let headers = entry.replayHeaders(hit: bytes.count % 2 == 0, nowMilliseconds: now)
    guard headers[values: .contentLength] == [String(entry.body.count)] else {
        fatalError("replayed Content-Length \(headers[values: .contentLength]) for \(entry.body.count) bytes")
    }
    guard headers[values: .xCache].count == 1, headers[values: .age].count == 1 else {
        fatalError("replayed X-Cache \(headers[values: .xCache]), Age \(headers[values: .age])")
    }
    for name in transferHeaders where headers[name] != nil {
        fatalError("a replayed response carries \(name)")
    }
    return 0
}
