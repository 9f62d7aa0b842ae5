/// What the terminal should show: a grid of cells, built by ``render(_:size:)`` and copied to the
/// terminal by the curses layer, which writes only the cells that changed.
public struct Screen: Equatable, Sendable {
    public let size: TerminalSize
    public private(set) var cells: [Cell]

    public init(size: TerminalSize) {
        self.size = size
        self.cells = Array(repeating: .blank, count: size.columns * size.rows)
    }

    public subscript(row: Int, column: Int) -> Cell {
        cells[row * size.columns + column]
    }

    /// Writes `text` from a position, clipped at the right edge; a wide character takes two cells
    /// and is not split. Returns the column after the text.
    @discardableResult
    public mutating func write(_ text: String, row: Int, column: Int, style: CellStyle = .plain) -> Int {
        guard (0..<size.rows).contains(row) else { return column }
        var column = max(0, column)
        for character in text {
            let width = DisplayWidth.of(character)
            if width == 0 { continue }
            guard column + width <= size.columns else { break }
            cells[row * size.columns + column] = Cell(String(character), style: style)
            if width == 2 { cells[row * size.columns + column + 1] = Cell("", style: style) }
            column += width
        }
        return column
    }

    /// Fills a row from a column to the right edge with `character`.
    public mutating func fill(
        row: Int, from column: Int = 0, with character: Character = " ", style: CellStyle = .plain
    ) {
        guard (0..<size.rows).contains(row), column < size.columns else { return }
        for index in max(0, column)..<size.columns {
            cells[row * size.columns + index] = Cell(String(character), style: style)
        }
    }

    /// Shows a whole row in reverse video, keeping each cell's colour and weight (the selection bar).
    public mutating func reverse(row: Int) {
        guard (0..<size.rows).contains(row) else { return }
        for index in row * size.columns..<(row + 1) * size.columns { cells[index].style.reverse = true }
    }

    /// The screen as text, one string per row, trailing spaces kept (what golden tests compare).
    public var lines: [String] {
        (0..<size.rows).map { row in
            (0..<size.columns).map { self[row, $0].text }.joined()
        }
    }

    /// The rows as text with trailing spaces removed, joined by newlines.
    public var text: String {
        lines.map { line in
            var trimmed = Substring(line)
            while trimmed.last == " " { trimmed = trimmed.dropLast() }
            return String(trimmed)
        }.joined(separator: "\n")
    }
}
