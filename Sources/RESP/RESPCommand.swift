import NIOCore

/// A command as Redis expects it: an array of bulk strings.
///
/// ```swift
/// var buffer = ByteBuffer()
/// RESPCommand("SET", "k", "v").write(to: &buffer)   // *3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n
/// ```
public struct RESPCommand: Sendable, Equatable {
    public var arguments: [ByteBuffer]

    public init(_ arguments: [ByteBuffer]) { self.arguments = arguments }

    /// A command of text arguments, the name first: `RESPCommand(strings: ["SADD", key] + members)`.
    public init(strings: [String]) { self.arguments = strings.map { ByteBuffer(string: $0) } }

    public init(_ name: String, _ arguments: String...) {
        self.arguments = ([name] + arguments).map { ByteBuffer(string: $0) }
    }

    /// The command name, for errors and logs.
    public var name: String { arguments.first.map { String(buffer: $0) } ?? "" }

    public func write(to buffer: inout ByteBuffer) {
        var size = 16
        for argument in arguments { size += argument.readableBytes + 16 }
        buffer.reserveCapacity(minimumWritableBytes: size)
        Self.writeHeader(UInt8(ascii: "*"), arguments.count, to: &buffer)
        for argument in arguments {
            Self.writeHeader(UInt8(ascii: "$"), argument.readableBytes, to: &buffer)
            buffer.writeImmutableBuffer(argument)
            buffer.writeInteger(Self.crlf)
        }
    }

    private static let crlf = UInt16(UInt8(ascii: "\r")) << 8 | UInt16(UInt8(ascii: "\n"))

    /// `<type><count>\r\n`, the digits written directly: a statistics query writes thousands of
    /// these, and text interpolation made a string for each.
    private static func writeHeader(_ type: UInt8, _ count: Int, to buffer: inout ByteBuffer) {
        buffer.writeInteger(type)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            // A count is never negative; 20 digits hold any Int's magnitude.
            var value = UInt(bitPattern: count)
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0
            buffer.writeBytes(UnsafeBufferPointer(rebasing: digits[start...]))
        }
        buffer.writeInteger(crlf)
    }
}
