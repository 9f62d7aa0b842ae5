/// What `cachemon attach` tells of the Redis cache it watches, in ``StatsSnapshot/attach``: where,
/// which keys, how far its scan is, which figures are live and which are estimates.
public struct AttachStatus: Codable, Sendable, Equatable {
    /// The server, without credentials, for example `127.0.0.1:6379 db 0` or `a Redis Cluster of 3 primaries`.
    public var redis: String
    /// The key pattern, as given.
    public var pattern: String
    /// Scans of the whole keyspace finished so far.
    public var passes: Int
    /// Whether a scan is under way.
    public var scanning: Bool
    /// Keys looked at by the scan under way.
    public var scannedKeys: Int
    /// Keys in the attached databases (`DBSIZE`, summed over the primaries).
    public var redisKeys: Int
    /// Keys the pattern does not match: counted, never shown as a user.
    public var otherKeys: Int
    /// The keyspace events received (`notify-keyspace-events` flags); `nil` when none are.
    public var notifications: String?
    /// Whether purges are allowed (`--allow-purge`).
    public var purgeAllowed: Bool
    /// Every figure that is an estimate, and how it is made, one sentence each.
    public var estimates: [String]
    /// A purge under way and how far it is, for example `purging 4: 1,500 keys removed`.
    public var activity: String?

    public init(
        redis: String, pattern: String, passes: Int = 0, scanning: Bool = false, scannedKeys: Int = 0,
        redisKeys: Int = 0, otherKeys: Int = 0, notifications: String? = nil, purgeAllowed: Bool = false,
        estimates: [String] = [], activity: String? = nil
    ) {
        self.redis = redis
        self.pattern = pattern
        self.passes = passes
        self.scanning = scanning
        self.scannedKeys = scannedKeys
        self.redisKeys = redisKeys
        self.otherKeys = otherKeys
        self.notifications = notifications
        self.purgeAllowed = purgeAllowed
        self.estimates = estimates
        self.activity = activity
    }

    /// How far the first scan is, 0 to 1, while it runs; `nil` once one has finished.
    public var firstScanProgress: Double? {
        guard passes == 0 else { return nil }
        guard redisKeys > 0 else { return scanning ? 0 : nil }
        return min(1, Double(scannedKeys) / Double(redisKeys))
    }
}
