import NIOCore

/// The channel handler side of ``RESPParser``: one ``RESPValue`` per complete message.
public struct RESPMessageDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = RESPValue

    let parser: RESPParser

    public init(limits: RESPParser.Limits = .init()) { parser = RESPParser(limits: limits) }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try parser.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}
