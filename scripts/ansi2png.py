#!/usr/bin/env python3
"""Renders a `tmux capture-pane -e -p` capture (text with ANSI colours) to a PNG.

usage: ansi2png.py CAPTURE.txt OUT.png [COLUMNS ROWS]
"""
import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE = 15
BACKGROUND = (24, 26, 33)
FOREGROUND = (208, 211, 218)
PALETTE = [
    (40, 42, 54), (230, 90, 90), (110, 200, 110), (230, 200, 90),
    (100, 150, 230), (200, 120, 220), (90, 200, 210), (208, 211, 218),
]
BRIGHT = [
    (98, 102, 114), (255, 120, 120), (140, 230, 140), (255, 230, 120),
    (130, 180, 255), (230, 150, 250), (120, 230, 240), (255, 255, 255),
]
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def xterm256(index):
    if index < 8:
        return PALETTE[index]
    if index < 16:
        return BRIGHT[index - 8]
    if index < 232:
        index -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[index // 36], steps[index // 6 % 6], steps[index % 6])
    level = 8 + (index - 232) * 10
    return (level, level, level)


def width(character):
    return 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1


def parse(line):
    """Yields (character, style) for each character of a line, style = (fg, bg, bold, dim, reverse)."""
    style = {"fg": None, "bg": None, "bold": False, "dim": False, "reverse": False}
    position = 0
    for match in SGR.finditer(line):
        for character in line[position:match.start()]:
            yield character, dict(style)
        position = match.end()
        codes = [int(code) if code else 0 for code in match.group(1).split(";")]
        index = 0
        while index < len(codes):
            code = codes[index]
            if code == 0:
                style = {"fg": None, "bg": None, "bold": False, "dim": False, "reverse": False}
            elif code == 1:
                style["bold"] = True
            elif code == 2:
                style["dim"] = True
            elif code == 22:
                style["bold"] = style["dim"] = False
            elif code == 7:
                style["reverse"] = True
            elif code == 27:
                style["reverse"] = False
            elif 30 <= code <= 37:
                style["fg"] = PALETTE[code - 30]
            elif 90 <= code <= 97:
                style["fg"] = BRIGHT[code - 90]
            elif code == 39:
                style["fg"] = None
            elif 40 <= code <= 47:
                style["bg"] = PALETTE[code - 40]
            elif code == 49:
                style["bg"] = None
            elif code in (38, 48) and index + 2 < len(codes) and codes[index + 1] == 5:
                style["fg" if code == 38 else "bg"] = xterm256(codes[index + 2])
                index += 2
            elif code in (38, 48) and index + 4 < len(codes) and codes[index + 1] == 2:
                style["fg" if code == 38 else "bg"] = tuple(codes[index + 2:index + 5])
                index += 4
            index += 1
    for character in line[position:]:
        yield character, dict(style)


def main():
    source, target = sys.argv[1], sys.argv[2]
    columns = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    regular = ImageFont.truetype(FONT, SIZE)
    bold = ImageFont.truetype(FONT_BOLD, SIZE)
    cell_width = round(regular.getlength("M"))
    cell_height = SIZE + 5
    image = Image.new("RGB", (columns * cell_width + 16, rows * cell_height + 16), BACKGROUND)
    draw = ImageDraw.Draw(image)
    with open(source, encoding="utf-8") as capture:
        lines = capture.read().split("\n")[:rows]
    for row, line in enumerate(lines):
        column = 0
        for character, style in parse(line):
            if column >= columns:
                break
            cells = width(character)
            foreground = style["fg"] or FOREGROUND
            background = style["bg"]
            if style["dim"]:
                foreground = tuple(int(c * 0.6 + b * 0.4) for c, b in zip(foreground, BACKGROUND))
            if style["reverse"]:
                foreground, background = background or BACKGROUND, foreground
            x, y = 8 + column * cell_width, 8 + row * cell_height
            if background:
                draw.rectangle([x, y, x + cells * cell_width - 1, y + cell_height - 1], fill=background)
            if character != " ":
                draw.text((x, y + 2), character, font=bold if style["bold"] else regular, fill=foreground)
            column += cells
    image.save(target)


if __name__ == "__main__":
    main()
