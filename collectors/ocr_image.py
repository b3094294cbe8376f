"""A phone screenshot made ready for OCR: dark text on a light, evenly lit page.

What phones produce is not what an OCR engine is trained on: dark mode (light text on
black), chat bubbles with white text on blue beside black text on grey, photos of a
screen lit unevenly, screenshots saved small. Each step below answers one of these and
is named in :attr:`Prepared.steps`, so the PIO can see what was done to the image:

* grayscale, turned upright by its EXIF orientation;
* the polarity is decided *locally* from the background around each pixel (a heavy
  median of a small copy), so a dark-mode screen and a blue bubble on a light screen
  both end up as dark text on light;
* the background is divided out (uneven light in a photo, coloured bubbles);
* small screenshots are enlarged (the engine reads letters about 20–40 pixels high best);
* Otsu's threshold makes it black and white.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

#: Below this width a screenshot is enlarged (phones save 1080–1290 wide; chats and
#: forwarded images often come at half that).
MIN_WIDTH = 1000
MAX_UPSCALE = 3.0
#: The side of the small copy the background is estimated on.
_BACKGROUND_SIDE = 160


@dataclass(frozen=True, slots=True)
class Prepared:
    image: Image.Image
    #: What was done, in order ("inverted dark mode", "enlarged ×2.0", …).
    steps: tuple[str, ...]
    #: Upscale factor applied (box coordinates from the engine are in the new size).
    scale: float


def prepare(image: Image.Image, *, thorough: bool = True) -> Prepared:
    """The screenshot as dark text on a light page, enlarged when small.

    ``thorough = False`` only turns it to grayscale, inverts a dark-mode screen and
    enlarges it: a clean screenshot is read best as it is (the engine is trained on
    anti-aliased text). ``thorough`` also inverts dark areas on a light screen (bubbles),
    evens out the light and makes it black and white: what a photo of a screen needs.
    """
    steps: list[str] = []
    gray = ImageOps.exif_transpose(image).convert("L")
    pixels = np.asarray(gray, dtype=np.float32)
    background, dark = _background(gray)
    share = float(dark.mean())
    if not thorough:
        if share > 0.5:
            # a dark screen: inverted, and its bubbles (now grey) evened out to the page
            pixels, background = 255.0 - pixels, 255.0 - background
            lifted = np.clip(pixels / np.maximum(background, 1.0) * 255.0, 0, 255)
            pixels = np.where(background >= 128, lifted, pixels)
            steps.append("inverted dark mode")
        elif share > 0.01:
            # a light screen with dark areas (a blue bubble with white text): those areas,
            # to the pixel, inverted and evened out, and nothing around them
            inside = _dark_areas(gray, pixels)
            lifted = np.clip((255.0 - pixels) / np.maximum(255.0 - background, 1.0) * 255, 0, 255)
            pixels = np.where(inside, lifted, pixels)
            steps.append("inverted light text on dark areas (bubbles, banners)")
    else:
        if share > 0.5:
            steps.append("inverted dark mode")
        elif share > 0.01:
            steps.append("inverted light text on dark areas (bubbles, banners)")
        pixels = np.where(dark, 255.0 - pixels, pixels)
        light = np.where(dark, 255.0 - background, background)
        steps.append("evened the background")
        pixels = np.clip(pixels / np.maximum(light, 1.0) * 255.0, 0, 255)
    out = Image.fromarray(pixels.astype(np.uint8), "L")
    scale = 1.0
    if out.width < MIN_WIDTH:
        scale = min(MAX_UPSCALE, MIN_WIDTH / out.width)
        out = out.resize(
            (round(out.width * scale), round(out.height * scale)), Image.Resampling.LANCZOS
        )
        steps.append(f"enlarged ×{scale:.1f}")
    if thorough:
        out = _threshold(out)
        steps.append("black and white (Otsu)")
    return Prepared(out, tuple(steps), scale)


def _background(gray: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """The page colour around each pixel, and where the page is dark.

    The colour is the median of each small block (a block is a few letters wide; text
    covers less than half of any block of page, or of a bubble, so the median is the
    page's colour, not a mix of ink and page), smoothed over neighbouring blocks and
    scaled back to the image's size. A block is dark only when its neighbours are too:
    the band along a bubble's edge stays as it is, so the white page just outside a
    bubble is never inverted into a black ring around it.
    """
    width, height = gray.size
    small = _page_colour(gray)
    back = np.asarray(small.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32)
    inside = small.point(lambda v: 255 if v < 128 else 0).filter(ImageFilter.MinFilter(3))
    dark = inside.resize((width, height), Image.Resampling.BILINEAR)
    return back, np.asarray(dark) >= 128


def _page_colour(gray: Image.Image) -> Image.Image:
    """The median of each block of the image (a few letters wide), smoothed over its
    neighbours: the page's colour there, not the ink's."""
    width, height = gray.size
    block = _block(gray)
    pixels = np.asarray(gray, dtype=np.uint8)
    rows, columns = -(-height // block), -(-width // block)
    padded = np.pad(pixels, ((0, rows * block - height), (0, columns * block - width)), "edge")
    blocks = padded.reshape(rows, block, columns, block).transpose(0, 2, 1, 3)
    medians = np.median(blocks.reshape(rows, columns, block * block), axis=2)
    return Image.fromarray(medians.astype(np.uint8), "L").filter(ImageFilter.MedianFilter(5))


def _block(gray: Image.Image) -> int:
    return max(2, -(-max(gray.size) // _BACKGROUND_SIDE))


def _dark_areas(gray: Image.Image, pixels: np.ndarray) -> np.ndarray:
    """Where the page is dark, to the pixel: dark pixels in or next to a dark block, the
    light letters inside closed over. (The block mask of :func:`_background` stops short
    of a bubble's edge; inverting only that left a dark ring round the bubble, which the
    engine took for a picture's frame.) A dark area touching the image's edge is not a
    bubble but what lies around a photographed screen, or its shadow: left alone."""
    width, height = gray.size
    dark = _page_colour(gray).point(lambda v: 255 if v < 128 else 0)
    _clear_edges(dark)
    near = dark.filter(ImageFilter.MaxFilter(3))
    near_full = np.asarray(near.resize((width, height), Image.Resampling.NEAREST)) >= 128
    # closing: a letter's stroke is narrower than this (a few pixels on a phone's screen)
    reach = max(2, width // 240)
    return ~_spread(~_spread((pixels < 128) & near_full, reach), reach)


def _spread(mask: np.ndarray, reach: int) -> np.ndarray:
    """``mask`` grown by ``reach`` pixels each way (a square maximum filter, done as one
    pass per axis)."""
    grown = mask.copy()
    for shift in range(1, reach + 1):
        grown[shift:, :] |= mask[:-shift, :]
        grown[:-shift, :] |= mask[shift:, :]
    wide = grown.copy()
    for shift in range(1, reach + 1):
        wide[:, shift:] |= grown[:, :-shift]
        wide[:, :-shift] |= grown[:, shift:]
    return wide


def _clear_edges(mask: Image.Image) -> None:
    """Every white area of ``mask`` that touches its edge, blackened (in place)."""
    width, height = mask.size
    pixels = mask.load()
    edge = [(x, y) for x in range(width) for y in (0, height - 1)]
    edge += [(x, y) for y in range(height) for x in (0, width - 1)]
    for point in edge:
        if pixels[point] == 255:
            ImageDraw.floodfill(mask, point, 0)


def _threshold(image: Image.Image) -> Image.Image:
    """Otsu's threshold over the histogram: the split that best separates ink from page."""
    histogram = np.asarray(image.histogram(), dtype=np.float64)
    total = histogram.sum()
    if total == 0:
        return image
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(histogram)
    mass = np.cumsum(histogram * levels)
    mean = mass[-1] / total
    between = (mean * weight - mass) ** 2 / np.maximum(weight * (total - weight), 1e-9)
    cut = int(np.argmax(between))
    return image.point(lambda v: 255 if v > cut else 0, "L")
