"""Files shipped inside the package: a handful of public-domain sample photos.

    >>> from disgrl.assets import sample_photos
    >>> [p.name for p in sample_photos()][:2]
    ['chambord.jpg', 'colosseum.jpg']

``photos/ATTRIBUTION.md`` (and ``photos/photos.tsv``) name each photo's author, source and licence.
"""

from __future__ import annotations

from pathlib import Path

PHOTOS_DIR = Path(__file__).resolve().parent / "photos"
ATTRIBUTION = PHOTOS_DIR / "ATTRIBUTION.md"

__all__ = ["ATTRIBUTION", "PHOTOS_DIR", "sample_photos"]


def sample_photos() -> list[Path]:
    """Paths of the bundled sample photos (JPEG, longest side 512 px), sorted by name.

    They are public-domain photographs of monuments (see ``ATTRIBUTION.md`` next to them), used by
    ``disgrl demo``. Raises ``FileNotFoundError`` if the package was installed without its data.
    """
    photos = sorted(p for p in PHOTOS_DIR.glob("*.jpg") if p.is_file())
    if not photos:
        raise FileNotFoundError(
            f"no sample photos in {PHOTOS_DIR}: the package was installed without its data files "
            "(reinstall disgrl; package data 'assets/**/*')"
        )
    return photos
