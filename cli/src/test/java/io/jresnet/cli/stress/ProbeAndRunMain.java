package io.jresnet.cli.stress;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.models.Zoo;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * One short life of a process that embeds jresnet on a machine with a GPU platform installed: it
 * probes every provider (which initialises each native platform), then works on {@code cpu} the way
 * the crash report of issue 10 did: ResNet-56 at batch 64 (building and packing it made the JVM die
 * in about one start in five while POCL's handlers were installed), then ResNet-20 many times while
 * allocating garbage, so that collections keep arming the safepoint polls of compiled code (a SIGSEGV
 * each, which only HotSpot's handler may take). Prints what it did and exits 0.
 */
public final class ProbeAndRunMain {
    private ProbeAndRunMain() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        StringBuilder probed = new StringBuilder();
        for (Backends.Status s : Backends.list()) {
            probed.append(s.name()).append('=').append(s.availability().available()).append(' ');
        }
        long garbage = 0;
        float checksum = 0;
        try (Backend cpu = Backends.create("cpu", BackendOptions.threads(2))) {
            Shape large = Shape.nchw(64, 3, 32, 32);
            try (CompiledModel compiled = cpu.compile(Zoo.build("resnet56", 7).plan(large)); Session session = compiled.newSession()) {
                for (int i = 0; i < 3; i++) checksum += session.run(Tensor.uniform(large, -1f, 1f, i)).get(0, 0);
            }
            Shape small = Shape.nchw(2, 3, 32, 32);
            Tensor image = Tensor.uniform(small, -1f, 1f, 11);
            try (CompiledModel compiled = cpu.compile(Zoo.build("resnet20", 7).plan(small)); Session session = compiled.newSession()) {
                for (int i = 0; i < runs; i++) {
                    checksum += session.run(image).get(0, 0);
                    for (int j = 0; j < 64; j++) garbage += new byte[16 << 10].length; // 1 MiB a run
                }
            }
        }
        System.out.println("probed " + probed.toString().trim());
        System.out.printf("ok runs=%d garbage=%d MiB checksum=%s%n", runs, garbage >> 20, checksum);
    }
}
