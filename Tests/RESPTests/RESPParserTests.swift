import Foundation
import NIOCore
import NIOTestUtils
import RESP
import Testing

@Suite("RESP parser")
struct RESPParserTests {
    static let samples: [(String, RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("-ERR wrong type\r\n", .error("ERR wrong type")),
        (":-42\r\n", .integer(-42)),
        ("$5\r\nhello\r\n", .bulk("hello")),
        ("$0\r\n\r\n", .bulk("")),
        ("$-1\r\n", .null),
        ("*-1\r\n", .null),
        ("_\r\n", .null),
        ("*0\r\n", .array([])),
        ("*2\r\n$3\r\nfoo\r\n:1\r\n", .array([.bulk("foo"), .integer(1)])),
        ("*2\r\n*1\r\n+a\r\n$-1\r\n", .array([.array([.simpleString("a")]), .null])),
        ("#t\r\n", .boolean(true)),
        (",3.5\r\n", .double(3.5)),
        (",-inf\r\n", .double(-.infinity)),
        ("(3492890328409238509324850943850943825024385\r\n", .bigNumber("3492890328409238509324850943850943825024385")),
        ("!21\r\nSYNTAX invalid syntax\r\n", .bulkError("SYNTAX invalid syntax")),
        ("=15\r\ntxt:Some string\r\n", .verbatimString(format: "txt", text: "Some string")),
        ("%1\r\n+key\r\n:7\r\n", .map([.simpleString("key"): .integer(7)])),
        ("~2\r\n+a\r\n+b\r\n", .set([.simpleString("a"), .simpleString("b")])),
        (">2\r\n+message\r\n$2\r\nhi\r\n", .push([.simpleString("message"), .bulk("hi")])),
        ("$4\r\na\r\nb\r\n", .bulk("a\r\nb")),
    ]

    @Test("every RESP2 and RESP3 type parses; null stays distinct from empty")
    func types() throws {
        for (text, expected) in Self.samples {
            var buffer = ByteBuffer(string: text)
            #expect(try RESPParser().parse(&buffer) == expected, "\(text.debugDescription)")
            #expect(buffer.readableBytes == 0)
        }
        #expect(RESPValue.bulk("") != .null)
    }

    @Test("fed byte by byte and in every split, the decoder produces each value once")
    func byteByByte() throws {
        let pairs = Self.samples.filter {
            if case .double(let value) = $0.1 { return !value.isNaN } else { return true }
        }
        .map { (ByteBuffer(string: $0.0), [$0.1]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { RESPMessageDecoder() }
    }

    @Test("a large answer arriving in pieces is read once: each complete element is consumed as it arrives")
    func incrementalReadsOnce() throws {
        var answer = ByteBuffer(string: "*10000\r\n")
        for index in 0..<10_000 { answer.writeString("*2\r\n$8\r\n\(String(format: "%08d", index))\r\n:\(index)\r\n") }
        var incremental = RESPParser.Incremental()
        var received = ByteBuffer()
        var value: RESPValue?
        while answer.readableBytes > 0 {
            let piece = answer.readSlice(length: min(4096, answer.readableBytes)) ?? ByteBuffer()
            received.writeImmutableBuffer(piece)
            value = try incremental.next(&received)
            // What stays unread is at most the one element cut by the piece's end: nothing is read twice.
            #expect(received.readableBytes < 32, "\(received.readableBytes) bytes kept to be parsed again")
        }
        guard case .array(let elements) = value else {
            Issue.record("no array: \(String(describing: value))")
            return
        }
        #expect(elements.count == 10_000)
        #expect(elements.last == .array([.bulk("00009999"), .integer(9999)]))
    }

    @Test("a partial value consumes nothing, then parses when the rest arrives")
    func partial() throws {
        let whole = Array("*2\r\n$5\r\nhello\r\n:12\r\n".utf8)
        for split in 1..<whole.count {
            var buffer = ByteBuffer(bytes: whole[..<split])
            #expect(try RESPParser().parse(&buffer) == nil)
            #expect(buffer.readableBytes == split)
            buffer.writeBytes(whole[split...])
            #expect(try RESPParser().parse(&buffer) == .array([.bulk("hello"), .integer(12)]))
        }
    }

    @Test(
        "malformed input is an error, never a crash",
        arguments: [
            "?x\r\n", ":12a\r\n", "$abc\r\n", "$-2\r\n", "*-5\r\n", "#x\r\n", ",fast\r\n", "$3\r\nabcde\r\n", "_x\r\n",
            "+a\rb\r\n", "=2\r\nab\r\n",
        ])
    func malformed(text: String) {
        var buffer = ByteBuffer(string: text)
        #expect(throws: RESPError.self) { try RESPParser().parse(&buffer) }
    }

    @Test("limits on depth, element count and bulk size are enforced")
    func limits() {
        let limits = RESPParser.Limits(maximumDepth: 3, maximumElements: 10, maximumBulkBytes: 16)
        var deep = ByteBuffer(string: String(repeating: "*1\r\n", count: 10) + ":1\r\n")
        #expect(throws: RESPError.tooDeep(limit: 3)) { try RESPParser(limits: limits).parse(&deep) }
        var wide = ByteBuffer(string: "*11\r\n")
        #expect(throws: RESPError.tooManyElements(11, limit: 10)) { try RESPParser(limits: limits).parse(&wide) }
        var big = ByteBuffer(string: "$17\r\n")
        #expect(throws: RESPError.bulkTooLarge(17, limit: 16)) { try RESPParser(limits: limits).parse(&big) }
        var endless = ByteBuffer(string: "+" + String(repeating: "a", count: 100))
        #expect(throws: RESPError.self) { try RESPParser(limits: limits).parse(&endless) }
    }

    /// Found by `make fuzz` (FuzzRESP, Tests/Fuzz/Corpus/FuzzRESP/finding-1-line-over-limit): a
    /// line over the limit was refused while its CRLF was missing and accepted once it arrived, so
    /// one server answer parsed or failed depending on how TCP split it.
    @Test("a line over the limit is refused whether or not its CRLF has arrived")
    func longLineWholeOrSplit() {
        let limits = RESPParser.Limits(maximumDepth: 3, maximumElements: 10, maximumBulkBytes: 16)
        let line = "+" + String(repeating: "a", count: 17)
        var whole = ByteBuffer(string: line + "\r\n")
        #expect(throws: RESPError.lineTooLong(limit: 16)) { try RESPParser(limits: limits).parse(&whole) }
        var partial = ByteBuffer(string: line)
        #expect(throws: RESPError.lineTooLong(limit: 16)) { try RESPParser(limits: limits).parse(&partial) }
        var atLimit = ByteBuffer(string: "+" + String(repeating: "a", count: 16) + "\r\n")
        #expect(throws: Never.self) { try RESPParser(limits: limits).parse(&atLimit) }
    }

    /// Confirmed by `make fuzz` (FuzzRESP, Tests/Fuzz/Corpus/FuzzRESP/finding-2-*): the format was
    /// taken as three characters, so `a\r\n` (3 bytes, 2 characters) swallowed the colon and the
    /// first byte of the text.
    @Test(
        "a verbatim string's format is its first three bytes, not characters",
        arguments: [("=7\r\na\r\n:xyz\r\n", "a\r\n", "xyz"), ("=8\r\néx:abcd\r\n", "éx", "abcd")])
    func verbatimFormatBytes(text: String, format: String, content: String) throws {
        var buffer = ByteBuffer(string: text)
        #expect(try RESPParser().parse(&buffer) == .verbatimString(format: format, text: content))
    }

    @Test("a verbatim string whose format is not UTF-8 is malformed")
    func verbatimFormatNotText() {
        var buffer = ByteBuffer(bytes: Array("=7\r\n".utf8) + [0xFF, 0xFE, 0xFD] + Array(":abc\r\n".utf8))
        #expect(throws: RESPError.malformed("verbatim string without a three-byte format")) {
            try RESPParser().parse(&buffer)
        }
    }

    @Test("commands are encoded as arrays of bulk strings, binary-safe")
    func commands() throws {
        var buffer = ByteBuffer()
        RESPCommand("SET", "k", "a\r\nb").write(to: &buffer)
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n")
        #expect(try RESPParser().parse(&buffer) == .array([.bulk("SET"), .bulk("k"), .bulk("a\r\nb")]))
    }
}
