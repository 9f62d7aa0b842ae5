import NIOCore

/// Reads one complete RESP value from the front of a buffer, or nothing until all of it is there.
///
/// Parsing works on a copy of the reader index: a partial value consumes nothing, so the caller
/// simply tries again when more bytes arrive.
public struct RESPParser: Sendable {
    /// Limits that keep a hostile or broken server from exhausting memory or the stack.
    public struct Limits: Sendable {
        public var maximumDepth: Int
        public var maximumElements: Int
        public var maximumBulkBytes: Int

        public init(maximumDepth: Int = 32, maximumElements: Int = 1 << 20, maximumBulkBytes: Int = 512 << 20) {
            self.maximumDepth = maximumDepth
            self.maximumElements = maximumElements
            self.maximumBulkBytes = maximumBulkBytes
        }
    }

    public let limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// The next value, consuming its bytes; `nil` (consuming nothing) if it is not complete yet.
    public func parse(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        var copy = buffer
        guard let value = try parseValue(&copy, depth: 0) else { return nil }
        buffer = copy
        return value
    }

    private func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws(RESPError) -> RESPValue? {
        guard depth <= limits.maximumDepth else { throw .tooDeep(limit: limits.maximumDepth) }
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return try line(&buffer).map { .simpleString($0) }
        case UInt8(ascii: "-"):
            return try line(&buffer).map { .error($0) }
        case UInt8(ascii: ":"):
            guard let text = try line(&buffer) else { return nil }
            guard let value = Int64(text) else { throw .malformed("integer \(text)") }
            return .integer(value)
        case UInt8(ascii: "$"):
            return try bulk(&buffer).map { $0.map(RESPValue.bulkString) ?? .null }
        case UInt8(ascii: "!"):
            return try bulk(&buffer).map { $0.map { .bulkError(String(buffer: $0)) } ?? .null }
        case UInt8(ascii: "="):
            guard let content = try bulk(&buffer) else { return nil }
            guard var content else { return .null }
            // The format is the first three bytes, not characters: `a\r\n` or `é` plus one byte
            // are three bytes and fewer characters.
            guard content.getInteger(at: content.readerIndex + 3, as: UInt8.self) == UInt8(ascii: ":"),
                let bytes = content.readBytes(length: 3), let format = String(validating: bytes, as: UTF8.self)
            else { throw .malformed("verbatim string without a three-byte format") }
            content.moveReaderIndex(forwardBy: 1)
            return .verbatimString(format: format, text: String(buffer: content))
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
            guard let count = try length(&buffer) else { return nil }
            guard count >= 0 else { return .null }
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                guard let element = try parseValue(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            switch type {
            case UInt8(ascii: "~"): return .set(elements)
            case UInt8(ascii: ">"): return .push(elements)
            default: return .array(elements)
            }
        case UInt8(ascii: "%"):
            guard let count = try length(&buffer) else { return nil }
            guard count >= 0 else { return .null }
            var map: [RESPValue: RESPValue] = [:]
            for _ in 0..<count {
                guard let key = try parseValue(&buffer, depth: depth + 1),
                    let value = try parseValue(&buffer, depth: depth + 1)
                else { return nil }
                map[key] = value
            }
            return .map(map)
        case UInt8(ascii: "_"):
            guard let text = try line(&buffer) else { return nil }
            guard text.isEmpty else { throw .malformed("null with content") }
            return .null
        case UInt8(ascii: "#"):
            guard let text = try line(&buffer) else { return nil }
            switch text {
            case "t": return .boolean(true)
            case "f": return .boolean(false)
            default: throw .malformed("boolean \(text)")
            }
        case UInt8(ascii: ","):
            guard let text = try line(&buffer) else { return nil }
            switch text {
            case "inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            case "nan": return .double(.nan)
            default:
                guard let value = Double(text) else { throw .malformed("double \(text)") }
                return .double(value)
            }
        case UInt8(ascii: "("):
            return try line(&buffer).map { .bigNumber($0) }
        default:
            throw .unknownType(type)
        }
    }

    /// Text up to CRLF, or `nil` if the CRLF has not arrived.
    ///
    /// A line longer than the bulk limit is refused as soon as it is, whether its CRLF has arrived
    /// or not, so the same bytes give the same answer however the network splits them.
    private func line(_ buffer: inout ByteBuffer) throws(RESPError) -> String? {
        let view = buffer.readableBytesView
        let carriageReturn = view.firstIndex(of: UInt8(ascii: "\r"))
        guard (carriageReturn ?? view.endIndex) - view.startIndex <= limits.maximumBulkBytes else {
            throw .lineTooLong(limit: limits.maximumBulkBytes)
        }
        guard let carriageReturn, carriageReturn + 1 < view.endIndex else { return nil }
        guard view[carriageReturn + 1] == UInt8(ascii: "\n") else { throw .malformed("CR without LF") }
        let length = carriageReturn - view.startIndex
        let text = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        return text
    }

    /// A length line: `-1` for null, otherwise within the element limit.
    private func length(_ buffer: inout ByteBuffer) throws(RESPError) -> Int? {
        guard let text = try line(&buffer) else { return nil }
        guard let count = Int(text), count >= -1 else { throw .malformed("length \(text)") }
        guard count <= limits.maximumElements else { throw .tooManyElements(count, limit: limits.maximumElements) }
        return count
    }

    /// A bulk payload: `.some(nil)` for null, `nil` while incomplete.
    private func bulk(_ buffer: inout ByteBuffer) throws(RESPError) -> ByteBuffer?? {
        guard let text = try line(&buffer) else { return nil }
        guard let size = Int(text), size >= -1 else { throw .malformed("bulk length \(text)") }
        if size == -1 { return .some(nil) }
        guard size <= limits.maximumBulkBytes else { throw .bulkTooLarge(size, limit: limits.maximumBulkBytes) }
        guard buffer.readableBytes >= size + 2, let payload = buffer.readSlice(length: size) else { return nil }
        guard buffer.readInteger(as: UInt8.self) == UInt8(ascii: "\r"),
            buffer.readInteger(as: UInt8.self) == UInt8(ascii: "\n")
        else { throw .malformed("bulk string not followed by CRLF") }
        return .some(payload)
    }
}
