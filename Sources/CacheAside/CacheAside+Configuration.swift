extension CacheAside {
    /// Options of a ``CacheAside``.
    public struct Configuration: Sendable {
        /// The first part of every prefix, for example `api` in `api:{u:42}`.
        public var namespace: String
        /// The time to live when a call passes `ttl: nil`.
        public var defaultTTL: Duration
        /// The relative spread applied to every time to live (0.1 is ±10%), so entries stored
        /// together do not expire together. 0 turns it off.
        public var ttlJitter: Double
        /// Consecutive store failures that open the circuit breaker.
        public var failureThreshold: Int
        /// How long an open circuit skips the store before trying it again.
        public var failureCoolDown: Duration
        /// What identifies this instance in snapshots and in the fleet's instances list; `nil` (or
        /// empty) for `<host>-<pid>-<random>`, new at every start.
        public var instanceID: String?
        /// Where this instance serves, shown in the instances list; ``CacheAside/advertise(url:)``
        /// sets it once the server listens (for a port chosen at start).
        public var advertisedURL: String?
        /// The version shown in the instances list: your API's build, for example.
        public var version: String
        /// How often the instance sends its heartbeat to the store while it runs as a `Service`.
        /// It counts as alive for ``heartbeatTimeToLive``, three intervals.
        public var heartbeatInterval: Duration
        /// How many route templates are counted apart; requests of any further template count
        /// under ``RouteStats/other``, so a router with unbounded paths cannot grow the figures.
        public var maximumRoutes: Int
        /// The share of hits verified in the background after they are served (0.01 for one in a
        /// hundred; 0, the default, for none): computed again without the cache and compared, so a
        /// stale hit is found and counted (``CacheCounter/staleVerifications``, a `staleHit` event).
        public var verifySample: Double
        /// The most sampled verifications started per second, whatever the share.
        public var verifySampleRate: Int

        /// Creates a configuration; by default namespace `api`, five minutes ±10%, a breaker that
        /// opens after 5 failures for 5 seconds, a generated instance id, a heartbeat every second,
        /// 100 route templates, and no sampling of hits (at most 10 a second when on).
        public init(
            namespace: String = "api",
            defaultTTL: Duration = .seconds(300),
            ttlJitter: Double = 0.1,
            failureThreshold: Int = 5,
            failureCoolDown: Duration = .seconds(5),
            instanceID: String? = nil,
            advertisedURL: String? = nil,
            version: String = CacheAside.libraryVersion,
            heartbeatInterval: Duration = .seconds(1),
            maximumRoutes: Int = 100,
            verifySample: Double = 0,
            verifySampleRate: Int = 10
        ) {
            self.verifySample = min(max(verifySample.isFinite ? verifySample : 0, 0), 1)
            self.verifySampleRate = max(1, verifySampleRate)
            self.maximumRoutes = max(1, maximumRoutes)
            self.namespace = namespace
            self.defaultTTL = defaultTTL
            self.ttlJitter = min(max(ttlJitter, 0), 1)
            self.failureThreshold = failureThreshold
            self.failureCoolDown = failureCoolDown
            self.instanceID = instanceID
            self.advertisedURL = advertisedURL
            self.version = version
            self.heartbeatInterval = max(.milliseconds(10), heartbeatInterval)
        }

        /// How long an instance counts as alive after its last heartbeat: three intervals, so one
        /// late or lost heartbeat does not mark it dead.
        public var heartbeatTimeToLive: Duration { heartbeatInterval * 3 }

        /// Whether `namespace` can start a prefix: not empty, only `A–Z a–z 0–9 _ . -`.
        public static func isValidNamespace(_ namespace: String) -> Bool {
            !namespace.isEmpty
                && namespace.utf8.allSatisfy { byte in
                    switch byte {
                    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."),
                        UInt8(ascii: "-"):
                        true
                    default:
                        false
                    }
                }
        }

        /// `ttl` (or the default) spread by the jitter; zero or less means "do not store".
        func effectiveTTL(_ ttl: Duration?) -> Duration {
            let base = ttl ?? defaultTTL
            guard ttlJitter > 0, base > .zero else { return base }
            return base * Double.random(in: (1 - ttlJitter)...(1 + ttlJitter))
        }
    }
}
