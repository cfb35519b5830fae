package io.jresnet.bench;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.models.Zoo;
import io.jresnet.nn.ResNet;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;

/**
 * What serving from one compiled model costs: the heap that one compiled model and its sessions
 * hold, and the throughput of two ways to use two cores at batch 1 (two sessions on two threads
 * over a one-thread backend, or one session over a two-thread backend). Prints Markdown.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.jresnet.bench.ServingReport [model] [seconds]</pre>
 */
public final class ServingReport {
    private ServingReport() {}

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "resnet50";
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        ResNet net = Zoo.build(model, 42);
        Shape in = Shape.nchw(1, 3, 224, 224);
        Plan plan = net.plan(in);
        memory(model, plan);
        throughput(model, plan, seconds);
    }

    private static long usedHeap() {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            best = Math.min(best, m.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    private static void memory(String model, Plan plan) {
        try (Backend cpu = Backends.create("cpu", BackendOptions.threads(2))) {
            long base = usedHeap();
            CompiledModel compiled = cpu.compile(plan);
            long withModel = usedHeap();
            List<Session> sessions = new ArrayList<>();
            sessions.add(compiled.newSession());
            long one = usedHeap();
            for (int i = 1; i < 8; i++) sessions.add(compiled.newSession());
            long eight = usedHeap();
            Tensor x = Tensor.uniform(plan.inputShape(), -1f, 1f, 1);
            for (Session s : sessions) s.run(x); // every session usable
            System.out.printf(Locale.ROOT, "## Memory: %s on cpu (heap after GC, MiB)%n%n", model);
            System.out.println("| what | heap growth |");
            System.out.println("| --- | ---: |");
            System.out.printf(Locale.ROOT, "| compiled model (packed weights, kernel schedule) | %.1f |%n", mib(withModel - base));
            System.out.printf(Locale.ROOT, "| + 1 session (activation buffers) | %.1f |%n", mib(one - withModel));
            System.out.printf(Locale.ROOT, "| + 7 more sessions (8 in all) | %.1f (%.1f each) |%n", mib(eight - one),
                    mib(eight - one) / 7);
            System.out.printf(Locale.ROOT, "| 1 compiled model + 8 sessions | %.1f |%n%n", mib(eight - base));
            for (Session s : sessions) s.close();
            compiled.close();
        }
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static void throughput(String model, Plan plan, double seconds) throws Exception {
        Tensor x = Tensor.uniform(plan.inputShape(), -1f, 1f, 2);
        double[] oneSession = new double[3], twoSessions = new double[3];
        for (int round = 0; round < 3; round++) {
            oneSession[round] = run(plan, x, 2, 1, seconds);
            twoSessions[round] = run(plan, x, 1, 2, seconds);
        }
        Arrays.sort(oneSession);
        Arrays.sort(twoSessions);
        System.out.printf(Locale.ROOT, "## Throughput: %s, batch 1, two cores (images/s, median of 3 alternated rounds of %.0f s)%n%n",
                model, seconds);
        System.out.println("| how | images/s |");
        System.out.println("| --- | ---: |");
        System.out.printf(Locale.ROOT, "| 1 session, backend with 2 worker threads | %.1f |%n", oneSession[1]);
        System.out.printf(Locale.ROOT, "| 2 sessions on 2 threads, backend with 1 thread | %.1f |%n", twoSessions[1]);
    }

    /** Images per second of {@code sessions} threads, each with its own session, over a backend of {@code threads}. */
    private static double run(Plan plan, Tensor x, int threads, int sessions, double seconds) throws Exception {
        try (Backend cpu = Backends.create("cpu", BackendOptions.threads(threads));
             CompiledModel compiled = cpu.compile(plan)) {
            CyclicBarrier start = new CyclicBarrier(sessions);
            long[] counts = new long[sessions];
            long[] nanos = new long[sessions];
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < sessions; t++) {
                int me = t;
                Thread w = new Thread(() -> {
                    try (Session s = compiled.newSession()) {
                        Tensor out = Tensor.zeros(compiled.outputShape());
                        for (int i = 0; i < 5; i++) s.run(x, out); // warm-up
                        start.await();
                        long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
                        long n = 0;
                        while (System.nanoTime() < end) {
                            s.run(x, out);
                            n++;
                        }
                        counts[me] = n;
                        nanos[me] = System.nanoTime() - t0;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) w.join();
            double total = 0;
            for (int t = 0; t < sessions; t++) total += counts[t] / (nanos[t] / 1e9);
            return total;
        }
    }
}
