import NIOCore

/// The channel handler side of ``RESPParser``: one ``RESPValue`` per complete message. It parses
/// incrementally (``RESPParser/Incremental``): the complete elements of a large answer are read
/// once and kept while the rest arrives.
public struct RESPMessageDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = RESPValue

    var parser: RESPParser.Incremental

    public init(limits: RESPParser.Limits = .init()) { parser = RESPParser.Incremental(limits: limits) }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try parser.next(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}
