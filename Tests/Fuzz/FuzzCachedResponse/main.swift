import CacheAsideHummingbird
import HTTPTypes

// The stored response envelope, read back from whatever bytes the store holds (another release's
// layout, a truncated or altered value). Decoding never crashes; what decodes encodes, in the
// current format (an entry of format 1 is written as format 2, its ignored fields sorted and
// deduplicated), to bytes that decode to it again and encode to themselves; and the response
// replayed from them carries one
// Content-Length (the body's), one X-Cache and one Age, and no header that describes a transfer.

let transferHeaders: [HTTPField.Name] =
    [.transferEncoding, .connection, .setCookie, .date]
    + [HTTPField.Name("keep-alive")]
    .compactMap { $0 }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCachedResponse(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let entry = CachedResponse(decoding: bytes) else { return 0 }
    let encoded = entry.encoded()
    guard let again = CachedResponse(decoding: encoded), again == entry else {
        fatalError("an entry does not round-trip")
    }
    guard again.encoded() == encoded else { fatalError("an entry's encoding is not stable") }
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
