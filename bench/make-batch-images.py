#!/usr/bin/python3
"""Writes the image collections the batch-classification measurements use (docs/BATCH.md).

    /usr/bin/python3 bench/make-batch-images.py OUT_DIR

- OUT_DIR/fashion-png/<label>/<index>.png: the 10,000 Fashion-MNIST test images (Debian's
  dataset-fashion-mnist, IDX files under /usr/share/datasets/fashion-mnist) as 28x28 grayscale PNGs,
  one folder per class.
- OUT_DIR/imagenet-jpeg/<index>.jpg: 2,000 RGB JPEGs of 256x256 (quality 90), each a Fashion-MNIST test
  image scaled up and tinted by a per-image colour, so decoding, resizing and cropping to 224 cost what
  they cost for photos of that size.
Needs python3-numpy and python3-pil.
"""
import gzip
import os
import sys

import numpy as np
from PIL import Image

SRC = "/usr/share/datasets/fashion-mnist"


def idx(name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(SRC, candidate)
        if os.path.exists(path):
            data = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
            ndim = data[3]
            dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    raise SystemExit(f"{name} not found under {SRC} (apt-get install dataset-fashion-mnist)")


def main():
    out = sys.argv[1]
    images = idx("t10k-images-idx3-ubyte")
    labels = idx("t10k-labels-idx1-ubyte")
    for i, (img, label) in enumerate(zip(images, labels)):
        d = os.path.join(out, "fashion-png", str(label))
        os.makedirs(d, exist_ok=True)
        Image.fromarray(img, mode="L").save(os.path.join(d, f"{i:05d}.png"))
    rng = np.random.default_rng(20261201)
    d = os.path.join(out, "imagenet-jpeg")
    os.makedirs(d, exist_ok=True)
    for i in range(2000):
        gray = np.asarray(Image.fromarray(images[i], mode="L").resize((256, 256), Image.BILINEAR), dtype=np.float32)
        tint = rng.uniform(0.3, 1.0, size=3)
        rgb = np.clip(gray[:, :, None] * tint[None, None, :] + rng.normal(0, 8, size=(256, 256, 3)), 0, 255)
        Image.fromarray(rgb.astype(np.uint8), mode="RGB").save(os.path.join(d, f"{i:04d}.jpg"), quality=90)


if __name__ == "__main__":
    main()
