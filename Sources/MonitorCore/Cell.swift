/// The colours the monitor uses; a monochrome terminal ignores them and keeps bold and reverse.
public enum CellColor: UInt8, Sendable, CaseIterable {
    case normal, green, yellow, red, cyan, dim
}

/// How a cell is drawn.
public struct CellStyle: Equatable, Hashable, Sendable {
    public var color: CellColor
    public var bold: Bool
    public var reverse: Bool

    public init(color: CellColor = .normal, bold: Bool = false, reverse: Bool = false) {
        self.color = color
        self.bold = bold
        self.reverse = reverse
    }

    public static let plain = CellStyle()
    public static let bold = CellStyle(bold: true)
    public static let selected = CellStyle(reverse: true)
}

/// One cell of the screen: a character (or the right half of a wide one) and its style.
public struct Cell: Equatable, Sendable {
    /// The character drawn here; empty for the second cell of a wide character.
    public var text: String
    public var style: CellStyle

    public init(_ text: String = " ", style: CellStyle = .plain) {
        self.text = text
        self.style = style
    }

    public static let blank = Cell()
}
