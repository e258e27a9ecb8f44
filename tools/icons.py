#!/usr/bin/env python3
"""Draws the theme's raster icons from the same shapes as theme/static/favicon.svg
(a dark rounded square with a white pulse line), using only the standard library:

  theme/static/favicon.ico          16, 32 and 48 px PNGs in an ICO container
  theme/static/apple-touch-icon.png 180 px, square and opaque (iOS rounds the corners)

Run it from the repository root after changing favicon.svg; commit its output.
"""

import os
import struct
import zlib

BG = (0x1A, 0x1F, 0x26)
FG = (0xFF, 0xFF, 0xFF)
# favicon.svg: viewBox 0 0 32 32, <rect rx="7">, <path d="M6 17h5l3-7 4 13 3-6h5" stroke-width="2.5">
LINE = [(6, 17), (11, 17), (14, 10), (18, 23), (21, 17), (26, 17)]
HALF_STROKE = 1.25
RADIUS = 7.0
SAMPLES = 4  # per axis, per pixel


def seg_dist2(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    cx, cy = ax + t * dx - px, ay + t * dy - py
    return cx * cx + cy * cy


def on_line(x, y):
    # Round caps and joins: the union of discs along every segment.
    return any(seg_dist2(x, y, *LINE[i], *LINE[i + 1]) <= HALF_STROKE ** 2 for i in range(len(LINE) - 1))


def in_rounded_square(x, y):
    cx = min(max(x, RADIUS), 32 - RADIUS)
    cy = min(max(y, RADIUS), 32 - RADIUS)
    return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2


def render(size, rounded):
    """RGBA rows of the icon at size x size pixels."""
    rows = []
    n = SAMPLES * SAMPLES
    for py in range(size):
        row = bytearray()
        for px in range(size):
            bg = fg = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px + (sx + 0.5) / SAMPLES) * 32 / size
                    y = (py + (sy + 0.5) / SAMPLES) * 32 / size
                    if rounded and not in_rounded_square(x, y):
                        continue
                    if on_line(x, y):
                        fg += 1
                    else:
                        bg += 1
            covered = bg + fg
            if covered == 0:
                row += bytes(4)
                continue
            rgb = [round((BG[c] * bg + FG[c] * fg) / covered) for c in range(3)]
            row += bytes(rgb + [round(255 * covered / n)])
        rows.append(bytes(row))
    return rows


def png(rows):
    size = len(rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 (none) on every row
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def ico(pngs):
    """An ICO file whose images are PNGs (read by every browser since 2007)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, data = b"", b""
    for size, blob in pngs:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(blob), offset + len(data))
        data += blob
    return header + entries + data


def main():
    out = os.path.join("theme", "static")
    with open(os.path.join(out, "favicon.ico"), "wb") as f:
        f.write(ico([(s, png(render(s, rounded=True))) for s in (16, 32, 48)]))
    with open(os.path.join(out, "apple-touch-icon.png"), "wb") as f:
        f.write(png(render(180, rounded=False)))


if __name__ == "__main__":
    main()
