/**
 * Training: backpropagation, the loss, the optimizer and the epoch loop.
 *
 * <h2>Design: a define-by-run tape</h2>
 * Every {@link io.jresnet.nn.Module} has, next to its eager {@code forward(Tensor)} (unchanged; the
 * planner tests compare against it), a {@code forward(Var, Tape)} that runs the same layers through
 * the ops in {@link io.jresnet.train.Ops}. An op computes its output immediately and appends one
 * closure to the {@link io.jresnet.train.Tape}; the closure holds what backward needs (inputs,
 * outputs, argmax indices) and, when run, adds into the gradients of the op's inputs
 * ({@link io.jresnet.train.Var#grad()}) and trainable parameters
 * ({@link io.jresnet.nn.Parameter#grad()}). Containers (Sequential, ResNet, residual blocks) only
 * call their children on the tape, so the recording order is a topological order of any module
 * tree and {@link io.jresnet.train.Tape#backward} just runs the closures in reverse. Gradients
 * accumulate, which is what makes fan-out correct: a block's input feeds both its residual function
 * and its shortcut and receives the sum of both gradients.
 *
 * <p>Why a tape and not a {@code backward(gradOut)} per module: a module can be called more than
 * once per pass and a per-module cache of activations would be overwritten; closures keep each
 * call's state separately and need nothing from modules beyond one method. The price is a package
 * cycle ({@code nn} calls {@code train.Ops}; {@code train} reads {@code nn} parameters), accepted
 * as both live in core.
 *
 * <h2>Math and speed</h2>
 * Batch norm in training mode backpropagates through the batch mean and variance
 * ({@link io.jresnet.train.Ops#batchNorm2d}); the loss is softmax and cross-entropy fused
 * ({@link io.jresnet.train.Ops#softmaxCrossEntropy}), stable for any logit size. Convolutions are
 * im2col + GEMM ({@code GemmConv}) on the {@link io.jresnet.backend.Gemm} of the tape's
 * {@link io.jresnet.train.TrainingContext}, which also owns the reused scratch buffers; the GEMM is
 * {@link io.jresnet.backend.Gemms#best} (a backend jar's, or the scalar reference). The direct-loop
 * convolution the tests keep ({@code ConvKernels}) is the oracle it is checked against. The other
 * ops are plain loops. All are checked against central finite differences in the tests.
 *
 * <h2>Optimisation</h2>
 * {@link io.jresnet.train.Sgd} (momentum 0.9, weight decay 1e-4 on conv and linear weights only),
 * {@link io.jresnet.train.LearningRateSchedule} (step, cosine, warm-up) and
 * {@link io.jresnet.train.Trainer}, whose {@link io.jresnet.train.Trainer.State} is what a checkpoint
 * saves. Data sets and mini-batches are in {@link io.jresnet.train.data}.
 */
package io.jresnet.train;
