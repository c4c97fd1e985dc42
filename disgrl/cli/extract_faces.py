"""Crop the faces of a folder of videos and images into a face-crop dataset.

For every video, FRAMES frames spread evenly over it are searched for faces; every image is
searched as is. Each face becomes a square crop of MARGIN x the face box, resized to SIZE
(the FaceForensics++ preprocessing), written mirroring INPUT's folders:

  INPUT/fake/000_003.mp4  ->  OUT/fake/000_003/<frame:04d>_<face>.png
  INPUT/real/photo.jpg    ->  OUT/real/photo_<face>.png

Faces are numbered largest first. Runs resume: sources already done with the same settings
are skipped (markers in OUT/.extract-faces/). OUT/no_faces.csv lists sources where no face
was found and those that could not be read.

Examples:
  disgrl extract-faces FaceForensics++/ ffpp_faces/ --frames 32 --largest-only --workers 4
  disgrl extract-faces Celeb-DF-v2/ celebdf_faces/ --largest-only
  disgrl extract-faces my_photos/ my_faces/ --size 0 --detector haar

See docs/faces.md for the detectors and the crop conventions.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="folder of videos and/or images (searched recursively), or one file")
    p.add_argument("out", help="output folder for the face crops")
    p.add_argument("--frames", type=int, default=32, help="frames sampled evenly per video (default: 32; 0: all)")
    p.add_argument("--size", type=int, default=299, help="crop size in pixels (default: 299; 0: keep the crop's size)")
    p.add_argument("--margin", type=float, default=1.3, help="crop side / face box side (default: 1.3, as FF++)")
    p.add_argument(
        "--detector",
        default="default",
        help="face detector: default, haar or dlib, or a name added with register_face_detector (default: default)",
    )
    p.add_argument(
        "--min-face", type=float, default=None, help="ignore faces smaller than this many pixels (default: 32)"
    )
    p.add_argument("--largest-only", action="store_true", help="keep only the largest face of each image or frame")
    p.add_argument("--workers", type=int, default=1, help="parallel processes (default: 1)")
    p.add_argument("--overwrite", action="store_true", help="redo every source, even those already done")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from disgrl.faces.extract import extract_faces
    from disgrl.faces.pipeline import DEFAULT_MIN_FACE

    summary = extract_faces(
        args.input,
        args.out,
        frames=args.frames or None,
        size=args.size or None,
        margin=args.margin,
        detector=args.detector,
        min_face=DEFAULT_MIN_FACE if args.min_face is None else args.min_face,
        largest_only=args.largest_only,
        workers=args.workers,
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    print(summary)
    return 0
