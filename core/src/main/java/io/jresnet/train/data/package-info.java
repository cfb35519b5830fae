/**
 * Image classification data for training, with no dependencies: an in-memory labelled
 * {@link io.jresnet.train.data.Dataset}, per-channel normalisation, the paper's augmentation
 * (padding, random crop, horizontal flip) and a seeded, shuffling mini-batch loader. The file
 * formats (IDX, CIFAR-10 binary) are read by {@code io.jresnet.models.data}.
 */
package io.jresnet.train.data;
