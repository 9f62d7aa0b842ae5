import NIOCore

/// Reads one complete RESP value from the front of a buffer, or nothing until all of it is there.
///
/// ``parse(_:)`` works on a copy of the reader index: a partial value consumes nothing, so the
/// caller simply tries again when more bytes arrive. A connection uses ``Incremental`` instead,
/// which keeps the elements of a partly read aggregate, so a large answer arriving in many reads
/// is parsed once, not again from its start on every read.
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

    /// A parse that may stop part-way through an aggregate and go on when more bytes arrive: it
    /// consumes every complete element it reads and keeps it, so each byte is read once.
    public struct Incremental: Sendable {
        /// An aggregate whose header has been read, with the elements read so far.
        private struct Frame: Sendable {
            var type: UInt8
            var remaining: Int
            var elements: [RESPValue]
        }

        let parser: RESPParser
        private var open: [Frame] = []

        public init(limits: Limits = Limits()) { parser = RESPParser(limits: limits) }

        /// The next complete value, consuming its bytes; `nil` when more bytes are needed, having
        /// consumed (and kept) the complete elements of an unfinished aggregate.
        public mutating func next(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
            while true {
                guard open.count <= parser.limits.maximumDepth else {
                    throw .tooDeep(limit: parser.limits.maximumDepth)
                }
                guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
                var copy = buffer
                var value: RESPValue
                if Self.isAggregate(type) {
                    copy.moveReaderIndex(forwardBy: 1)
                    guard let count = try parser.length(&copy) else { return nil }
                    buffer = copy
                    if count > 0 {
                        let items = type == UInt8(ascii: "%") ? count * 2 : count
                        var elements: [RESPValue] = []
                        elements.reserveCapacity(min(items, 1024))
                        open.append(Frame(type: type, remaining: items, elements: elements))
                        continue
                    }
                    value = count < 0 ? .null : Self.build(type, [])
                } else {
                    guard let scalar = try parser.parseScalar(&copy) else { return nil }
                    buffer = copy
                    value = scalar
                }
                // Hand the value to the aggregate it belongs to, closing every aggregate it completes.
                while var frame = open.popLast() {
                    frame.elements.append(value)
                    frame.remaining -= 1
                    guard frame.remaining == 0 else {
                        open.append(frame)
                        break
                    }
                    value = Self.build(frame.type, frame.elements)
                }
                if open.isEmpty { return value }
            }
        }

        static func isAggregate(_ type: UInt8) -> Bool {
            type == UInt8(ascii: "*") || type == UInt8(ascii: "~") || type == UInt8(ascii: ">")
                || type == UInt8(ascii: "%")
        }

        static func build(_ type: UInt8, _ elements: [RESPValue]) -> RESPValue {
            switch type {
            case UInt8(ascii: "~"): return .set(elements)
            case UInt8(ascii: ">"): return .push(elements)
            case UInt8(ascii: "%"):
                var map: [RESPValue: RESPValue] = [:]
                for index in stride(from: 0, to: elements.count - 1, by: 2) {
                    map[elements[index]] = elements[index + 1]
                }
                return .map(map)
            default: return .array(elements)
            }
        }
    }

    public let limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// The next value, consuming its bytes; `nil` (consuming nothing) if it is not complete yet.
    public func parse(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        var copy = buffer
        var incremental = Incremental(limits: limits)
        guard let value = try incremental.next(&copy) else { return nil }
        buffer = copy
        return value
    }

    /// A value that is not an aggregate, consuming its bytes; `nil` if it is not complete yet.
    func parseScalar(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
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
    func length(_ buffer: inout ByteBuffer) throws(RESPError) -> Int? {
        guard let count = try size(&buffer, describedAs: "length") else { return nil }
        guard count <= limits.maximumElements else { throw .tooManyElements(count, limit: limits.maximumElements) }
        return count
    }

    /// A line holding `-1` or a count (`0`, `12`, …), read from its bytes: an answer has one per
    /// element, and making each a `String` first cost more than the rest of the parse. `nil`
    /// while the CRLF has not arrived.
    private func size(_ buffer: inout ByteBuffer, describedAs what: String) throws(RESPError) -> Int? {
        let view = buffer.readableBytesView
        var index = view.startIndex
        let negative = index < view.endIndex && view[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let digits = index
        var value = 0
        // At most 18 digits: no overflow, and far beyond any limit.
        while index < view.endIndex, index - digits < 18 {
            let digit = view[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            value = value * 10 + Int(digit)
            index += 1
        }
        if index > digits, index + 1 < view.endIndex, view[index] == UInt8(ascii: "\r"),
            view[index + 1] == UInt8(ascii: "\n"), !negative || value == 1
        {
            buffer.moveReaderIndex(forwardBy: index + 2 - view.startIndex)
            return negative ? -1 : value
        }
        // Anything else as a line: an incomplete one waits, a bad one says what it holds.
        guard let text = try line(&buffer) else { return nil }
        throw .malformed("\(what) \(text)")
    }

    /// A bulk payload: `.some(nil)` for null, `nil` while incomplete.
    private func bulk(_ buffer: inout ByteBuffer) throws(RESPError) -> ByteBuffer?? {
        guard let size = try size(&buffer, describedAs: "bulk length") else { return nil }
        if size == -1 { return .some(nil) }
        guard size <= limits.maximumBulkBytes else { throw .bulkTooLarge(size, limit: limits.maximumBulkBytes) }
        guard buffer.readableBytes >= size + 2, let payload = buffer.readSlice(length: size) else { return nil }
        guard buffer.readInteger(as: UInt8.self) == UInt8(ascii: "\r"),
            buffer.readInteger(as: UInt8.self) == UInt8(ascii: "\n")
        else { throw .malformed("bulk string not followed by CRLF") }
        return .some(payload)
    }
}
