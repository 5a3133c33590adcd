#!/usr/bin/python3
"""Oracle for the GTSRB preprocessing: Pillow's bilinear resize, as torchvision's
Resize([50, 50]) applies it to the PIL image of a PPM file.

Usage: pil_resize_oracle.py OUT.u8 SIDE IMAGE.ppm [IMAGE.ppm ...]
Writes, per image in argument order, the resized image as planar uint8 [3, SIDE, SIDE].
Prints the Pillow version on stdout.
"""
import sys

import numpy as np
from PIL import Image


def main():
    out, side, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    chunks = []
    for f in files:
        with Image.open(f) as im:
            im = im.convert("RGB").resize((side, side), Image.BILINEAR)
            chunks.append(np.asarray(im, dtype=np.uint8).transpose(2, 0, 1).copy())
    np.stack(chunks).tofile(out)
    print(Image.__version__ if hasattr(Image, "__version__") else __import__("PIL").__version__)


if __name__ == "__main__":
    main()
