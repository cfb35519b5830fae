/**
 * Data sets on disk: the IDX format of MNIST and Fashion-MNIST (plain or gzipped), the CIFAR-10
 * binary format, and {@link io.jresnet.models.data.TrainingData}, the sets the CLI trains and
 * evaluates on with their normalisation and default augmentation. A file that is truncated, has the
 * wrong magic, disagrees with its companion or declares absurd sizes raises
 * {@link io.jresnet.FormatException} naming the file.
 */
package io.jresnet.models.data;
