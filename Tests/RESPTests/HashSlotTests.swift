import RESP
import Testing

@Suite("Hash slots and slot tags")
struct HashSlotTests {
    @Test("CRC16/XMODEM gives its check value for 123456789")
    func checkValue() {
        #expect(HashSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(HashSlot.crc16([UInt8]()) == 0)
    }

    @Test("the first non-empty {…} is the hash tag, as CLUSTER KEYSLOT reads it")
    func hashTags() {
        // Values from CLUSTER KEYSLOT on redis-server 7.0.15.
        #expect(HashSlot.slot(of: "a") == 15_495)
        #expect(HashSlot.slot(of: "{}x") == 10_595, "an empty tag hashes the whole key")
        #expect(HashSlot.slot(of: "x{a}{b}") == HashSlot.slot(of: "a"), "only the first tag counts")
        #expect(HashSlot.slot(of: "{a") == 10_276, "an unclosed brace is no tag")
        #expect(HashSlot.slot(of: "{a") != HashSlot.slot(of: "a"))
        #expect(HashSlot.slot(of: "}{a}") == 15_495)
        #expect(HashSlot.slot(of: "{}{a}") == 13_650, "the first { with an empty tag: the whole key")
        #expect(HashSlot.slot(of: "{{a}}") == 10_276, "the tag is {a, up to the first }")
        #expect(HashSlot.slot(of: "é{ü}") == 9_552, "UTF-8 bytes are hashed")
        #expect(HashSlot.slot(of: "api:{u:42}#m") == 8_980)
        #expect(HashSlot.slot(of: "{cachemon}:due") == 11_886)
        #expect(HashSlot.slot(of: "") == 0)
    }

    @Test("golden tags: the shortest [0-9a-z] string of each slot, first in ASCII order")
    func goldenTags() {
        #expect(HashSlot.tag(forSlot: 0) == "1bz")
        #expect(HashSlot.tag(forSlot: 64) == "5n3")
        #expect(HashSlot.tag(forSlot: 8_960) == "05c")
        #expect(HashSlot.tag(forSlot: 8_980) == "52q")
        #expect(HashSlot.tag(forSlot: 16_320) == "45c")
        #expect(HashSlot.tag(forSlot: 16_383) == "hia")
    }

    @Test("the tag of every 64th slot (a partition) puts a key in that slot")
    func partitionTags() {
        for partition in 0..<256 {
            let slot = partition * 64
            let tag = HashSlot.tag(forSlot: slot)
            #expect(HashSlot.slot(of: "{\(tag)}#cachemon:due") == slot, "partition \(partition), tag \(tag)")
        }
    }

    @Test("every slot has a tag of 1 to 4 characters that hashes back to it")
    func everySlot() {
        var lengths: [Int: Int] = [:]
        var wrong: [Int] = []
        for slot in 0..<HashSlot.count {
            let tag = HashSlot.tag(forSlot: slot)
            lengths[tag.count, default: 0] += 1
            if tag.isEmpty || HashSlot.slot(of: tag) != slot { wrong.append(slot) }
        }
        #expect(wrong.isEmpty, "slots without a working tag: \(wrong.prefix(10))")
        #expect(lengths == [1: 36, 2: 1_104, 3: 15_159, 4: 85])
    }
}
