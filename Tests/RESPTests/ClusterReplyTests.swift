import Testing

@testable import RESP

@Suite("Cluster redirections and retries, read from error answers")
struct ClusterReplyTests {
    static func address(_ host: String, _ port: Int) -> RedisNode.Address { RedisNode.Address(host: host, port: port) }

    @Test("MOVED and ASK name a slot and a node; an empty host is the node that answered")
    func redirections() {
        #expect(
            ClusterReply(errorMessage: "MOVED 8980 10.0.0.7:6379", askedHost: "seed")
                == .moved(slot: 8_980, to: Self.address("10.0.0.7", 6_379)))
        #expect(
            ClusterReply(errorMessage: "ASK 0 redis-b.internal:7002", askedHost: "seed")
                == .ask(slot: 0, to: Self.address("redis-b.internal", 7_002)))
        #expect(
            ClusterReply(errorMessage: "MOVED 1 :7000", askedHost: "10.0.0.9")
                == .moved(slot: 1, to: Self.address("10.0.0.9", 7_000)))
        #expect(
            ClusterReply(errorMessage: "MOVED 1 ::1:7000", askedHost: "seed")
                == .moved(slot: 1, to: Self.address("::1", 7_000)))
        #expect(
            ClusterReply(errorMessage: "ASK 1 [::1]:7000", askedHost: "seed")
                == .ask(slot: 1, to: Self.address("::1", 7_000)))
    }

    @Test("TRYAGAIN, CLUSTERDOWN, MASTERDOWN and LOADING are worth a retry; other errors are answers")
    func retries() {
        for message in [
            "TRYAGAIN Multiple keys request during rehashing of slot", "CLUSTERDOWN Hash slot not served",
            "CLUSTERDOWN The cluster is down",
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            "LOADING Redis is loading the dataset in memory",
        ] {
            #expect(ClusterReply(errorMessage: message, askedHost: "seed") == .tryAgain, "\(message)")
        }
        for message in [
            "ERR unknown command", "NOSCRIPT No matching script. Please use EVAL.", "MOVED", "MOVED x 10.0.0.7:6379",
            "MOVED 16384 10.0.0.7:6379", "ASK 1 10.0.0.7", "ASK 1 10.0.0.7:0", "MOVEDX 1 h:1",
            "CROSSSLOT Keys in request don't hash to the same slot",
        ] {
            #expect(ClusterReply(errorMessage: message, askedHost: "seed") == nil, "\(message)")
        }
    }

    @Test("the backoff waits 5, 10, 20, 40, 80 ms (plus up to half again) and stops at its budget")
    func backoff() async throws {
        let started = ContinuousClock.now
        var backoff = ClusterBackoff(budget: .milliseconds(400))
        var waits = 0
        while try await backoff.wait() { waits += 1 }
        let elapsed = ContinuousClock.now - started
        // 5+10+20+40+80 ms (≤ 232 ms with jitter) fit in 400 ms when the machine is idle; a loaded
        // one oversleeps, so only the bounds are checked: it waited, and it stopped near its budget.
        #expect(waits >= 1)
        #expect(elapsed >= .milliseconds(5))
        #expect(elapsed < .seconds(60), "it stops: \(elapsed)")
        var spent = ClusterBackoff(budget: .zero)
        #expect(try await spent.wait() == false, "no budget, no wait")
    }
}
