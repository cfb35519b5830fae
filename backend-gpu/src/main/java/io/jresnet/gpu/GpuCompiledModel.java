package io.jresnet.gpu;

import io.jresnet.BackendException;
import io.jresnet.backend.AbstractSession;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.plan.PlanOp;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;

/**
 * A plan on a device. The compiled model uploads the weights once (packed for the kernel twin in
 * use) and keeps them on the device; each {@link GpuSession} owns one device buffer per plan buffer,
 * a queue, and every op bound to its kernel, arguments and geometry up front. A run copies the input
 * in, enqueues the launches in plan order on the session's queue, and copies the logits out: nothing
 * else crosses the bus and nothing is allocated.
 */
final class GpuCompiledModel implements CompiledModel {
    /** Work-group size of the one-dimensional kernels. */
    static final int ITEMS = 64;

    private final GpuBackend backend;
    private final Plan plan;
    private final GpuRuntime runtime;
    private final KernelVariant variant;
    /** Owns the weights' device memory. */
    private final NativeOwner owner;
    private final Cleaner.Cleanable cleanable;
    /** The uploaded weights of each op, in the order its kernel takes them (none for weightless ops). */
    private final DeviceBuffer[][] weights;

    GpuCompiledModel(GpuBackend backend, Plan plan, GpuRuntime runtime, KernelVariant variant, NativeOwner owner) {
        this.backend = backend;
        this.plan = plan;
        this.runtime = runtime;
        this.variant = variant;
        this.owner = owner;
        this.cleanable = GpuBackend.CLEANER.register(this, owner);
        runtime.memory().checkFits(weightBytes(plan), "the weights of a model of " + plan.ops().size() + " ops");
        GpuQueue uploads = runtime.createQueue(owner);
        weights = new DeviceBuffer[plan.ops().size()][];
        for (int i = 0; i < weights.length; i++) weights[i] = upload(uploads, plan.ops().get(i));
        uploads.finish();
    }

    private DeviceBuffer[] upload(GpuQueue q, PlanOp op) {
        String name = "the weights of op '" + op.name() + "'";
        return switch (op) {
            case PlanOp.Conv c -> new DeviceBuffer[] {
                    upload(q, implicitGemm(c) ? WeightPacking.convImplicitGemm(c.weight()) : c.weight().toArray(), name),
                    upload(q, c.bias().toArray(), name)};
            case PlanOp.Linear l -> new DeviceBuffer[] {
                    upload(q, tuned() ? WeightPacking.linearRows(l.weight()) : l.weight().toArray(), name),
                    upload(q, l.bias().toArray(), name)};
            case PlanOp.Affine a -> new DeviceBuffer[] {upload(q, a.scale().toArray(), name), upload(q, a.shift().toArray(), name)};
            default -> new DeviceBuffer[0];
        };
    }

    /** Whether a convolution runs the implicit-GEMM kernel: the tuned variant, dense convolutions only. */
    private boolean implicitGemm(PlanOp.Conv c) {
        return tuned() && c.groups() == 1;
    }

        /** The weights' bytes as uploaded, a lower bound (packing pads them a little), checked before any upload. */
    private static long weightBytes(Plan plan) {
        long floats = 0;
        for (PlanOp op : plan.ops()) {
            floats += switch (op) {
                case PlanOp.Conv c -> c.weight().size() + c.bias().size();
                case PlanOp.Linear l -> l.weight().size() + l.bias().size();
                case PlanOp.Affine a -> a.scale().size() + a.shift().size();
                default -> 0;
            };
        }
        return floats * Float.BYTES;
    }

    private DeviceBuffer upload(GpuQueue q, float[] data, String what) {
        DeviceBuffer b = runtime.allocate((long) Math.max(data.length, 1) * Float.BYTES, what, owner);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate((long) Math.max(data.length, 1) * Float.BYTES, 16);
            MemorySegment.copy(data, 0, host, ValueLayout.JAVA_FLOAT, 0, data.length);
            q.write(b, host, (long) data.length * Float.BYTES);
        }
        return b;
    }

    private boolean tuned() {
        return variant == KernelVariant.TUNED;
    }

    @Override
    public Shape inputShape() {
        return plan.inputShape();
    }

    @Override
    public Shape outputShape() {
        return plan.outputShape();
    }

    @Override
    public Session newSession() {
        if (owner.released()) throw new BackendException(backend.name() + ": compiled model used after close()");
        return backend.track(sessionOwner -> new GpuSession(sessionOwner));
    }

    @Override
    public void close() {
        backend.closed(owner);
        cleanable.clean();
    }

    /** One run at a time over its own device buffers and queue; the weights are the model's. */
    private final class GpuSession extends AbstractSession {
        private final NativeOwner sessionOwner;
        private final Cleaner.Cleanable sessionCleanable;
        private final DeviceBuffer[] buffers;
        private final GpuQueue queue;
        private final List<GpuQueue.Launch> launches = new ArrayList<>();
        private final MemorySegment inputStaging;
        private final MemorySegment outputStaging;

        GpuSession(NativeOwner sessionOwner) {
            super(GpuCompiledModel.this);
            this.sessionOwner = sessionOwner;
            this.sessionCleanable = GpuBackend.CLEANER.register(this, sessionOwner);
            buffers = new DeviceBuffer[plan.bufferCount()];
            long bytes = 0;
            for (int b = 0; b < buffers.length; b++) bytes += Math.max(plan.bufferFloats(b), 1) * Float.BYTES;
            String activations = "the activations of a session for input " + plan.inputShape();
            runtime.memory().checkFits(bytes, activations + " (" + buffers.length + " buffers)");
            Arena staging = Arena.ofShared();
            sessionOwner.own(staging::close);
            inputStaging = staging.allocate(plan.inputShape().size() * Float.BYTES, 16);
            outputStaging = staging.allocate(plan.outputShape().size() * Float.BYTES, 16);
            for (int b = 0; b < buffers.length; b++) {
                buffers[b] = runtime.allocate(Math.max(plan.bufferFloats(b), 1) * Float.BYTES,
                        activations + ", buffer " + b, sessionOwner);
            }
            queue = runtime.createQueue(sessionOwner);
            for (int i = 0; i < plan.ops().size(); i++) bind(i, plan.ops().get(i));
        }

        private void checkOpen() {
            if (owner.released()) throw new BackendException(backend.name() + ": compiled model used after close()");
            if (sessionOwner.released()) throw new BackendException(backend.name() + ": session used after close()");
        }

        @Override
        protected void execute(Tensor input, Tensor output, long[] nanosPerOp) {
            checkOpen();
            if (nanosPerOp != null && nanosPerOp.length < launches.size()) {
                throw new IllegalArgumentException("nanosPerOp has " + nanosPerOp.length + " slots for " + launches.size() + " ops");
            }
            MemorySegment.copy(input.array(), input.offset(), inputStaging, ValueLayout.JAVA_FLOAT, 0, input.size());
            queue.write(buf(plan.input()), inputStaging, (long) input.size() * Float.BYTES);
            if (nanosPerOp == null) {
                for (GpuQueue.Launch l : launches) l.enqueue();
            } else {
                // Each op is one launch; the queue is drained after each so its wall time is its own.
                queue.finish();
                for (int i = 0; i < launches.size(); i++) {
                    long t0 = System.nanoTime();
                    launches.get(i).enqueue();
                    queue.finish();
                    nanosPerOp[i] += System.nanoTime() - t0;
                }
            }
            queue.read(buf(plan.output()), outputStaging, (long) output.size() * Float.BYTES);
            MemorySegment.copy(outputStaging, ValueLayout.JAVA_FLOAT, 0, output.array(), output.offset(), output.size());
        }

        @Override
        protected void release() {
            backend.closed(sessionOwner);
            sessionCleanable.clean();
        }

        private DeviceBuffer buf(int value) {
            return buffers[plan.buffer(value)];
        }

        private void launch(String kernel, LaunchGeometry g, Object... args) {
            // Every launch must fit CUDA's grid, the strictest limits of the devices served, on every
            // runtime: so the POCL tests catch a geometry that only a real GPU would refuse.
            g.cudaGrid(kernel);
            List<KernelArg> list = new ArrayList<>(args.length);
            for (Object a : args) {
                list.add(switch (a) {
                    case DeviceBuffer b -> KernelArg.of(b);
                    case Integer i -> KernelArg.of(i);
                    case Boolean z -> KernelArg.of(z ? 1 : 0);
                    case KernelArg k -> k;
                    default -> throw new IllegalArgumentException("kernel argument " + a);
                });
            }
            launches.add(queue.prepare(kernel, g, list, sessionOwner));
        }

        private void bind(int i, PlanOp op) {
            switch (op) {
                case PlanOp.Conv c -> {
                    Shape in = plan.shape(c.input());
                    Shape out = plan.shape(c.output());
                    Object res = c.residual() >= 0 ? buf(c.residual()) : KernelArg.none();
                    DeviceBuffer w = weights[i][0], bias = weights[i][1];
                    long pixels = (long) out.n() * out.h() * out.w();
                    if (implicitGemm(c)) {
                        LaunchGeometry g = LaunchGeometry.grid(ceilDiv(pixels, 64) * 16, ceilDiv(c.outChannels(), 64) * 16,
                                16, 16);
                        launch("conv2d_v2_implicit_gemm", g, buf(c.input()), w, bias, res, buf(c.output()), in.n(),
                                in.c(), in.h(), in.w(), c.outChannels(), c.kernelH(), c.kernelW(), c.strideH(),
                                c.strideW(), c.padTop(), c.padLeft(), out.h(), out.w(), c.residual() >= 0, c.relu());
                    } else {
                        launch("conv2d_v1_direct", LaunchGeometry.linear(out.size(), ITEMS), buf(c.input()), w, bias,
                                res, buf(c.output()), in.n(), in.c(), in.h(), in.w(), c.outChannels(), c.kernelH(),
                                c.kernelW(), c.groups(), c.strideH(), c.strideW(), c.padTop(), c.padLeft(), out.h(),
                                out.w(), c.residual() >= 0, c.relu());
                    }
                }
                case PlanOp.MaxPool m -> {
                    Shape in = plan.shape(m.input());
                    Shape out = plan.shape(m.output());
                    int planes = in.n() * in.c();
                    LaunchGeometry g = tuned() ? LaunchGeometry.planes((long) out.h() * out.w(), planes, ITEMS)
                            : LaunchGeometry.linear(out.size(), ITEMS);
                    launch(tuned() ? "maxpool_v2_clipped" : "maxpool_v1_direct", g, buf(m.input()), buf(m.output()),
                            planes, in.h(), in.w(), m.kernelH(), m.kernelW(), m.strideH(), m.strideW(), m.padTop(),
                            m.padLeft(), out.h(), out.w());
                }
                case PlanOp.GlobalAvgPool p -> {
                    Shape in = plan.shape(p.input());
                    int planes = in.n() * in.c();
                    launch(tuned() ? "global_avg_pool_v2_reduce" : "global_avg_pool_v1_direct",
                            tuned() ? LaunchGeometry.groups(planes, ITEMS) : LaunchGeometry.linear(planes, ITEMS),
                            buf(p.input()), buf(p.output()), planes, in.h() * in.w());
                }
                case PlanOp.Linear l -> {
                    int n = plan.shape(l.output()).dim(0);
                    DeviceBuffer w = weights[i][0];
                    launch(tuned() ? "linear_v2_reduce" : "linear_v1_direct",
                            tuned() ? LaunchGeometry.groups(l.outFeatures(), ITEMS)
                                    : LaunchGeometry.linear((long) n * l.outFeatures(), ITEMS),
                            buf(l.input()), w, weights[i][1], buf(l.output()), n, l.inFeatures(), l.outFeatures(),
                            l.relu());
                }
                case PlanOp.Add a -> {
                    int count = plan.shape(a.output()).intSize();
                    boolean vector = tuned() && count % 4 == 0;
                    launch(vector ? "add_v2_float4" : "add_v1_direct",
                            LaunchGeometry.linear(vector ? count / 4 : count, ITEMS),
                            buf(a.a()), buf(a.b()), buf(a.output()), count, a.relu());
                }
                case PlanOp.Affine a -> {
                    Shape in = plan.shape(a.input());
                    int n = in.dim(0);
                    int ch = in.rank() > 1 ? in.dim(1) : 1;
                    int spatial = (int) (in.size() / Math.max(1, (long) n * ch));
                    launch(tuned() ? "affine_v2_planes" : "affine_v1_direct",
                            tuned() ? LaunchGeometry.planes(spatial, (long) n * ch, ITEMS) : LaunchGeometry.linear(in.size(), ITEMS),
                            buf(a.input()), weights[i][0], weights[i][1], buf(a.output()), n, ch, spatial, a.relu());
                }
                case PlanOp.ShortcutPad p -> {
                    Shape in = plan.shape(p.input());
                    Shape out = plan.shape(p.output());
                    launch(tuned() ? "shortcut_pad_v2_planes" : "shortcut_pad_v1_direct",
                            tuned() ? LaunchGeometry.planes((long) out.h() * out.w(), (long) out.n() * out.c(), ITEMS)
                                    : LaunchGeometry.linear(out.size(), ITEMS),
                            buf(p.input()), buf(p.output()), in.n(), in.c(), in.h(), in.w(), p.stride(), out.c(),
                            p.channelsBefore(), out.h(), out.w());
                }
                case PlanOp.Softmax s -> {
                    Shape in = plan.shape(s.input());
                    int n = in.dim(0);
                    launch(tuned() ? "softmax_v2_reduce" : "softmax_v1_direct",
                            tuned() ? LaunchGeometry.groups(n, ITEMS) : LaunchGeometry.linear(n, ITEMS),
                            buf(s.input()), buf(s.output()), n, in.dim(1));
                }
            }
        }
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
