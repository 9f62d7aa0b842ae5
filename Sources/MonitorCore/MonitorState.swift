import CacheAdminAPI
import Foundation

/// Everything the monitor shows and remembers. Changed only by ``reduce(_:_:)``; drawn by
/// ``render(_:size:)``.
public struct MonitorState: Sendable {
    /// What the user asked for on the command line.
    public struct Configuration: Sendable {
        public var url: String
        /// Seconds between polls.
        public var interval: Double
        public var readOnly: Bool
        public var monochrome: Bool
        /// The zone event times are shown in.
        public var timeZone: TimeZone

        public init(
            url: String, interval: Double = 1, readOnly: Bool = false, monochrome: Bool = false,
            timeZone: TimeZone = .current
        ) {
            self.url = url
            self.interval = interval
            self.readOnly = readOnly
            self.monochrome = monochrome
            self.timeZone = timeZone
        }
    }

    /// What the screen is doing.
    public enum Mode: Equatable, Sendable {
        case table
        case filtering(draft: String)
        case jumping(draft: String)
        case confirmingPurge(PrefixStats)
        case help
        case keys(prefix: String)
        /// The fleet: one row per instance sharing the store (`i`).
        case instances
        /// One row per route template (`t`); `filterDraft` while `/` edits its filter.
        case routes(filterDraft: String?)
    }

    /// The state of the link to the server.
    public enum Link: Equatable, Sendable {
        case connecting
        case live
        case failing(reason: String, retryAt: Date)
    }

    /// The message at the bottom right.
    public struct Status: Equatable, Sendable {
        public enum Kind: Equatable, Sendable { case info, success, error }
        public var text: String
        public var kind: Kind
    }

    public var configuration: Configuration
    public var interval: Double
    public var paused = false
    public var link: Link = .connecting
    public var lastSuccessAt: Date?
    public var failures = 0
    public var snapshot: StatsSnapshot?
    public var history = RateHistory()
    public var prefixRates = PrefixRates()

    public var sort: StatsQuery.Sort = .hits
    public var order: StatsQuery.Order = .descending
    public var filter = ""
    /// The first row of the page on screen, in the server's order.
    public var offset = 0
    /// The prefix under the `▶`: the selection follows this user across refreshes and re-sorts (the
    /// page scrolls to keep it in view), never the row it happened to be on. `nil` only until a page
    /// arrives, or while another page asked for with PgUp/PgDn/End is on its way (then the row chosen
    /// there is selected when it comes).
    public var selectedPrefix: String?
    /// The row of ``selectedPrefix`` on the page on screen.
    public var selectedRow = 0
    /// A user asked for with `g`, until the page that holds it arrives.
    public var pendingJump: String?

    public var mode: Mode = .table
    public var keys: [KeyInfo] = []
    public var keysScroll = 0
    /// The latest events of the prefix the keys view shows, newest first.
    public var timeline: [CacheEvent] = []
    /// The last instances list, shown by the instances view and refreshed with every poll while it is open.
    public var instances: InstanceList?
    /// The first instance row on screen.
    public var instancesScroll = 0
    public var instancesInFlight = false
    public var events: [CacheEvent] = []
    public var lastEventSeq: UInt64?
    public var status: Status?

    public var size = TerminalSize(columns: 80, rows: 24)
    public var now: Date
    public var nextPollAt: Date
    public var statsInFlight = false
    public var purgeInFlight = false
    /// The routes view's page and its query; the header's "saved" figure comes from the last two.
    public var routes: RoutesSnapshot?
    public var previousRoutes: RoutesSnapshot?
    public var routesQuery = RoutesQuery(limit: 1)
    public var routesSelected = 0
    public var routesInFlight = false
    /// Set when the server has no routes endpoint (it predates it): the monitor stops asking.
    public var routesUnsupported = false
    /// Whether a verification is running (one at a time).
    public var verifyInFlight = false
    /// The last verification of the prefix the keys view shows: its STATE column.
    public var verification: VerifyReport?

    public init(configuration: Configuration, now: Date) {
        self.configuration = configuration
        self.interval = configuration.interval
        self.now = now
        self.nextPollAt = now
    }

    /// How many prefix rows fit on screen (the page size asked of the server).
    public var tableRows: Int { Layout(size: size).tableRows }

    /// The prefixes on screen.
    public var page: [PrefixStats] { snapshot?.prefixes ?? [] }

    /// The prefix under the selection bar.
    public var selected: PrefixStats? {
        page.indices.contains(selectedRow) ? page[selectedRow] : nil
    }
}
