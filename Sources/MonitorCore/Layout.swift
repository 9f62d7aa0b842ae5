/// Where each part of the main screen goes for a terminal size.
struct Layout: Equatable {
    static let minimum = TerminalSize(columns: 40, rows: 10)

    let size: TerminalSize

    var fits: Bool { size.columns >= Self.minimum.columns && size.rows >= Self.minimum.rows }

    /// Header (3 rows), the prefixes title and column header (2), the table, the events title and
    /// events, a rule and the key/status line.
    var eventRows: Int { size.rows >= 30 ? 6 : (size.rows >= 16 ? 3 : 1) }
    var tableTop: Int { 5 }
    var tableRows: Int { max(1, size.rows - tableTop - eventRows - 3) }
    var eventsTitle: Int { tableTop + tableRows }
    var eventsTop: Int { eventsTitle + 1 }
    var rule: Int { size.rows - 2 }
    var footer: Int { size.rows - 1 }
}
