/// A key as the monitor understands it, whatever terminal it came from.
public enum KeyPress: Equatable, Sendable {
    case character(Character)
    case up, down, pageUp, pageDown, home, end
    case enter, escape, backspace, delete
}
