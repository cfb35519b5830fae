package io.jresnet.plan;

/**
 * A plan op: the fused kinds a {@link Plan} holds and every backend implements (a convolution with
 * its epilogue, the per-channel affine map of a batch norm that could not fold, add, the poolings,
 * linear, the option-A shortcut, softmax). A backend switches over this type, exhaustively.
 */
public sealed interface PlanOp extends Op
        permits Op.Conv, Op.Affine, Op.Add, Op.MaxPool, Op.GlobalAvgPool, Op.Linear, Op.ShortcutPad, Op.Softmax {}
