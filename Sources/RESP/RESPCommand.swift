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
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.readableBytes)\r\n")
            buffer.writeImmutableBuffer(argument)
            buffer.writeString("\r\n")
        }
    }
}
