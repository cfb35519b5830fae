/**
 * Training: backpropagation, the loss, the optimizer and the epoch loop.
 *
 * <h2>Design: a define-by-run tape over graph ops</h2>
 * A module only describes itself and lowers to graph ops ({@link io.jresnet.nn.Module#lower}); the
 * same {@link io.jresnet.plan.Graph} that the inference planner compiles is what training runs.
 * {@link io.jresnet.train.TapeModel} walks it and applies each graph op kind's one forward rule in
 * {@link io.jresnet.train.Ops}. An op computes its output immediately and appends one closure to the
 * {@link io.jresnet.train.Tape}; the closure holds what backward needs (inputs, outputs, argmax
 * indices) and, when run, adds into the gradients of the op's inputs
 * ({@link io.jresnet.train.Var#grad()}) and trainable parameters ({@link io.jresnet.train.Param},
 * the module's {@link io.jresnet.nn.Parameter#grad()}, found by the identity of the tensor the graph
 * op holds). Graph order is a topological order, so {@link io.jresnet.train.Tape#backward} just runs
 * the closures in reverse. Gradients accumulate, which is what makes fan-out correct: a block's input
 * feeds both its residual function and its shortcut and receives the sum of both gradients.
 *
 * <p>Dependencies point one way: {@code train} reads {@code nn} (parameters, batch-norm counters);
 * {@code nn} knows nothing of training.
 *
 * <h2>Math and speed</h2>
 * Batch norm in training mode backpropagates through the batch mean and variance
 * ({@link io.jresnet.train.Ops#batchNorm2d}); the loss is softmax and cross-entropy fused
 * ({@link io.jresnet.train.Ops#softmaxCrossEntropy}), stable for any logit size. {@code Ops} holds
 * the rules; the arithmetic is the backend's {@link io.jresnet.backend.TrainingKernels}, carried by
 * the tape's {@link io.jresnet.train.TrainingContext} with the reused op buffers
 * ({@link io.jresnet.backend.Backend#newTrainingKernels()}): the scalar
 * {@link io.jresnet.reference.ReferenceTrainingKernels} (convolution as im2col + GEMM) on the
 * reference backend, the cpu backend's Vector API kernels and GEMM on its own worker pool, so
 * training runs on the backend's threads and stops with it. The tests hold the im2col convolution to
 * direct loops, the cpu kernels to the reference ones, and every op to central finite differences.
 *
 * <h2>Optimisation</h2>
 * {@link io.jresnet.train.Sgd} (momentum 0.9, weight decay 1e-4 on conv and linear weights only),
 * {@link io.jresnet.train.LearningRateSchedule} (step, cosine, warm-up) and
 * {@link io.jresnet.train.Trainer}, whose {@link io.jresnet.train.Trainer.State} is what a checkpoint
 * saves. Data sets and mini-batches are in {@link io.jresnet.train.data}.
 */
package io.jresnet.train;
