import NIOCore
import NIOEmbedded
import RESP

// The RESP decoder on bytes a server (or anything pretending to be one) sends.
//
// Each input is parsed three ways that must agree: whole, fed one byte at a time (so every split
// point is seen), and through the channel decoder in two pieces split where the input says. Small
// limits make depth, element and size refusals reachable; the default limits run too, to show a
// hostile length or nesting is refused or waited on, never allocated up front.

/// What parsing a byte stream gave: each value (canonical bytes, NaN-safe), then the error, if any.
struct Outcome: Equatable {
    var values: [[UInt8]] = []
    var error: RESPError?
}

let smallLimits = RESPParser.Limits(maximumDepth: 4, maximumElements: 16, maximumBulkBytes: 64)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESP(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let whole = parseWhole(bytes, limits: smallLimits)
    let byteByByte = parseByteByByte(bytes, limits: smallLimits)
    guard whole == byteByByte else {
        fatalError("whole \(whole) but byte by byte \(byteByByte)")
    }
    let split = bytes.isEmpty ? 0 : Int(bytes[bytes.count - 1]) % (bytes.count + 1)
    let decoded = decodeInChannel([Array(bytes[..<split]), Array(bytes[split...])], limits: smallLimits)
    guard whole == decoded else {
        fatalError("whole \(whole) but split at \(split) through the channel decoder \(decoded)")
    }
    _ = parseWhole(bytes, limits: RESPParser.Limits())
    return 0
}

/// Parses values off the front of the whole input until it is incomplete or malformed.
func parseWhole(_ bytes: [UInt8], limits: RESPParser.Limits) -> Outcome {
    let parser = RESPParser(limits: limits)
    var buffer = ByteBuffer(bytes: bytes)
    var outcome = Outcome()
    do {
        while true {
            let before = buffer.readerIndex
            guard let value = try parser.parse(&buffer) else {
                guard buffer.readerIndex == before else { fatalError("an incomplete value consumed bytes") }
                break
            }
            guard buffer.readerIndex > before else { fatalError("a value consumed no bytes: \(value)") }
            check(value, limits: limits, depth: 0)
            outcome.values.append(canonical(value))
        }
    } catch {
        outcome.error = error
    }
    return outcome
}

/// The same parse, the input arriving one byte at a time.
func parseByteByByte(_ bytes: [UInt8], limits: RESPParser.Limits) -> Outcome {
    let parser = RESPParser(limits: limits)
    var buffer = ByteBuffer()
    var outcome = Outcome()
    do {
        for byte in bytes {
            buffer.writeInteger(byte)
            while let value = try parser.parse(&buffer) {
                outcome.values.append(canonical(value))
            }
        }
    } catch {
        outcome.error = error
    }
    return outcome
}

/// The same parse through ``RESPMessageDecoder`` in a channel pipeline, one write per piece.
func decodeInChannel(_ pieces: [[UInt8]], limits: RESPParser.Limits) -> Outcome {
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPMessageDecoder(limits: limits)))
    defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
    var outcome = Outcome()
    for piece in pieces {
        do {
            try channel.writeInbound(channel.allocator.buffer(bytes: piece))
        } catch let error as RESPError {
            outcome.error = error
        } catch {
            fatalError("the decoder threw \(error), not a RESPError")
        }
        while let value = try? channel.readInbound(as: RESPValue.self) {
            outcome.values.append(canonical(value))
        }
        if outcome.error != nil { break }
    }
    return outcome
}

/// Invariants of a parsed value: within the limits, and a verbatim string's format is 3 bytes.
func check(_ value: RESPValue, limits: RESPParser.Limits, depth: Int) {
    guard depth <= limits.maximumDepth else { fatalError("nested deeper than \(limits.maximumDepth)") }
    switch value {
    case .bulkString(let buffer):
        guard buffer.readableBytes <= limits.maximumBulkBytes else { fatalError("bulk over the limit") }
    case .verbatimString(let format, _):
        guard format.utf8.count == 3 else { fatalError("verbatim format \(format.debugDescription) is not 3 bytes") }
    case .array(let elements), .set(let elements), .push(let elements):
        guard elements.count <= limits.maximumElements else { fatalError("aggregate over the limit") }
        for element in elements { check(element, limits: limits, depth: depth + 1) }
    case .map(let map):
        guard map.count <= limits.maximumElements else { fatalError("map over the limit") }
        for (key, element) in map {
            check(key, limits: limits, depth: depth + 1)
            check(element, limits: limits, depth: depth + 1)
        }
    default:
        break
    }
}

/// A byte form of a value in which equal values are equal bytes: doubles by bit pattern (so NaN
/// equals itself), map entries in byte order (so dictionary order does not matter).
func canonical(_ value: RESPValue) -> [UInt8] {
    var bytes: [UInt8] = []
    func text(_ tag: Character, _ string: String) {
        bytes.append(contentsOf: "\(tag)\(string.utf8.count):".utf8)
        bytes.append(contentsOf: string.utf8)
    }
    func aggregate(_ tag: Character, _ elements: [[UInt8]]) {
        bytes.append(contentsOf: "\(tag)\(elements.count):".utf8)
        for element in elements { bytes.append(contentsOf: element) }
    }
    switch value {
    case .simpleString(let string): text("+", string)
    case .error(let string): text("-", string)
    case .integer(let number): text(":", String(number))
    case .bulkString(let buffer):
        bytes.append(contentsOf: "$\(buffer.readableBytes):".utf8)
        bytes.append(contentsOf: buffer.readableBytesView)
    case .null: bytes.append(UInt8(ascii: "_"))
    case .double(let number): text(",", String(number.bitPattern))
    case .boolean(let flag): text("#", flag ? "t" : "f")
    case .bigNumber(let string): text("(", string)
    case .bulkError(let string): text("!", string)
    case .verbatimString(let format, let string): text("=", format + ":" + string)
    case .array(let elements): aggregate("*", elements.map(canonical))
    case .set(let elements): aggregate("~", elements.map(canonical))
    case .push(let elements): aggregate(">", elements.map(canonical))
    case .map(let map):
        aggregate("%", map.map { canonical($0.key) + canonical($0.value) }.sorted { $0.lexicographicallyPrecedes($1) })
    }
    return bytes
}
