"""Phone screenshots drawn with Pillow from a known text: what staff forward, made here.

Each layout puts the text where a phone puts it — a post under a status bar, an app bar
and the author's line, with reaction buttons and a tab bar below; a chat with bubbles of
both colours; a tweet-like card — in light or dark mode, in any of the languages the
Department serves (the fonts are Debian's Noto and DejaVu). ``photographed`` turns the
screenshot into what a phone camera makes of a screen: tilted (a perspective transform),
out of focus, unevenly lit, noisy and saved as a JPEG. The OCR tests and
``bench/ocr_quality.py`` read these and compare what comes back with the text drawn.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

NOTO = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_CJK_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
#: The faces of NotoSansCJK-Regular.ttc (fc-list): 0 JP, 1 KR, 2 SC, 3 TC.
CJK_INDEX = {"ko": 1, "zh-Hans": 2, "zh-Hant": 3}


@dataclass(frozen=True, slots=True)
class Theme:
    background: tuple[int, int, int]
    text: tuple[int, int, int]
    muted: tuple[int, int, int]
    rule: tuple[int, int, int]
    bubble_in: tuple[int, int, int]
    bubble_in_text: tuple[int, int, int]
    bubble_out: tuple[int, int, int]
    bubble_out_text: tuple[int, int, int]
    accent: tuple[int, int, int]


LIGHT = Theme(
    (255, 255, 255),
    (28, 30, 33),
    (101, 103, 107),
    (228, 230, 235),
    (233, 233, 235),
    (0, 0, 0),
    (0, 122, 255),
    (255, 255, 255),
    (24, 119, 242),
)
DARK = Theme(
    (24, 25, 26),
    (228, 230, 235),
    (176, 179, 184),
    (62, 64, 66),
    (38, 38, 41),
    (255, 255, 255),
    (10, 132, 255),
    (255, 255, 255),
    (45, 136, 255),
)


def available() -> bool:
    """The fonts this module draws with are installed (Debian: fonts-noto-core,
    fonts-noto-cjk, fonts-dejavu-core)."""
    return all(p.exists() for p in (NOTO / "NotoSans-Regular.ttf", NOTO_CJK, DEJAVU))


@cache
def font(lang: str, size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """A face that has the language's letters (raqm shapes Devanagari when present)."""
    if lang in CJK_INDEX:
        path = NOTO_CJK_BOLD if bold and NOTO_CJK_BOLD.exists() else NOTO_CJK
        return ImageFont.truetype(str(path), size, index=CJK_INDEX[lang])
    if lang == "hi":
        name = "NotoSansDevanagari-Bold.ttf" if bold else "NotoSansDevanagari-Regular.ttf"
        layout = ImageFont.Layout.RAQM if _has_raqm() else ImageFont.Layout.BASIC
        return ImageFont.truetype(str(NOTO / name), size, layout_engine=layout)
    name = "NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"
    return ImageFont.truetype(str(NOTO / name), size)


@cache
def _has_raqm() -> bool:
    from PIL import features

    return bool(features.check("raqm"))


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines no wider than ``width``: by words, or by characters for scripts without
    spaces (Chinese)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        spaced = " " in paragraph.strip() and not _CJK.search(paragraph)
        units = paragraph.split(" ") if spaced else list(paragraph)
        line = ""
        for unit in units:
            candidate = (line + " " + unit if line else unit) if spaced else line + unit
            if line and face.getlength(candidate) > width:
                lines.append(line)
                line = unit
            else:
                line = candidate
        lines.append(line)
    return lines


def _status_bar(draw: ImageDraw.ImageDraw, width: int, theme: Theme, scale: float) -> int:
    small = font("en", int(30 * scale), bold=True)
    draw.text((int(48 * scale), int(18 * scale)), "9:41", font=small, fill=theme.text)
    x = width - int(150 * scale)
    draw.text((x - int(70 * scale), int(18 * scale)), "5G", font=small, fill=theme.text)
    draw.rounded_rectangle(
        (x, int(24 * scale), x + int(70 * scale), int(56 * scale)),
        radius=int(8 * scale),
        outline=theme.text,
        width=max(2, int(3 * scale)),
    )
    draw.rectangle((x + 6, int(30 * scale), x + int(50 * scale), int(50 * scale)), fill=theme.text)
    return int(80 * scale)


def _tab_bar(draw: ImageDraw.ImageDraw, width: int, height: int, theme: Theme, scale: float) -> int:
    top = height - int(120 * scale)
    draw.line((0, top, width, top), fill=theme.rule, width=2)
    for index in range(5):
        cx = int((index + 0.5) * width / 5)
        r = int(22 * scale)
        draw.rounded_rectangle(
            (cx - r, top + int(30 * scale), cx + r, top + int(30 * scale) + 2 * r),
            radius=int(8 * scale),
            outline=theme.muted,
            width=3,
        )
    return top


def render_post(
    text: str,
    *,
    lang: str = "en",
    dark: bool = False,
    app: str = "Nextdoor",
    author: str = "Jamie R.",
    width: int = 1080,
    text_size: int = 42,
) -> Image.Image:
    """A social post as a phone shows it: status bar, app bar, author, text, buttons, tabs."""
    theme = DARK if dark else LIGHT
    scale = width / 1080
    body = font(lang, int(text_size * scale))
    margin = int(48 * scale)
    lines = wrap(text, body, width - 2 * margin)
    line_height = int(body.size * 1.45)
    height = int(520 * scale) + line_height * len(lines) + int(260 * scale)
    image = Image.new("RGB", (width, height), theme.background)
    draw = ImageDraw.Draw(image)
    y = _status_bar(draw, width, theme, scale)
    draw.text(
        (margin, y + int(10 * scale)),
        app,
        font=font("en", int(48 * scale), bold=True),
        fill=theme.accent,
    )
    y += int(100 * scale)
    draw.line((0, y, width, y), fill=theme.rule, width=2)
    y += int(36 * scale)
    r = int(44 * scale)
    draw.ellipse((margin, y, margin + 2 * r, y + 2 * r), fill=(120, 144, 156))
    draw.text(
        (margin + 2 * r + int(24 * scale), y + int(4 * scale)),
        author,
        font=font("en", int(34 * scale), bold=True),
        fill=theme.text,
    )
    draw.text(
        (margin + 2 * r + int(24 * scale), y + int(50 * scale)),
        "Santa Clara · 12 min",
        font=font("en", int(28 * scale)),
        fill=theme.muted,
    )
    y += 2 * r + int(40 * scale)
    for line in lines:
        draw.text((margin, y), line, font=body, fill=theme.text)
        y += line_height
    y += int(30 * scale)
    draw.text(
        (margin, y),
        "214 reactions · 87 comments",
        font=font("en", int(28 * scale)),
        fill=theme.muted,
    )
    y += int(56 * scale)
    draw.line((0, y, width, y), fill=theme.rule, width=2)
    for index, label in enumerate(("Like", "Comment", "Share")):
        draw.text(
            (margin + index * int(330 * scale), y + int(24 * scale)),
            label,
            font=font("en", int(30 * scale), bold=True),
            fill=theme.muted,
        )
    _tab_bar(draw, width, height, theme, scale)
    return image


def render_chat(
    messages: list[tuple[bool, str]],
    *,
    lang: str = "en",
    dark: bool = False,
    title: str = "Neighborhood group",
    width: int = 1080,
    text_size: int = 40,
) -> Image.Image:
    """A group chat: grey bubbles on the left, blue (white text) on the right;
    ``messages`` are ``(mine, text)``."""
    theme = DARK if dark else LIGHT
    scale = width / 1080
    body = font(lang, int(text_size * scale))
    line_height = int(body.size * 1.4)
    bubble_width = int(width * 0.72)
    pad = int(28 * scale)
    wrapped = [(mine, wrap(message, body, bubble_width - 2 * pad)) for mine, message in messages]
    height = (
        int(300 * scale)
        + sum(len(lines) * line_height + 2 * pad + int(60 * scale) for _, lines in wrapped)
        + int(200 * scale)
    )
    image = Image.new("RGB", (width, height), theme.background)
    draw = ImageDraw.Draw(image)
    y = _status_bar(draw, width, theme, scale)
    draw.text(
        (int(140 * scale), y + int(14 * scale)),
        title,
        font=font("en", int(38 * scale), bold=True),
        fill=theme.text,
    )
    y += int(110 * scale)
    draw.line((0, y, width, y), fill=theme.rule, width=2)
    y += int(40 * scale)
    for mine, lines in wrapped:
        inner = max(int(body.getlength(line)) for line in lines) if lines else 0
        w = inner + 2 * pad
        h = len(lines) * line_height + 2 * pad - int(line_height - body.size)
        x = width - w - int(36 * scale) if mine else int(36 * scale)
        fill = theme.bubble_out if mine else theme.bubble_in
        colour = theme.bubble_out_text if mine else theme.bubble_in_text
        draw.rounded_rectangle((x, y, x + w, y + h), radius=int(36 * scale), fill=fill)
        ty = y + pad - int(body.size * 0.1)
        for line in lines:
            draw.text((x + pad, ty), line, font=body, fill=colour)
            ty += line_height
        draw.text(
            (x + (w - int(90 * scale) if mine else 8), y + h + int(8 * scale)),
            "16:04",
            font=font("en", int(22 * scale)),
            fill=theme.muted,
        )
        y += h + int(60 * scale)
    _tab_bar(draw, width, height, theme, scale)
    return image


def photographed(image: Image.Image, *, seed: int = 0) -> Image.Image:
    """The screenshot as a photo of the screen: tilted, slightly blurred, lit unevenly,
    with sensor noise."""
    rng = random.Random(seed)
    width, height = image.size
    border = int(width * 0.06)
    canvas = Image.new("RGB", (width + 2 * border, height + 2 * border), (40, 40, 44))
    canvas.paste(image, (border, border))
    w, h = canvas.size
    jitter = [rng.uniform(0.0, 0.035) for _ in range(8)]
    # where each corner of the output is taken from (a few percent of keystone and tilt)
    # (QUAD's order: upper left, lower left, lower right, upper right)
    corners = (
        (w * jitter[0], h * jitter[1]),
        (w * jitter[6], h * (1 - jitter[7])),
        (w * (1 - jitter[4]), h * (1 - jitter[5])),
        (w * (1 - jitter[2]), h * jitter[3]),
    )
    shot = canvas.transform(
        (w, h),
        Image.Transform.QUAD,
        [c for corner in corners for c in corner],
        resample=Image.Resampling.BICUBIC,
    )
    shot = shot.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.8, 1.3)))
    light = Image.linear_gradient("L").resize((w, h)).rotate(rng.uniform(0, 360))
    light = light.point(lambda v: 150 + v * 105 // 255)
    lit = Image.merge(
        "RGB", [Image.composite(band, Image.new("L", (w, h), 0), light) for band in shot.split()]
    )
    lit = Image.blend(shot, lit, 0.55)
    noise = Image.effect_noise((w, h), 12).convert("RGB")
    return Image.blend(lit, noise, 0.06)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg(image: Image.Image, quality: int = 80) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()
