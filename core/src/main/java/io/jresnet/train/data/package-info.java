/**
 * Image classification data for training, with no dependencies: the IDX format of MNIST and
 * Fashion-MNIST (plain or gzipped), the CIFAR-10 binary format, per-channel normalisation, the
 * paper's augmentation (padding, random crop, horizontal flip) and a seeded, shuffling mini-batch
 * loader. A file that is truncated, has the wrong magic, disagrees with its companion or declares
 * absurd sizes raises {@link io.jresnet.FormatException} naming the file.
 */
package io.jresnet.train.data;
