"""Make a synthetic image-forgery benchmark from your own photographs, offline.

Every sample is a square crop of a photo saved as JPEG. Half are left untouched (real, label 0);
the other half are the same crops with one region manipulated under a random feathered mask (fake,
label 1). Families: splice (a region of another photo, or a --cutouts object pasted with its
alpha), copy_move (a rotated / scaled region of the same image), inpaint (a region erased and
filled in), resample (a region rescaled, blurred or sharpened), color_noise (colour, gamma,
contrast or noise changed in a region) and face (self-blending; needs --faces). Reals and fakes get
the same JPEG step (quality drawn from --qualities), so compression alone cannot tell them apart.
Photos are split train/val/test by a hash of their file names: no photo is in two splits.

It writes:
  OUT/<split>/real/000000.jpg             real crops
  OUT/<split>/fake/<family>/000001.jpg    fakes, one folder per family
  OUT/masks/<split>/<family>/000001.png   the mask of each fake (white = manipulated)
  OUT/manifest.csv                        path,label,video,split,method,source,quality,mask
  OUT/synthetic.json                      the settings, for reproduction

The same --seed gives the same bytes whatever --workers. Rerunning the same command resumes an
interrupted run (finished samples are skipped); a larger --n extends the set.

Examples:
  disgrl make-synthetic --photos photos/ --cutouts cutouts/ --out synthetic/ --n 2000
  disgrl make-synthetic --photos photos/ --out syn_small/ --n 200 --size 128 --families splice inpaint
  disgrl make-synthetic --photos photos/ --faces face_crops/ --out syn_faces/ --n 1200

To train on it: any folder dataset that reads real/ as 0 and fake/**/ as 1 can use OUT/train,
OUT/val and OUT/test; or read OUT/manifest.csv (cross-manipulation, leave one family out):
  from disgrl.data.synthetic import protocol_splits
  splits = protocol_splits("synthetic/manifest.csv", "cross", held_out="inpaint")
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    from disgrl.data.synthetic import DEFAULT_QUALITIES, FAMILIES

    p.add_argument("--photos", required=True, metavar="DIR", help="folder of real photographs (sub-folders included)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (new, empty, or a previous run's)")
    p.add_argument("--n", required=True, type=int, metavar="N", help="number of samples, half real and half fake")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default: 0)")
    p.add_argument(
        "--size", type=int, default=256, metavar="PX", help="side of the square images in pixels (default: 256)"
    )
    p.add_argument(
        "--families",
        nargs="+",
        choices=FAMILIES,
        metavar="FAMILY",
        help=f"manipulation families: {' '.join(FAMILIES)} (default: all; 'face' only with --faces)",
    )
    p.add_argument("--cutouts", metavar="DIR", help="folder of RGBA cut-out objects that splice may paste")
    p.add_argument(
        "--faces",
        metavar="DIR",
        help="folder of face crops: adds the 'face' family (self-blending) and as many real face crops",
    )
    p.add_argument(
        "--face-boxes",
        metavar="FILE",
        help="face boxes for --faces images that are not face crops: CSV file,x0,y0,x1,y1 or JSON {file: [x0,y0,x1,y1]}",
    )
    p.add_argument(
        "--qualities",
        nargs="+",
        type=int,
        default=list(DEFAULT_QUALITIES),
        metavar="Q",
        help=f"JPEG qualities, one drawn per sample, real and fake alike (default: {' '.join(map(str, DEFAULT_QUALITIES))})",
    )
    p.add_argument(
        "--workers", type=int, metavar="N", help="worker processes (default: the number of CPUs; 1: no subprocesses)"
    )
    p.add_argument(
        "--inpaint",
        choices=("auto", "opencv", "numpy"),
        default="auto",
        help="inpainting backend: OpenCV when installed (pip install 'disgrl[synthetic]'), else numpy (default: auto)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    from disgrl.data.synthetic import generate

    manifest = generate(
        args.photos,
        args.out,
        args.n,
        seed=args.seed,
        size=args.size,
        families=args.families,
        cutouts=args.cutouts,
        qualities=args.qualities,
        workers=args.workers,
        faces=args.faces,
        progress=not args.quiet,
        face_boxes=args.face_boxes,
        inpaint=args.inpaint,
    )
    if not args.quiet:
        print(manifest)
    return 0
